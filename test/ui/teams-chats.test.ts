import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { DEMO, DEMO_USERS } from '../../emulator/src/index';
import { browserMissing, launchBrowser, type Browser } from '../helpers/browser';
import { startStack, type Stack } from '../helpers/stack';
import { ADMIN, createProfile, runProfile } from '../archiving/helpers';
import { screenshot, signIn, TASK_PANE, withoutOffice } from './helpers';

const skip = browserMissing() ?? false;
const MEGAN = DEMO_USERS.megan;

let stack: Stack;
let browser: Browser;
let page: Page;

describe('Outlook add-in: Teams chat lines read as conversations', { skip }, () => {
  before(async () => {
    process.env.ADDIN_CLIENT_ID = DEMO.spa.clientId;
    stack = await startStack({ seed: 'demo' });
    const profile = await createProfile(stack, ADMIN, { name: 'Chats', source: { kind: 'teams-chats', selection: 'only', mailboxes: [MEGAN.upn] }, syncDirectoryFirst: true });
    assert.equal((await runProfile(stack, profile)).status, 'succeeded');
    browser = await launchBrowser({ viewport: TASK_PANE });
    await withoutOffice(browser.context);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await signIn(page, `${stack.backend.url}/addin/`, MEGAN.upn);
    await page.getByRole('button', { name: 'Signed in as Megan Bowen' }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('groups consecutive lines of one chat under the chat, and opens a line in the reading pane', async () => {
    await page.getByRole('searchbox', { name: 'Search your archive' }).fill('subject:"Teams chat"');
    await page.keyboard.press('Enter');
    const group = page.getByRole('listitem', { name: 'Teams chat: Falcon launch crew, 3 chat lines' });
    await group.waitFor();
    await page.getByRole('listitem', { name: 'Teams chat: Alex Wilber, Megan Bowen, 3 chat lines' }).waitFor();
    assert.equal(await group.getByRole('button').count(), 3, 'one row per line, under one heading');
    await screenshot(page, 'addin-teams-chat');
    await group.getByRole('button', { name: /warehouse/ }).click();
    await page.getByRole('heading', { name: 'Teams chat: Falcon launch crew' }).waitFor();
    const body = page.frameLocator('iframe').first();
    await body.getByText('I will tell the warehouse.').waitFor();
  });
});

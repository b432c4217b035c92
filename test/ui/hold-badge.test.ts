import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { DEMO, DEMO_USERS } from '../../emulator/src/index';
import { browserMissing, launchBrowser, type Browser } from '../helpers/browser';
import { startStack, type Stack } from '../helpers/stack';
import { archive, call, type Archived } from '../retention/helpers';
import { screenshot, signIn, TASK_PANE, withoutOffice } from './helpers';

const skip = browserMissing() ?? false;
const { admin: ADELE, megan: MEGAN } = DEMO_USERS;

let stack: Stack;
let browser: Browser;
let page: Page;
let mail: Archived[];

/** Opens the message and waits until the reader has its hold status. */
async function open(subject: string): Promise<void> {
  await page.getByRole('searchbox', { name: 'Search your archive' }).fill(`subject:"${subject}"`);
  await page.keyboard.press('Enter');
  const status = page.waitForResponse((r) => /\/api\/messages\/[^/]+\/hold$/.test(new URL(r.url()).pathname));
  await page.getByRole('button', { name: new RegExp(subject) }).first().click();
  await page.getByRole('heading', { name: subject }).waitFor();
  assert.equal((await status).status(), 200);
}

describe('Outlook add-in: the legal hold badge', { skip }, () => {
  before(async () => {
    process.env.ADDIN_CLIENT_ID = DEMO.spa.clientId;
    stack = await startStack({ seed: 'demo', workers: 0 });
    assert.equal((await call(stack, ADELE.upn, 'POST', '/admin/directory/sync')).status, 200);
    mail = [await archive(stack.store, MEGAN.id, 3, 30), await archive(stack.store, 'not-megan', 4, 30)];
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

  it('shows nothing for a secret hold, and the hold’s name for one its owner may know of', async () => {
    const subject = mail[0]!.m.subject;
    await call(stack, ADELE.upn, 'POST', '/compliance/holds', { name: 'Internal inquiry', reason: 'Confidential', kind: 'archives', archives: [MEGAN.id] });
    await open(subject);
    assert.equal(await page.getByText(/Under legal hold/).count(), 0, 'the person under investigation is not told');
    await page.getByRole('button', { name: 'Back to results' }).click();

    await call(stack, ADELE.upn, 'POST', '/compliance/holds', { name: 'Tax records 2026', reason: 'Statutory', kind: 'query', query: `subject:"${subject}"`, visibleToUsers: true });
    await open(subject);
    await page.getByText('Under legal hold (Tax records 2026)').waitFor();
    assert.match(await page.getByText(/Under legal hold/).innerText(), /the archive keeps this message/);
    await screenshot(page, 'hold-badge');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO } from '../../emulator/src/index';
import { ADMIN } from '../archiving/helpers';
import { browserMissing, launchBrowser, type Browser } from '../helpers/browser';
import { startStack, type Stack } from '../helpers/stack';
import { signIn } from '../ui/helpers';
import { ensureTabBuilt, TEAMS_VIEWPORT } from './helpers';

const skip = browserMissing() ?? false;

describe('Teams admin tab: a Microsoft 365 groups profile', { skip }, () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  before(async () => {
    ensureTabBuilt();
    process.env.ADDIN_CLIENT_ID = DEMO.spa.clientId;
    stack = await startStack({ seed: 'demo' });
    browser = await launchBrowser({ viewport: TEAMS_VIEWPORT });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('turns group sync on in the directory page and creates a groups profile whose connection test opens each group', async () => {
    await signIn(page, `${stack.backend.url}/admin-tab/`, ADMIN);
    await page.getByRole('tab', { name: 'Directory' }).click();
    await page.getByRole('switch', { name: /^Microsoft 365 groups too/ }).check();
    await page.getByRole('button', { name: 'Save and synchronise now' }).click();
    await page.getByText(/^Synchronised: \d+ users seen/).waitFor();
    const settings = (await stack.api(ADMIN, 'GET', '/admin/directory/settings')).body;
    assert.deepEqual([settings.syncGroups, settings.grantGroupMembers], [true, true]);
    await page.getByRole('table', { name: 'Archive users' }).locator('tr[data-upn="falcon@contoso.example"]').waitFor();

    await page.getByRole('tab', { name: 'Archiving profiles' }).click();
    await page.getByRole('button', { name: 'New profile' }).click();
    await page.getByRole('radio', { name: /^Microsoft 365 groups/ }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('radio', { name: 'Only the ones ticked below' }).check();
    await page.getByRole('checkbox', { name: /\(falcon@contoso\.example\)/ }).check();
    assert.equal(await page.getByRole('checkbox', { name: /^Include online archives/ }).count(), 0, 'groups have no online archive');
    assert.equal(await page.getByRole('checkbox', { name: /megan\.bowen/ }).count(), 0, 'only groups are offered');
    for (let step = 0; step < 4; step++) await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('textbox', { name: 'Profile name' }).fill('Project Falcon conversations');
    await page.getByRole('button', { name: 'Create profile' }).click();
    await page.getByText('Connection test passed').waitFor();
    const saved = (await stack.api(ADMIN, 'GET', '/admin/profiles')).body.value.find((p: any) => p.name === 'Project Falcon conversations');
    assert.deepEqual(saved.source, { kind: 'm365-groups', selection: 'only', mailboxes: ['falcon@contoso.example'] });
  });
});

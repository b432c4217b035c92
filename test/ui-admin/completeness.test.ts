import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO, DEMO_USERS } from '../../emulator/src/index';
import { ADMIN, createProfile, runProfile, waitForRun } from '../archiving/helpers';
import { browserMissing, launchBrowser, type Browser } from '../helpers/browser';
import { startStack, waitFor, type Stack } from '../helpers/stack';
import { screenshot, signIn } from '../ui/helpers';
import { ensureTabBuilt, TEAMS_VIEWPORT } from './helpers';

const MEGAN = DEMO_USERS.megan.upn;
const skip = browserMissing() ?? false;

let stack: Stack;
let browser: Browser;
let page: Page;
let failedSubject = '';

describe('Completeness view of the Teams admin tab in Chromium', { skip }, () => {
  before(async () => {
    ensureTabBuilt();
    process.env.ADDIN_CLIENT_ID = DEMO.spa.clientId;
    // One failed download is failed for good at once: the report has a gap to show.
    stack = await startStack({ seed: 'demo', env: { DOWNLOAD_RETRY_ATTEMPTS: '1', DOWNLOAD_RETRY_WAIT_MS: '0' } });
    const [broken] = await stack.emulator.tenant.listMessages(MEGAN, 'inbox');
    failedSubject = broken!.subject!;
    stack.emulator.faults.inject({ match: { pathIncludes: '/$value', messageIds: [broken!.id!] }, kind: '504', forMs: 600_000 });
    const id = await createProfile(stack, ADMIN, { name: 'Megan', source: { kind: 'single-mailbox', mailbox: MEGAN } });
    assert.equal((await runProfile(stack, id)).status, 'partial');
    stack.emulator.faults.clear();
    browser = await launchBrowser({ viewport: TEAMS_VIEWPORT });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await signIn(page, `${stack.backend.url}/admin-tab/`, ADMIN);
    await page.getByRole('tab', { name: 'Dashboard' }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  const table = () => page.getByRole('table', { name: 'Completeness by folder' });
  const folders = () => table().locator('tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-verdict'), r.children[2]!.textContent]));

  it('lists every folder with Graph\'s count beside the archive\'s, gaps first, sortable by any column, with a statement per folder', async () => {
    await page.getByRole('tab', { name: 'Completeness' }).click();
    await table().waitFor();
    const rows = await folders();
    assert.deepEqual(rows[0], ['gaps', 'Inbox'], JSON.stringify(rows));
    assert.ok(rows.slice(1).every(([verdict]) => verdict === 'complete'), JSON.stringify(rows));
    const inbox = table().locator('tbody tr').first();
    const count = async (key: string) => Number(await inbox.locator(`[data-count="${key}"]`).textContent());
    assert.equal(await count('held') + (await count('failed')), await count('inMailbox'));
    assert.equal(await count('failed'), 1);
    await page.getByRole('region', { name: 'Messages that failed for good' }).getByText(failedSubject).waitFor();
    const statements = await page.getByLabel('Statements per folder').textContent();
    assert.match(statements!, new RegExp(`mailbox ${MEGAN} folder "Inbox" held \\d+ items; the archive holds \\d+, 1 failed for good\\. Verdict: gaps\\.`));
    await screenshot(page, 'admin-completeness');

    await table().getByRole('columnheader', { name: 'Folder' }).click();
    const byFolder = (await folders()).map(([, f]) => f!);
    assert.deepEqual(byFolder, [...byFolder].sort((a, b) => a.localeCompare(b)), 'sorted by folder');
    await table().getByRole('columnheader', { name: 'Folder' }).click();
    assert.deepEqual((await folders()).map(([, f]) => f!), [...byFolder].reverse(), 'and the other way round');
  });

  it('the dashboard names the message that failed for good, and its Retry archives it', async () => {
    await page.getByRole('tab', { name: 'Dashboard' }).click();
    const card = page.getByRole('note', { name: 'Messages that failed for good' });
    await card.getByText('1 message failed for good').waitFor();
    await card.getByRole('button', { name: `Retry ${failedSubject}` }).click();
    const link = page.getByRole('status').getByRole('link', { name: 'this run' });
    await link.waitFor();
    const runId = decodeURIComponent((await link.getAttribute('href'))!.split('/').pop()!);
    assert.equal((await waitForRun(stack, ADMIN, runId)).status, 'succeeded');
    await waitFor('the card to go', async () => ((await card.count()) === 0 ? true : undefined), 30_000);
    await page.getByRole('tab', { name: 'Completeness' }).click();
    await page.locator('[data-summary="gaps"]', { hasText: '0 with gaps' }).waitFor();
    assert.ok((await folders()).every(([verdict]) => verdict === 'complete'));
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO, DEMO_USERS } from '../../emulator/src/index';
import { ADMIN, createProfile, runProfile } from '../archiving/helpers';
import { browserMissing, launchBrowser, type Browser } from '../helpers/browser';
import { startStack, type Stack } from '../helpers/stack';
import { screenshot, signIn } from '../ui/helpers';
import { ensureTabBuilt, TEAMS_VIEWPORT } from '../ui-admin/helpers';

/**
 * The operations health an administrator watches (GET /api/admin/operations and the dashboard's
 * "Health" section): what is owed and by how many mailboxes, which mailboxes failed, each
 * profile's last successful run, and how fast the database grows towards the size set for it.
 */
const MEGAN = DEMO_USERS.megan.upn;
const ALEX = DEMO_USERS.alex.upn;
const DIEGO = DEMO_USERS.diego;
const LIMIT_GB = 2;

let stack: Stack;
let goodRun = '';

before(async () => {
  process.env.ADDIN_CLIENT_ID = DEMO.spa.clientId;
  // Failed downloads stay owed and fall due at once; the mailbox does not wait for them.
  stack = await startStack({
    seed: 'demo',
    env: { DOWNLOAD_RETRY_BASE_MS: '10', DOWNLOAD_RETRY_ATTEMPTS: '40', DOWNLOAD_RETRY_WAIT_MS: '0', DATABASE_SIZE_LIMIT_GB: String(LIMIT_GB) },
  });
  const good = await createProfile(stack, ADMIN, { name: 'Megan', source: { kind: 'single-mailbox', mailbox: MEGAN } });
  const goodDone = await runProfile(stack, good);
  assert.equal(goodDone.status, 'succeeded');
  goodRun = goodDone._id;
  // Two of Alex's downloads fail: they stay owed.
  const owed = (await stack.emulator.tenant.listMessages(ALEX, 'inbox')).slice(0, 2).map((m) => m.id!);
  stack.emulator.faults.inject({ match: { pathIncludes: '/$value', messageIds: owed }, kind: '504', forMs: 600_000 });
  const alex = await createProfile(stack, ADMIN, { name: 'Alex', source: { kind: 'single-mailbox', mailbox: ALEX } });
  assert.equal((await runProfile(stack, alex)).status, 'partial');
  stack.emulator.faults.clear();
  // Diego's mailbox is gone (his licence removed): Graph answers MailboxNotEnabledForRESTAPI and his crawl fails.
  stack.emulator.tenant.mailboxes.delete(DIEGO.id);
  const diego = await createProfile(stack, ADMIN, { name: 'Diego', source: { kind: 'single-mailbox', mailbox: DIEGO.upn } });
  const failed = await runProfile(stack, diego);
  assert.equal(failed.mailboxes[0]?.status, 'failed', JSON.stringify(failed));
});
after(async () => stack?.close());

describe('operations health API', () => {
  it('names the backlog, the failing mailbox and the last successful run of each profile', async () => {
    const res = await stack.api(ADMIN, 'GET', '/admin/operations');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { backlog, profiles } = res.body;
    assert.equal(backlog.owedMessages, 2, 'the two failed downloads are owed');
    assert.equal(backlog.mailboxesBehind, 1, 'by Alex alone');
    const byName = Object.fromEntries(profiles.map((p: { profileName: string }) => [p.profileName, p]));
    assert.equal(byName.Megan.lastSuccess.runId, goodRun);
    assert.deepEqual(byName.Megan.failingMailboxes, []);
    assert.equal(byName.Alex.lastSuccess, null, 'Alex\'s profile never archived everything');
    assert.deepEqual(byName.Alex.failingMailboxes, [], 'owed messages do not fail the mailbox');
    assert.equal(byName.Diego.lastSuccess, null);
    assert.deepEqual(byName.Diego.failingMailboxes.map((m: { upn: string }) => m.upn), [DIEGO.upn]);
    assert.match(byName.Diego.failingMailboxes[0].lastError, /MailboxNotEnabledForRESTAPI/, 'with the reason it failed');
  });

  it('forecasts the database size from the growth of the past days and counts the days to the size set for it', async () => {
    // Yesterday's and the day before's archiving: the blobs are moved back in time, as if stored then.
    const files = stack.store.db.collection('messages.files');
    const ids = (await files.find({}, { projection: { _id: 1 } }).toArray()).map((f) => f._id);
    const day = (n: number) => new Date(Date.now() - n * 86_400_000);
    await files.updateMany({ _id: { $in: ids.filter((_, i) => i % 2 === 0) } }, { $set: { uploadDate: day(1) } });
    await files.updateMany({ _id: { $in: ids.filter((_, i) => i % 2 === 1) } }, { $set: { uploadDate: day(2) } });
    const { growth } = (await stack.api(ADMIN, 'GET', '/admin/operations?days=3')).body;
    const [before, yesterday, today] = growth.perDay;
    assert.equal(today.bytes, 0);
    assert.equal(before.messages + yesterday.messages, ids.length);
    const stored = before.bytes + yesterday.bytes;
    assert.ok(growth.bytesPerDay >= stored / 2, `${growth.bytesPerDay} per day from ${stored} bytes in two days`);
    assert.equal(growth.forecast.find((f: { days: number }) => f.days === 30).totalBytes, growth.database.totalBytes + 30 * growth.bytesPerDay);
    assert.equal(growth.limit.bytes, LIMIT_GB * 1024 ** 3);
    assert.equal(growth.limit.daysLeft, Math.floor((growth.limit.bytes - growth.database.totalBytes) / growth.bytesPerDay));
  });

  it('is for administrators only', async () => {
    assert.equal((await stack.api(MEGAN, 'GET', '/admin/operations')).status, 403);
  });
});

describe('operations health on the Teams tab dashboard in Chromium', { skip: browserMissing() ?? false }, () => {
  let browser: Browser;
  let page: Page;
  before(async () => {
    ensureTabBuilt();
    browser = await launchBrowser({ viewport: TEAMS_VIEWPORT });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await signIn(page, `${stack.backend.url}/admin-tab/`, ADMIN);
    await page.getByRole('tab', { name: 'Dashboard' }).waitFor();
  });
  after(async () => browser?.close());

  it('shows the backlog, the failing mailbox, each profile\'s last success and the growth forecast', async () => {
    const health = page.getByRole('region', { name: 'Health' });
    await health.waitFor();
    const figure = (label: string) => health.locator(`[data-figure="${label}"]`).textContent();
    assert.equal(await figure('Messages owed'), '2');
    assert.equal(await figure('Mailboxes behind'), '1');
    const profiles = health.getByRole('table', { name: 'Profiles' });
    const row = (name: string) => profiles.getByRole('row').filter({ hasText: name });
    await row('Megan').getByText('succeeded').waitFor();
    await row('Diego').getByText('never').waitFor();
    await row('Diego').getByText(DIEGO.upn, { exact: false }).waitFor();
    assert.match((await figure('Days until the size limit'))!, /^\d[\d,]*$/);
    await screenshot(page, 'admin-dashboard-health');
  });
});

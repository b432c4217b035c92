import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { DEMO_USERS } from '../../emulator/src/index';
import { browserMissing, launchBrowser, type Browser } from '../helpers/browser';
import { startStack, waitFor, type Stack } from '../helpers/stack';
import { archive, call, itemIds } from '../retention/helpers';
import { readZip } from '../retrieval/zip-reader';
import { screenshot } from '../ui/helpers';
import { asTeamsHost, ensureTabBuilt, TEAMS_VIEWPORT } from './helpers';

const skip = browserMissing() ?? false;
const { admin: ADELE, lee: LEE, diego: DIEGO, megan: MEGAN, alex: ALEX } = DEMO_USERS;
const NAMES: Record<string, string> = { [ADELE.upn]: 'Adele Vance', [LEE.upn]: 'Lee Gu', [DIEGO.upn]: 'Diego Siciliani' };
const DAN = 'dan@contractor.example';

let stack: Stack;
const browsers: Browser[] = [];

/** The tab inside a Teams host as `who` (Diego carries the auditor role); the page and the tab's frame. */
async function openTab(who: { upn: string; id: string }, roles?: string[]): Promise<{ page: Page; tab: FrameLocator }> {
  const browser = await launchBrowser({ viewport: TEAMS_VIEWPORT });
  browsers.push(browser);
  const token = await stack.emulator.issueUserToken(who.upn, roles ? { roles } : {});
  const hostUrl = await asTeamsHost(browser.context, stack.backend.url, { upn: who.upn, name: NAMES[who.upn]!, oid: who.id, tid: stack.emulator.tenantId }, token);
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(hostUrl);
  return { page, tab: page.frameLocator('#tab') };
}

describe('Teams tab: retention, legal holds, erasure and cases in Chromium', { skip }, () => {
  before(async () => {
    ensureTabBuilt();
    stack = await startStack({ seed: 'demo', workers: 2, env: { ADMIN_USERS: LEE.upn } });
    assert.equal((await call(stack, ADELE.upn, 'POST', '/admin/directory/sync')).status, 200);
    for (let n = 0; n < 12; n++) await archive(stack.store, MEGAN.id, n, 500);
    for (let n = 12; n < 16; n++) await archive(stack.store, ALEX.id, n, 500);
    // A small threshold, so that the policy below needs a second administrator.
    await call(stack, ADELE.upn, 'PUT', '/admin/retention/settings', { schedule: { kind: 'manual' }, approvalThreshold: 3, batchSize: 100 });
  });
  after(async () => {
    for (const b of browsers) await b.close();
    await stack?.close();
  });

  it('an administrator previews a policy, which waits for a second administrator; the second one approves and disposal runs', async () => {
    const { page, tab } = await openTab(ADELE);
    await tab.getByRole('tab', { name: 'Retention' }).click();
    await tab.getByRole('button', { name: 'New policy' }).click();
    const form = tab.getByRole('form', { name: 'New retention policy' });
    await form.getByRole('textbox', { name: 'Policy name' }).fill('Marketing: one year');
    await form.getByRole('spinbutton', { name: 'Maximum (days)' }).fill('365');
    await form.getByRole('textbox', { name: 'Archives' }).fill(MEGAN.upn);
    await form.getByRole('button', { name: 'Preview' }).click();
    await tab.getByText('12 messages (', { exact: false }).waitFor();
    const preview = tab.getByRole('region', { name: 'Preview' });
    await preview.getByRole('table', { name: 'Sample of subjects' }).getByRole('row').nth(1).waitFor();
    await screenshot(page, 'admin-retention-preview');
    await form.getByRole('button', { name: 'Save policy' }).click();
    await tab.getByText('Waiting for a second administrator').waitFor();
    await tab.getByText(/more than the approval threshold of 3/).first().waitFor();
    // The one who asked cannot approve.
    const row = tab.getByRole('table', { name: 'Policies' }).locator('tr[data-policy="Marketing: one year"]');
    await row.getByRole('button', { name: 'Approve' }).click();
    await tab.getByText(/must be approved by a second administrator/).waitFor();
    await screenshot(page, 'admin-retention-four-eyes');

    const second = await openTab(LEE);
    await second.tab.getByRole('tab', { name: 'Retention' }).click();
    const theirs = second.tab.getByRole('table', { name: 'Policies' }).locator('tr[data-policy="Marketing: one year"]');
    await theirs.getByRole('button', { name: 'Approve' }).click();
    await theirs.getByText('keep ≥ 0 days, dispose after 365 days').waitFor();
    await second.tab.getByRole('button', { name: 'Run disposal now' }).click();
    await second.tab.getByRole('table', { name: 'Disposal runs' }).locator('[data-status="succeeded"]').waitFor({ timeout: 60_000 });
    assert.deepEqual(await itemIds(stack.store, MEGAN.id), []);
    await second.tab.getByRole('table', { name: 'Disposal log' }).getByRole('row').nth(12).waitFor();
    await screenshot(second.page, 'admin-retention-disposed');
  });

  it('sets a legal hold, refuses to lift it without a reason, and lifts it with one', async () => {
    const { page, tab } = await openTab(ADELE);
    await tab.getByRole('tab', { name: 'Legal holds' }).click();
    const form = tab.getByRole('form', { name: 'Set a legal hold' });
    await form.getByRole('textbox', { name: 'Hold name' }).fill('Alex inquiry');
    await form.getByRole('textbox', { name: 'Reason' }).fill('Counsel instruction of 3 May');
    await form.getByRole('textbox', { name: 'Archives' }).fill(ALEX.upn);
    await form.getByRole('button', { name: 'Set hold' }).click();
    const row = tab.getByRole('table', { name: 'Legal holds' }).locator('tr[data-hold="Alex inquiry"]');
    await row.waitFor();
    await screenshot(page, 'admin-holds');
    await row.getByRole('button', { name: 'Lift' }).click();
    await row.getByText('is required: say why the hold ends').waitFor();
    await row.getByRole('textbox', { name: 'Why lift it' }).fill('Inquiry closed');
    await row.getByRole('button', { name: 'Lift' }).click();
    await row.getByText(`${ADELE.upn}: Inquiry closed`).waitFor();
  });

  it('files an erasure request, shows what goes and what stays, and a second administrator approves it; the certificate follows', async () => {
    await call(stack, ADELE.upn, 'POST', '/compliance/holds', { name: 'Keep Alex', reason: 'Dispute', kind: 'archives', archives: [ALEX.id] });
    // Megan's recent mail (no policy disposes of it), some of it Dan's.
    for (let n = 20; n < 30; n++) await archive(stack.store, MEGAN.id, n, 30);
    const { page, tab } = await openTab(ADELE);
    await tab.getByRole('tab', { name: 'Erasure requests' }).click();
    const form = tab.getByRole('form', { name: 'Request an erasure' });
    await form.getByRole('textbox', { name: 'Addresses' }).fill(DAN);
    await form.getByRole('textbox', { name: 'Reason' }).fill('Art. 17 request, ticket 4711');
    await form.getByRole('button', { name: 'File request' }).click();
    await tab.getByTestId('erasure-summary').waitFor();
    await tab.getByRole('table', { name: 'Must stay' }).getByText('under legal hold "Keep Alex"').first().waitFor();
    await screenshot(page, 'admin-erasure-listing');

    const second = await openTab(LEE);
    await second.tab.getByRole('tab', { name: 'Erasure requests' }).click();
    await second.tab.getByRole('table', { name: 'Erasure requests' }).locator(`tr[data-request="${DAN}"]`).getByRole('button', { name: 'Open' }).click();
    await second.tab.getByRole('button', { name: 'Approve and erase' }).click();
    await second.tab.getByTestId('certificate').waitFor({ timeout: 60_000 });
    assert.match(await second.tab.getByTestId('certificate').innerText(), /Certificate of erasure: [1-9]\d* messages erased .* 2 kept\. Digest [0-9a-f]{64}/);
    await screenshot(second.page, 'admin-erasure-certificate');
  });

  it('an auditor opens a case, runs its search across archives, tags, holds and exports a verifiable package', async () => {
    const { page, tab } = await openTab(DIEGO, ['Archive.Auditor']);
    await tab.getByRole('tab', { name: 'Cases' }).click();
    assert.equal(await tab.getByRole('tab', { name: 'Retention' }).count(), 0, 'an auditor does not administer retention');
    await tab.getByRole('textbox', { name: 'Case name' }).fill('Budget review');
    await tab.getByRole('button', { name: 'Open case' }).click();
    const save = tab.getByRole('form', { name: 'Save a search' });
    await save.getByRole('textbox', { name: 'Search name' }).fill('Merger');
    await save.getByRole('textbox', { name: 'Query' }).fill('subject:merger');
    await save.getByRole('button', { name: 'Save search' }).click();
    await tab.getByRole('table', { name: 'Saved searches' }).getByRole('button', { name: 'Run' }).click();
    const results = tab.getByRole('table', { name: 'Results' });
    await results.getByRole('row').nth(1).waitFor();
    await results.getByRole('checkbox').first().check();
    const act = tab.getByRole('form', { name: 'Act on the results' });
    await act.getByRole('textbox', { name: 'Tag' }).fill('privileged');
    await act.getByRole('button', { name: 'Tag picked' }).click();
    await tab.getByRole('table', { name: 'Tags' }).getByText('privileged').waitFor();
    await act.getByRole('textbox', { name: 'Hold name' }).fill('Budget hold');
    await act.getByRole('textbox', { name: 'Hold reason' }).fill('Audit 2026');
    await act.getByRole('button', { name: 'Hold these results' }).click();
    await tab.getByRole('table', { name: 'Holds of the case' }).getByText('Budget hold').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), act.getByRole('button', { name: 'Export results' }).click()]);
    const files = new Map(readZip(await readFile((await download.path())!)).map((e) => [e.name, e.data]));
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
    assert.equal(manifest.exportedBy.upn, DIEGO.upn);
    assert.ok(manifest.count > 0 && manifest.messages.every((m: { file: string }) => files.has(m.file)));
    await tab.getByRole('table', { name: 'Exports' }).getByText(/^[0-9a-f]{64}$/).waitFor();
    await screenshot(page, 'admin-case');
    await waitFor('the export to be recorded', async () => ((await call(stack, DIEGO.upn, 'GET', '/compliance/cases')).body.value.length === 1 ? true : undefined), 5_000);
  });
});

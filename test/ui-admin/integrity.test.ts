import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { DEMO } from '../../emulator/src/index';
import { ADMIN } from '../archiving/helpers';
import { browserMissing, launchBrowser, type Browser } from '../helpers/browser';
import { startStack, waitFor, type Stack } from '../helpers/stack';
import { archive, closeTsa, localTsa } from '../integrity/helpers';
import { screenshot, signIn } from '../ui/helpers';
import { ensureTabBuilt, TEAMS_VIEWPORT } from './helpers';

const skip = browserMissing() ?? false;
/** TSA_GRACE_HOURS of this stack: 7.2 s. */
const GRACE_MS = 7_200;

let stack: Stack;
let browser: Browser;
let page: Page;

describe('Teams admin tab: integrity', { skip }, () => {
  before(async () => {
    ensureTabBuilt();
    process.env.ADDIN_CLIENT_ID = DEMO.spa.clientId;
    const tsa = await localTsa();
    stack = await startStack({ seed: 'demo', workers: 2, env: { TSA_URL: tsa.url, TSA_CA_FILE: tsa.caCertPath, TSA_GRACE_HOURS: String(GRACE_MS / 3_600_000) } });
    browser = await launchBrowser({ viewport: TEAMS_VIEWPORT });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
    await closeTsa();
  });

  it('seals the ledger, runs a verification on demand and shows its figures, then names a damaged message', async () => {
    const stored = await archive(stack.store as never, 'arch-ui', 3);
    await signIn(page, `${stack.backend.url}/admin-tab/#integrity`, ADMIN);
    await page.getByRole('tab', { name: 'Integrity' }).click();
    await page.getByRole('button', { name: 'Seal now' }).click();
    await page.getByText('(1 time-stamped)').waitFor();
    await page.getByRole('button', { name: 'Verify now' }).click();
    await page.getByText('Every stored message read back as archived').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('[data-fact="Messages checked"]').textContent(), '3');

    const chunks = stack.store.db.collection<{ _id: string; data: Buffer }>('messages.chunks');
    await chunks.updateOne({ _id: `${stored[1]!.sha256}:0` }, { $set: { data: Buffer.from('not what was archived') } });
    await page.getByRole('button', { name: 'Verify now' }).click();
    const problems = page.getByRole('table', { name: 'Problems' });
    await problems.waitFor({ timeout: 30_000 });
    await waitFor('the problem row', async () => ((await problems.textContent())?.includes(stored[1]!.sha256) ? true : undefined));
    const row = (await problems.textContent()) ?? '';
    assert.match(row, /Message altered/, 'the problem is named in words');
    assert.match(row, /altered-blob/, 'with its code, as the API and reports name it');
    assert.match(row, /no longer matches the digest recorded when it was archived/, 'and what it means');
    await screenshot(page, 'admin-integrity');
  });

  // That verification then names the root as stamped late is test/integrity/tamper.test.ts's (here a period is an hour).
  it('leaves a root whose token is gone to the administrator, who stamps it late', async () => {
    await stack.store.db.collection<{ _id: number }>('ledger_roots').updateOne({ _id: 1 }, { $set: { token: null, genTime: null } });
    await sleep(GRACE_MS + 500);
    await page.getByRole('button', { name: 'Seal now' }).click();
    await page.getByText('1 Merkle root was closed longer ago than TSA_GRACE_HOURS without a time-stamp').waitFor();
    assert.equal(await page.getByText('(0 time-stamped)').count(), 1, 'Seal now alone does not stamp it');
    await page.getByRole('button', { name: 'Stamp late' }).click();
    await page.getByText('(1 time-stamped)').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Stamp late' }).count(), 0);
  });

  it('says when encryption cannot be turned on: no master key', async () => {
    await page.getByText('Encryption needs a master key').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Turn on' }).isDisabled(), true);
  });
});

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO, DEMO_USERS } from '../../emulator/src/index';
import { ADMIN } from '../archiving/helpers';
import { browserMissing, launchBrowser, type Browser } from '../helpers/browser';
import { corpusDir, corpusFiles } from '../helpers/corpus';
import { startStack, waitFor, type Stack } from '../helpers/stack';
import { screenshot, signIn } from '../ui/helpers';
import { tempDir } from '../import/helpers';
import { ensureTabBuilt, TEAMS_VIEWPORT } from './helpers';

const MEGAN = DEMO_USERS.megan;
const skip = browserMissing() ?? (corpusDir() ? false : 'no corpus');

let stack: Stack;
let browser: Browser;
let page: Page;

describe('Teams admin tab: importing mail', { skip }, () => {
  before(async () => {
    ensureTabBuilt();
    process.env.ADDIN_CLIENT_ID = DEMO.spa.clientId;
    stack = await startStack({ seed: 'demo', workers: 2 });
    await stack.api(ADMIN, 'POST', '/admin/directory/sync');
    browser = await launchBrowser({ viewport: TEAMS_VIEWPORT });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('uploads an mbox in chunks, imports it into the chosen archive and shows its progress, folders and counts', async (t) => {
    const dir = tempDir(t);
    const mails = corpusFiles('spamassassin-easy_ham').slice(200, 260).map((f) => readFileSync(f));
    const file = join(dir, 'old-server.mbox');
    writeFileSync(file, Buffer.concat(mails.map((m) => Buffer.concat([Buffer.from('From a@example.com Thu Jan  1 00:00:00 2004\n'), Buffer.from(m.toString('latin1').replace(/^(>*From )/gm, '>$1'), 'latin1'), Buffer.from('\n')]))));

    await signIn(page, `${stack.backend.url}/admin-tab/#import`, ADMIN);
    await page.getByRole('tab', { name: 'Import' }).click();
    await page.getByRole('combobox').first().fill(MEGAN.upn);
    await page.getByLabel('File to import').setInputFiles(file);
    await page.getByLabel('Put the imported folders under').fill('Old server');
    await page.getByRole('button', { name: 'Start import' }).click();

    const row = page.getByRole('row', { name: 'Import old-server.mbox' });
    await row.waitFor();
    await waitFor('the import to finish in the tab', async () => ((await row.getByText('done').count()) > 0 ? true : undefined), 60_000, 250);
    assert.match(await row.getByLabel('Import counts').innerText(), /^60 archived · 0 already there · 0 failed/);
    await row.getByRole('button', { name: 'Details' }).click();
    const folders = page.getByRole('table', { name: 'Folders' });
    await folders.getByRole('cell', { name: 'Old server' }).waitFor();
    await page.getByText('No item failed or lost anything in conversion.').waitFor();
    await screenshot(page, 'admin-import');
    assert.equal(await stack.store.db.collection('items').countDocuments({ archiveId: MEGAN.id, folder: 'Old server' }), 60);
  });
});

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { JOURNAL_ONLY_SUBJECT } from '../../dev/demo-setup';
import { DEMO_FILE_WORDS, DEMO_USERS } from '../../emulator/src/index';
import { browserMissing, launchBrowser, type Browser } from '../helpers/browser';
import { testStore, type TestStore } from '../helpers/db';
import { freePort } from '../helpers/process';
import { waitFor } from '../helpers/stack';
import { screenshot, signIn, TASK_PANE, withoutOffice } from './helpers';
import { ensureBuilt, TEAMS_VIEWPORT } from '../ui-admin/helpers';

/**
 * The demo as README's "Two commands" describes it, on a clone of this repository's HEAD with no
 * `../shared` beside it: `npm start` with its own ports, then the administrator's journey in the
 * Teams tab and the user's in the Outlook task pane, in Chromium.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const skip = browserMissing() ?? (existsSync(join(ROOT, '.git')) ? false : 'not a git checkout: nothing to clone');

let dir: string;
let demo: ChildProcess | undefined;
let output = '';
let db: TestStore;
const browsers: Browser[] = [];
let urls: { addin: string; admin: string };

/** `git clone` of HEAD into a folder whose parent holds no `shared/`, with this checkout's installed packages. */
async function cloneWithoutShared(): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'demo-clone-'));
  const clone = join(dir, 'm365-archive');
  const res = spawnSync('git', ['clone', '--quiet', ROOT, clone], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  assert.ok(!existsSync(join(dir, 'shared')), 'no ../shared beside the clone');
  // `npm ci` would download the same packages again, and the pages' build is that of the same sources.
  await symlink(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
  for (const app of ['addin', 'teams-app'] as const) {
    ensureBuilt(app);
    await cp(join(ROOT, app, 'dist'), join(clone, app, 'dist'), { recursive: true });
  }
  return clone;
}

/** `npm start` in its own process group, as a terminal runs it (Ctrl+C reaches the whole group). */
async function startDemo(clone: string): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', PORT: String(await freePort()), EMULATOR_PORT: String(await freePort()), MONGODB_DB: db.dbName, DEMO_HISTORY: '20' };
  // A fresh shell: no CA or corpus location of this checkout's test run (MONGODB_URI stays: README's database of choice).
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.EMULATOR_CORPUS_DIR;
  demo = spawn('npm', ['start'], { cwd: clone, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  demo.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  demo.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor('npm start to print its URLs', async () => {
    if (demo!.exitCode !== null) throw new Error(`npm start exited with ${demo!.exitCode}:\n${output}`);
    return /Ctrl\+C stops everything/.test(output) ? true : undefined;
  }, 240_000, 500);
  const printed = (label: string) => output.match(new RegExp(`${label}\\s+(http\\S+)`))?.[1];
  urls = { addin: printed('add-in')!, admin: printed('admin tab')! };
  assert.ok(urls.addin && urls.admin, `the URLs are printed:\n${output}`);
}

/** Ctrl+C: SIGINT to the process group; whatever is left after that is killed. */
async function stopDemo(): Promise<void> {
  if (!demo?.pid || demo.exitCode !== null) return;
  const exited = new Promise((done) => demo!.once('exit', done));
  process.kill(-demo.pid, 'SIGINT');
  const stopped = await Promise.race([exited.then(() => true), new Promise((done) => setTimeout(done, 20_000, false))]);
  try {
    process.kill(-demo.pid, 'SIGKILL');
  } catch {
    // The whole group is gone already.
  }
  assert.ok(stopped, `Ctrl+C stopped the demo:\n${output.slice(-2000)}`);
}

/** A browser of one's own: the add-in and the tab share an origin, and with it MSAL's cache of who signed in. */
async function browserPage(viewport: { width: number; height: number }): Promise<Page> {
  const browser = await launchBrowser({ viewport });
  browsers.push(browser);
  await withoutOffice(browser.context);
  return browser.context.pages()[0] ?? (await browser.context.newPage());
}

async function search(page: Page, query: string): Promise<void> {
  await page.getByRole('searchbox', { name: 'Search your archive' }).fill(query);
  await Promise.all([page.waitForResponse((r) => r.url().includes('/api/search?')), page.keyboard.press('Enter')]);
}

const hits = (page: Page) => page.locator('li button[data-message-id]');

describe('the demo, walked through as README describes it, on a clone without ../shared', { skip }, () => {
  before(async () => {
    db = await testStore('demo_walkthrough');
    await startDemo(await cloneWithoutShared());
  });
  after(async () => {
    for (const b of browsers) await b.close();
    await stopDemo();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lets the administrator follow the first run of every mailbox to its end in the Teams tab', async () => {
    const page = await browserPage(TEAMS_VIEWPORT);
    await signIn(page, urls.admin, DEMO_USERS.admin.upn);
    await page.getByRole('tab', { name: 'Archiving profiles' }).click();
    const row = page.locator('tr[data-profile="All mailboxes"]');
    await row.waitFor();
    await row.getByRole('button', { name: 'More actions: All mailboxes' }).click();
    await page.getByRole('menuitem', { name: 'Run history' }).click();
    await page.getByRole('table', { name: 'Run history' }).locator('tbody tr').first().getByRole('link').first().click();
    const run = page.getByRole('region', { name: 'Run of “All mailboxes”' });
    await run.locator('[data-status="succeeded"]').first().waitFor({ timeout: 180_000 });
    const archived = Number((await run.locator('[data-total="archived"]').last().innerText()).replace(/\D/g, ''));
    assert.ok(archived >= 50, `the demo's mailboxes were archived (${archived} messages)`);
    await run.locator(`tr[data-mailbox="${DEMO_USERS.megan.upn}"][data-status="done"]`).waitFor();
    await screenshot(page, 'demo-admin-run');
    await page.getByRole('tab', { name: 'Dashboard' }).click();
    await page.getByRole('table', { name: 'Last runs' }).getByText('All mailboxes').first().waitFor();
    await screenshot(page, 'demo-admin-dashboard');
  });

  it('lets a user find attachment text, a thread, a newsletter and journaled mail in the task pane', async () => {
    const page = await browserPage(TASK_PANE);
    await signIn(page, urls.addin, DEMO_USERS.megan.upn);
    await page.getByRole('button', { name: 'Signed in as Megan Bowen' }).waitFor();

    // A word that only the launch plan's attachment holds.
    await search(page, DEMO_FILE_WORDS.launchPlan);
    await hits(page).first().getByRole('img', { name: 'Has attachments' }).waitFor();
    await screenshot(page, 'demo-search-attachment');

    await search(page, 'subject:"Falcon launch plan"');
    await waitFor('the thread', async () => ((await hits(page).count()) >= 4 ? true : undefined), 10_000);
    const subjects = await hits(page).allInnerTexts();
    assert.ok(subjects.some((s) => /RE: .*Falcon launch plan/i.test(s)), `replies in the thread: ${subjects.join(' | ')}`);
    await screenshot(page, 'demo-search-results');

    await search(page, '"Contoso Weekly"');
    await hits(page).first().click();
    const body = page.frameLocator('iframe[title^="Message:"]');
    await body.locator('table').first().waitFor();
    await screenshot(page, 'demo-newsletter');

    // Megan was in Bcc of mail that reached the archive only through the journal gateway.
    await waitFor('the journal report to be filed', async () => {
      await search(page, `subject:"${JOURNAL_ONLY_SUBJECT}"`);
      return (await hits(page).count()) > 0 ? true : undefined;
    }, 60_000, 1000);
    const hit = hits(page).first();
    const id = (await hit.getAttribute('data-message-id'))!;
    await hit.click();
    await page.frameLocator('iframe[title^="Message:"]').getByText('notes from the exit interview').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download .eml' }).click()]);
    const sha256 = createHash('sha256').update(await readFile((await download.path())!)).digest('hex');
    assert.equal(sha256, id.split(':')[1], 'the .eml is the archived message byte for byte');
  });
});

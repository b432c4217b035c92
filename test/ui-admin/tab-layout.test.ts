import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO, DEMO_USERS } from '../../emulator/src/index';
import { ADMIN, createProfile, mailCount, runProfile } from '../archiving/helpers';
import { assertAccessible } from '../helpers/axe';
import { browserMissing, launchBrowser, type Browser } from '../helpers/browser';
import { startStack, waitFor, type Stack } from '../helpers/stack';
import { screenshot, signIn } from '../ui/helpers';
import { ensureTabBuilt, TEAMS_VIEWPORT } from './helpers';

const MEGAN = DEMO_USERS.megan.upn;
const ALEX = DEMO_USERS.alex.upn;
const PAGES = ['Dashboard', 'Archiving profiles', 'Completeness', 'Directory', 'Privileges', 'Journaling', 'Import', 'Integrity', 'Retention', 'Legal holds', 'Erasure requests'];
const skip = browserMissing() ?? false;

let stack: Stack;
let browser: Browser;
let page: Page;

const focusedLabel = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? null);
/** How far the page scrolls sideways (0 when everything reflows into the window), and the outermost elements that stick out. */
async function assertReflows(what: string): Promise<void> {
  const { by, culprits } = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    // Inside a table's own scroll container (TableScroll) sticking out is fine.
    const out = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > width + 1 && !e.parentElement?.closest('[data-out], [role="group"][tabindex="0"]') && e.setAttribute('data-out', '') === undefined);
    const names = out.slice(0, 5).map((e) => `${e.tagName.toLowerCase()}${e.getAttribute('aria-label') ? `[${e.getAttribute('aria-label')}]` : ''}.${[...e.classList].slice(0, 2).join('.')} (${Math.round(e.getBoundingClientRect().right)} px)`);
    out.forEach((e) => e.removeAttribute('data-out'));
    return { by: document.documentElement.scrollWidth - width, culprits: names };
  });
  assert.ok(by <= 0, `${what} scrolls sideways by ${by} px at 320 px: ${culprits.join(', ')}`);
}

describe('Teams admin tab: headings, reflow, focus, run progress and notices', { skip }, () => {
  before(async () => {
    ensureTabBuilt();
    process.env.ADDIN_CLIENT_ID = DEMO.spa.clientId;
    stack = await startStack({ seed: 'demo' });
    browser = await launchBrowser({ viewport: TEAMS_VIEWPORT });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await signIn(page, `${stack.backend.url}/admin-tab/`, ADMIN);
    await page.getByRole('tab', { name: 'Dashboard' }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('says what is missing when no shared mailbox is known because only licensed users are synchronised', async () => {
    assert.equal((await stack.api(ADMIN, 'POST', '/admin/directory/sync')).status, 200);
    await page.getByRole('tab', { name: 'Archiving profiles' }).click();
    await page.getByRole('button', { name: 'New profile' }).click();
    await page.getByRole('radio', { name: /^Shared mailboxes/ }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText(/No shared mailbox is known: .*"Licensed Exchange Online users only" on leaves them out/).waitFor();
  });

  it('shows a first archive’s messages, rate and time left per mailbox and in total', async () => {
    const id = await createProfile(stack, ADMIN, { name: 'Two people', source: { kind: 'multiple-mailboxes', selection: 'only', mailboxes: [MEGAN, ALEX] } });
    // Megan's downloads crawl, so the run is caught while it runs.
    stack.emulator.faults.inject({ match: { pathIncludes: '/$value', mailbox: MEGAN }, kind: 'slow', delayMs: 250, forMs: 120_000 });
    await page.goto(`${stack.backend.url}/admin-tab/#profiles`);
    await page.getByRole('button', { name: 'Run now: Two people' }).click();
    const run = page.getByRole('region', { name: 'Run of “Two people”' });
    const pace = /^[\d,]+ of [\d,]+ messages · [\d,]+ a minute · (\d+ (s|min|h)\b.*) left$/;
    await waitFor('Megan’s time left', async () => (pace.test(await run.locator(`tr[data-mailbox="${MEGAN}"] [data-count="progress"]`).innerText().catch(() => '')) ? true : undefined), 60_000);
    await waitFor('the run’s time left', async () => (pace.test(await run.locator('[data-total="progress"]').innerText().catch(() => '')) ? true : undefined), 30_000);
    await screenshot(page, 'admin-run-pace');
    await assertAccessible(page, 'a run with its pace');
    stack.emulator.faults.clear();
    await run.locator('[data-status="succeeded"]').first().waitFor({ timeout: 120_000 });
    const megan = await mailCount(stack, MEGAN, { exclude: ['Junk Email', 'Drafts', 'Outbox'] });
    assert.match(await run.locator(`tr[data-mailbox="${MEGAN}"] [data-count="progress"]`).innerText(), new RegExp(`^${megan.toLocaleString('en-US')} of ${megan.toLocaleString('en-US')} messages · [\\d,]+ a minute$`));
    const detail = (await stack.api(ADMIN, 'GET', `/admin/runs/${(await stack.api(ADMIN, 'GET', `/admin/runs?profileId=${id}`)).body.value[0]._id}`)).body;
    assert.equal(detail.pace.expected, detail.mailboxes.reduce((n: number, m: any) => n + m.pace.expected, 0), 'the total is the mailboxes’ sum');
    assert.equal(detail.pace.secondsLeft, null, 'nothing left once done');
  });

  it('tells administrators on every page when a run failed, and leads to it', async () => {
    const id = await createProfile(stack, ADMIN, { name: 'Gone mailbox', source: { kind: 'single-mailbox', mailbox: 'departed@contoso.example' } });
    const run = await runProfile(stack, id);
    assert.ok(['failed', 'partial'].includes(run.status), run.status);
    await page.getByRole('tab', { name: 'Directory' }).click();
    const notice = page.getByRole('button', { name: 'Needs attention: 1 run' });
    await notice.waitFor({ timeout: 40_000 });
    await notice.click();
    const list = page.getByRole('dialog', { name: 'Needs attention' });
    await waitFor('focus in the list', async () => ((await list.evaluate((el) => el.contains(document.activeElement))) ? true : undefined), 5000);
    await list.getByText(run.status, { exact: true }).waitFor();
    await screenshot(page, 'admin-attention');
    await assertAccessible(page, 'the notice of failed runs');
    await list.getByRole('link', { name: 'Run of “Gone mailbox”' }).click();
    await page.getByRole('heading', { name: 'Run of “Gone mailbox”' }).waitFor();
  });

  it('returns focus to the button that opened the delete dialog, or to "New profile" once deleted', async () => {
    await createProfile(stack, ADMIN, { name: 'Temporary', source: { kind: 'single-mailbox', mailbox: MEGAN } });
    await page.goto(`${stack.backend.url}/admin-tab/#profiles`);
    await page.reload();
    for (const [button, focus] of [['Keep it', 'More actions: Temporary'], ['Delete profile', 'New profile']] as const) {
      await page.getByRole('button', { name: 'More actions: Temporary' }).click();
      await page.getByRole('menuitem', { name: 'Delete' }).click();
      await page.getByRole('dialog').getByRole('button', { name: button }).click();
      await waitFor(`focus on “${focus}”`, async () => ((await focusedLabel()) === focus ? true : undefined), 5000);
    }
  });

  it('names every page in an h1, and reflows every page to 320 px without scrolling sideways', async () => {
    await page.goto(`${stack.backend.url}/admin-tab/#dashboard`);
    for (const name of PAGES) {
      await page.getByRole('tab', { name }).click();
      await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
      assert.equal(await page.getByRole('heading', { level: 1 }).count(), 1, `one h1 on ${name}`);
    }
    await page.setViewportSize({ width: 320, height: 720 });
    for (const name of PAGES) {
      await page.getByRole('tab', { name }).click();
      await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
      await page.waitForLoadState('networkidle');
      await assertReflows(name);
    }
    for (const hash of ['#profiles/new', `#profiles/history/${(await stack.api(ADMIN, 'GET', '/admin/profiles')).body.value[0].id}`]) {
      await page.goto(`${stack.backend.url}/admin-tab/${hash}`);
      await page.getByRole('heading', { level: 2 }).first().waitFor();
      await page.waitForLoadState('networkidle');
      await assertReflows(hash);
    }
    await page.getByRole('table', { name: 'Run history' }).getByRole('link').first().click();
    await page.getByRole('table', { name: 'Mailboxes of this run' }).waitFor();
    await assertReflows('a run');
    await screenshot(page, 'admin-run-320');
    await page.setViewportSize(TEAMS_VIEWPORT);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO, DEMO_USERS } from '../../emulator/src/index';
import { ADMIN, blobCount, itemCount, mailCount } from '../archiving/helpers';
import { assertAccessible } from '../helpers/axe';
import { browserMissing, launchBrowser, type Browser } from '../helpers/browser';
import { freePort } from '../helpers/process';
import { startStack, waitFor, type Stack } from '../helpers/stack';
import { screenshot, signIn } from '../ui/helpers';
import { asTeamsHost, ensureTabBuilt, setTeamsTheme, TEAMS_VIEWPORT } from './helpers';

const MEGAN = DEMO_USERS.megan.upn;
const ALEX = DEMO_USERS.alex.upn;
const SHARED = DEMO_USERS.shared.upn;
const skip = browserMissing() ?? false;

let stack: Stack;
let browser: Browser;
let page: Page;
let tabUrl: string;

const openArea = (name: string) => page.getByRole('tab', { name }).click();

describe('Teams admin tab in Chromium', { skip }, () => {
  before(async () => {
    ensureTabBuilt();
    // The tab signs in as the demo tenant's SPA registration, as the add-in does (a public client).
    process.env.ADDIN_CLIENT_ID = DEMO.spa.clientId;
    // The lab switch on, so that the journaling page must warn about it.
    stack = await startStack({ seed: 'demo', env: { SMTP_PORT: String(await freePort()), SMTP_INSECURE_ACCEPT_ANY: 'true' } });
    tabUrl = `${stack.backend.url}/admin-tab/`;
    browser = await launchBrowser({ viewport: TEAMS_VIEWPORT });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('is served at /admin-tab/ with its sign-in settings and a CSP that lets Teams frame it', async () => {
    const settings = await (await fetch(`${tabUrl}config.json`)).json();
    assert.equal(settings.authority, stack.emulator.authority);
    const res = await fetch(tabUrl);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy')!, /frame-ancestors 'self' https:\/\/teams\.microsoft\.com/);
    assert.equal(res.headers.get('x-frame-options'), null);
    assert.equal((await fetch(`${stack.backend.url}/admin-tab`, { redirect: 'manual' })).headers.get('location'), '/admin-tab/');
    assert.equal((await fetch(`${tabUrl}config.html`)).status, 200, 'the team tab configuration page');
  });

  it('refuses a user who is not an administrator and says whom to ask', async () => {
    const other = await launchBrowser({ viewport: TEAMS_VIEWPORT });
    try {
      const p = other.context.pages()[0] ?? (await other.context.newPage());
      await signIn(p, tabUrl, MEGAN);
      await p.getByText('This tab is for archive administrators').waitFor();
      await p.getByText(/Ask your administrator/).waitFor();
      assert.equal(await p.getByRole('tab', { name: 'Dashboard' }).count(), 0, 'no admin page is shown');
      assert.equal((await stack.api(MEGAN, 'GET', '/admin/stats')).status, 403, 'and the API refuses her too');
      await screenshot(p, 'admin-not-admin');
      await assertAccessible(p, 'the refusal of a non-administrator');
    } finally {
      await other.close();
    }
  });

  it('lets an administrator in to the dashboard', async () => {
    await signIn(page, tabUrl, ADMIN);
    await page.getByRole('tab', { name: 'Dashboard' }).waitFor();
    await page.getByRole('region', { name: 'Archive' }).getByText('Archive size').waitFor();
    await page.getByText('No run yet.').waitFor();
  });

  it('synchronises the directory with shared mailboxes included', async () => {
    await openArea('Directory');
    await page.getByRole('switch', { name: /Licensed Exchange Online users only/ }).uncheck();
    await page.getByRole('button', { name: 'Save and synchronise now' }).click();
    await page.getByText(/^Synchronised: \d+ users seen/).waitFor();
    await page.getByRole('table', { name: 'Archive users' }).locator(`tr[data-upn="${SHARED}"]`).waitFor();
    await screenshot(page, 'admin-directory');
    await assertAccessible(page, 'the directory');
    assert.equal((await stack.api(ADMIN, 'GET', '/admin/directory/settings')).body.licensedOnly, false);
  });

  it('creates a multiple-mailbox profile through the wizard, showing the server’s complaint next to the field', async () => {
    await openArea('Archiving profiles');
    await page.getByRole('button', { name: 'New profile' }).click();
    await page.getByRole('radio', { name: /^Multiple mailboxes/ }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    // Focus moves to the new step's heading, where a keyboard or screen-reader user goes on reading.
    await waitFor('focus on the new step', async () =>
      (await page.evaluate(() => document.activeElement?.tagName === 'H2' && document.activeElement.textContent)) || undefined);
    assert.match(await page.evaluate(() => document.activeElement!.textContent!), /^New archiving profile: /);
    await page.getByRole('radio', { name: 'Only the ones ticked below' }).check();
    await page.getByRole('checkbox', { name: new RegExp(`\\(${MEGAN}\\)`) }).check();
    await page.getByRole('checkbox', { name: new RegExp(`\\(${ALEX}\\)`) }).check();
    await page.getByRole('checkbox', { name: /^Include online archives/ }).check();
    await screenshot(page, 'admin-wizard-mailboxes');
    await assertAccessible(page, 'the wizard mailboxes');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('checkbox', { name: 'Deleted Items' }).check();
    await screenshot(page, 'admin-wizard-folders');
    await assertAccessible(page, 'the wizard folders');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('radio', { name: 'Never delete messages from the mailbox' }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText("Each mailbox is archived into its owner's own archive").waitFor();
    await page.getByRole('button', { name: 'Next' }).click();

    // No name yet: the API's 400 names the field, and the message appears under it.
    await page.getByRole('button', { name: 'Create profile' }).click();
    const nameField = page.getByRole('textbox', { name: 'Profile name' });
    await page.getByText('is required', { exact: true }).waitFor();
    assert.equal(await nameField.getAttribute('aria-invalid'), 'true');
    await screenshot(page, 'admin-wizard-error');
    await assertAccessible(page, 'the wizard error');

    await nameField.fill('Sales team');
    await page.getByRole('button', { name: 'Create profile' }).click();
    await page.getByText('Profile created').waitFor();
    await page.getByText('Connection test passed').waitFor();
    await page.getByText('2 mailboxes selected; 2 of 2 checked could be opened.').waitFor();
    await screenshot(page, 'admin-wizard-saved');
    await assertAccessible(page, 'the wizard saved');

    const saved = (await stack.api(ADMIN, 'GET', '/admin/profiles')).body.value.find((p: any) => p.name === 'Sales team');
    assert.deepEqual(saved.source, { kind: 'multiple-mailboxes', selection: 'only', mailboxes: [MEGAN, ALEX] });
    assert.ok(saved.folders.exclude.includes('deleteditems'));
    assert.equal(saved.includeOnlineArchives, true, 'the wizard saves "include online archives"');
  });

  it('runs it and shows live progress until done, with the counts of the emulator mailboxes', async () => {
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('heading', { name: 'Run of “Sales team”' }).waitFor();
    const table = page.getByRole('table', { name: 'Mailboxes of this run' });
    await table.locator(`tr[data-mailbox="${MEGAN}"]`).waitFor();
    await screenshot(page, 'admin-run-progress');
    await assertAccessible(page, 'the run progress');
    await waitFor('the run to finish in the page', async () =>
      ((await page.getByRole('region', { name: 'Run of “Sales team”' }).locator('[data-status="succeeded"]').count()) > 0 ? true : undefined), 120_000);
    let total = 0;
    for (const upn of [MEGAN, ALEX]) {
      const row = table.locator(`tr[data-mailbox="${upn}"]`);
      assert.equal(await row.getAttribute('data-status'), 'done');
      const expected = await mailCount(stack, upn, { exclude: ['Junk Email', 'Drafts', 'Outbox', 'Deleted Items'] });
      const found = Number((await row.locator('[data-count="found"]').innerText()).replace(/,/g, ''));
      const archived = Number((await row.locator('[data-count="archived"]').innerText()).replace(/,/g, ''));
      assert.ok(expected > 0, `${upn} has mail in the emulator`);
      assert.equal(found, expected, `${upn}: found = messages in the emulator mailbox`);
      assert.equal(archived, expected, `${upn}: everything found was archived`);
      total += expected;
    }
    assert.equal(Number((await table.locator('[data-total="archived"]').innerText()).replace(/,/g, '')), total);
    await screenshot(page, 'admin-run-done');
    await assertAccessible(page, 'the run done');

    await openArea('Archiving profiles');
    const row = page.locator('tr[data-profile="Sales team"]');
    await row.locator('[data-status="succeeded"]').waitFor();
    await screenshot(page, 'admin-profiles');
    await assertAccessible(page, 'the profiles');
  });

  it('lists the run in the profile’s history', async () => {
    await page.getByRole('button', { name: 'More actions: Sales team' }).click();
    await page.getByRole('menuitem', { name: 'Run history' }).click();
    const history = page.getByRole('table', { name: 'Run history' });
    await history.locator('[data-status="succeeded"]').waitFor();
    assert.equal(await history.locator('tbody tr').count(), 1);
  });

  it('grants the shared mailbox to a user, who can then open it', async () => {
    const before = (await stack.api(MEGAN, 'GET', '/archives')).body.value.map((a: any) => a.upn);
    assert.ok(!before.includes(SHARED), 'not readable before the grant');
    await openArea('Privileges');
    const form = page.getByRole('form', { name: 'Grant access' });
    // Examples in the tenant's own domain, not Microsoft's contoso.com.
    await waitFor('placeholders in the tenant domain', async () =>
      (await form.getByRole('combobox', { name: 'Person' }).getAttribute('placeholder')) === 'someone@contoso.example' || undefined);
    assert.equal(await form.getByRole('combobox', { name: 'Archive' }).getAttribute('placeholder'), 'shared@contoso.example');
    await form.getByRole('combobox', { name: 'Person' }).fill(MEGAN);
    await form.getByRole('combobox', { name: 'Archive' }).fill(SHARED);
    await form.getByRole('checkbox', { name: 'Export' }).check();
    await form.getByRole('button', { name: 'Grant' }).click();
    await page.locator(`tr[data-grant="${MEGAN}:${SHARED}"]`).waitFor();
    await screenshot(page, 'admin-privileges');
    await assertAccessible(page, 'the privileges');

    const archives = (await stack.api(MEGAN, 'GET', '/archives')).body.value;
    const shared = archives.find((a: any) => a.upn === SHARED);
    assert.ok(shared, `megan now reads ${SHARED}: ${JSON.stringify(archives)}`);
    assert.deepEqual(shared.rights, ['read', 'export']);
  });

  it('names the offending field when a grant is refused', async () => {
    const form = page.getByRole('form', { name: 'Grant access' });
    await form.getByRole('combobox', { name: 'Person' }).fill('nobody@contoso.example');
    await form.getByRole('combobox', { name: 'Archive' }).fill(SHARED);
    await form.getByRole('button', { name: 'Grant' }).click();
    await form.getByText('no archive user has this name, address or id').waitFor();
  });

  it('shows the journaling set-up, warns when anyone can file reports, and makes the address unguessable', async () => {
    await openArea('Journaling');
    await page.getByRole('region', { name: 'Journal gateway' }).waitFor();
    await page.getByRole('alert').filter({ hasText: 'Anyone can file journal reports' }).waitFor();
    await page.getByRole('form', { name: 'Add a gateway mailbox' }).getByRole('textbox', { name: /Address journal rules send to/ }).fill('journal@archive.contoso.example');
    await page.getByRole('button', { name: 'Add mailbox' }).click();
    await page.getByText(/^SMTP password of journal-[a-z2-7]{13}@archive\.contoso\.example$/).waitFor();
    await screenshot(page, 'admin-journaling');
    await assertAccessible(page, 'the journaling');
  });

  it('shows the archive’s figures and the run on the dashboard', async () => {
    await openArea('Dashboard');
    const stats = (await stack.api(ADMIN, 'GET', '/admin/stats')).body;
    assert.equal(stats.storage.items, await itemCount(stack));
    assert.equal(stats.storage.messages, await blobCount(stack));
    assert.ok(stats.storage.storedBytes > 0 && stats.storage.storedBytes < stats.storage.messageBytes, 'compressed blobs are smaller');
    assert.equal(stats.singleInstance.savedBytes, stats.storage.itemBytes - stats.storage.messageBytes);
    assert.equal(stats.runs[0].status, 'succeeded');
    assert.equal(stats.perDay.at(-1).count, stats.storage.items, 'everything was archived today');
    await page.locator('[data-figure="Messages"]').getByText(stats.storage.items.toLocaleString('en-US'), { exact: true }).waitFor();
    await page.getByRole('table', { name: 'Last runs' }).getByText('Sales team').waitFor();
    await screenshot(page, 'admin-dashboard');
    await assertAccessible(page, 'the dashboard');
  });

  it('reindexes every archive from the dashboard and shows its progress to the end', async () => {
    await openArea('Dashboard');
    const index = page.getByRole('region', { name: 'Search index' });
    await index.getByText('1,048,576 characters of body text').waitFor();
    await index.getByRole('button', { name: 'Reindex all archives' }).click();
    await index.getByRole('progressbar').waitFor();
    const items = await itemCount(stack);
    const done = await waitFor('the reindex to finish', async () => {
      const state = (await stack.api(ADMIN, 'GET', '/admin/reindex')).body;
      return state.reindex?.status === 'succeeded' ? state.reindex : undefined;
    }, 120_000);
    assert.equal(done.done, items, 'every archived copy was parsed and indexed again');
    await index.getByText(`${items.toLocaleString('en-US')} of ${items.toLocaleString('en-US')} messages`).waitFor();
    await index.locator('[data-status="succeeded"]').waitFor();
    await screenshot(page, 'admin-reindex');
    await assertAccessible(page, 'the reindex');
  });

  it('edits, disables and deletes a profile from the list', async () => {
    await openArea('Archiving profiles');
    await page.getByRole('link', { name: 'Sales team' }).click();
    await page.getByRole('heading', { name: /Edit “Sales team”/ }).waitFor();
    await page.getByRole('button', { name: '6. Name and schedule' }).click();
    await page.getByRole('radio', { name: 'Every N minutes' }).check();
    await page.getByRole('spinbutton', { name: 'Every (minutes)' }).fill('2');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('must be at least 5 minutes').waitFor();
    await page.getByRole('spinbutton', { name: 'Every (minutes)' }).fill('60');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Profile saved').waitFor();
    await page.getByRole('button', { name: 'Back to profiles' }).click();
    const row = page.locator('tr[data-profile="Sales team"]');
    await row.getByText('Every 60 min').waitFor();

    await row.getByRole('switch', { name: 'Enabled: Sales team' }).uncheck();
    await waitFor('the profile to be disabled', async () => {
      const p = (await stack.api(ADMIN, 'GET', '/admin/profiles')).body.value.find((x: any) => x.name === 'Sales team');
      return p.enabled === false ? p : undefined;
    });

    const copy = await stack.api(ADMIN, 'POST', '/admin/profiles', { name: 'Temporary', source: { kind: 'single-mailbox', mailbox: MEGAN } });
    await page.reload();
    await page.getByRole('button', { name: 'More actions: Temporary' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Delete profile' }).waitFor();
    await assertAccessible(page, 'the delete confirmation');
    await page.getByRole('button', { name: 'Delete profile' }).click();
    await page.locator('tr[data-profile="Temporary"]').waitFor({ state: 'detached' });
    assert.equal((await stack.api(ADMIN, 'GET', `/admin/profiles/${copy.body.id}`)).status, 404);
  });

  it('as a team tab, its configuration page saves the tab’s content URL in Teams', async () => {
    const teams = await launchBrowser({ viewport: TEAMS_VIEWPORT });
    try {
      const admin = DEMO_USERS.admin;
      const hostUrl = await asTeamsHost(teams.context, stack.backend.url, { upn: admin.upn, name: 'Adele Vance', oid: admin.id, tid: stack.emulator.tenantId }, '', {
        path: '/admin-tab/config.html?host=teams',
        frameContext: 'settings',
      });
      const host = teams.context.pages()[0] ?? (await teams.context.newPage());
      await host.goto(hostUrl);
      await host.frameLocator('#tab').getByText('Archive administration in this team').waitFor();
      await waitFor('the page to declare itself valid', () => host.evaluate(() => ((window as any).valid === true ? true : undefined)), 10_000);
      await host.evaluate(() => (window as any).saveTab());
      const config = await waitFor('the saved configuration', () => host.evaluate(() => ((window as any).saved ? (window as any).tabConfig : undefined)), 10_000);
      assert.equal(config.contentUrl, 'https://archive.contoso.example/admin-tab/?host=teams&theme={theme}');
      assert.equal(config.entityId, 'admin');
    } finally {
      await teams.close();
    }
  });

  it('inside Teams, signs in with Teams SSO and follows the Teams theme', async () => {
    const teams = await launchBrowser({ viewport: TEAMS_VIEWPORT });
    try {
      const admin = DEMO_USERS.admin;
      const token = await stack.emulator.issueUserToken(admin.upn);
      const hostUrl = await asTeamsHost(teams.context, stack.backend.url, { upn: admin.upn, name: 'Adele Vance', oid: admin.id, tid: stack.emulator.tenantId }, token);
      const host = teams.context.pages()[0] ?? (await teams.context.newPage());
      await host.goto(hostUrl);
      const tab = host.frameLocator('#tab');
      await tab.getByRole('tab', { name: 'Dashboard' }).waitFor();
      await tab.getByRole('table', { name: 'Last runs' }).getByText('Sales team').waitFor();
      const calls = await host.evaluate(() => (window as unknown as { calls: string[] }).calls);
      assert.ok(calls.includes('authentication.getAuthToken'), `the tab asked Teams for the token: ${calls.join(', ')}`);
      assert.ok(!calls.includes('authenticate'), 'no sign-in pop-up');

      const provider = tab.locator('.fui-FluentProvider[data-theme]').first();
      assert.equal(await provider.getAttribute('data-theme'), 'default');
      await screenshot(host, 'admin-teams-light');
      await setTeamsTheme(host, 'dark');
      await waitFor('the dark theme', async () => ((await provider.getAttribute('data-theme')) === 'dark' ? true : undefined), 5000);
      const bg = await provider.evaluate((el) => getComputedStyle(el).backgroundColor);
      const [r, g, b] = bg.match(/\d+/g)!.map(Number);
      assert.ok(r! + g! + b! < 3 * 80, `dark background, got ${bg}`);
      await screenshot(host, 'admin-teams-dark');
      await setTeamsTheme(host, 'contrast');
      await waitFor('the high-contrast theme', async () => ((await provider.getAttribute('data-theme')) === 'contrast' ? true : undefined), 5000);
      await screenshot(host, 'admin-teams-contrast');
    } finally {
      await teams.close();
    }
  });
});

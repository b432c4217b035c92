import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { buffer } from 'node:stream/consumers';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO, DEMO_USERS } from '../../emulator/src/index';
import { ingestMessage } from '../../backend/src/ingest';
import { createProfile, runProfile, ADMIN } from '../archiving/helpers';
import { assertAccessible } from '../helpers/axe';
import { browserMissing, launchBrowser, type Browser } from '../helpers/browser';
import { startStack, waitFor, type Stack } from '../helpers/stack';
import { asOutlook, pickAccount, screenshot, setOfficeTheme, TASK_PANE, withoutOffice } from './helpers';

const MEGAN = DEMO_USERS.megan.upn;
const ALEX = DEMO_USERS.alex.upn;
const ALL_HANDS = 'All-hands meeting on Friday';
const skip = browserMissing() ?? false;

let stack: Stack;
let browser: Browser;
let page: Page;
let addinUrl: string;
let megansOnlineArchive: string;

describe('Outlook add-in task pane in Chromium', { skip }, () => {
  before(async () => {
    // The demo tenant registers the add-in as its own SPA app (emulator DEMO.spa), as a customer may.
    process.env.ADDIN_CLIENT_ID = DEMO.spa.clientId;
    stack = await startStack({ seed: 'demo' });
    addinUrl = `${stack.backend.url}/addin/`;
    // Megan has an online archive (the directory sync records it): the restore dialog offers it.
    megansOnlineArchive = stack.emulator.tenant.enableArchive(MEGAN);
    const id = await createProfile(stack, ADMIN, { name: 'Everyone', source: { kind: 'multiple-mailboxes', selection: 'all' }, syncDirectoryFirst: true });
    const run = await runProfile(stack, id);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.mailboxes?.map((m: any) => m.recentErrors)));
    browser = await launchBrowser({ viewport: TASK_PANE });
    await withoutOffice(browser.context);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('tells the page the authority, SPA client id and API scope of this deployment', async () => {
    assert.deepEqual(await (await fetch(`${addinUrl}config.json`)).json(), {
      authority: stack.emulator.authority,
      clientId: DEMO.spa.clientId,
      apiScope: `api://${stack.emulator.apps.backend.clientId}/access_as_user`,
    });
  });

  it('signs a demo user in through the emulator sign-in page (authorization code + PKCE)', async () => {
    await page.goto(addinUrl);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await screenshot(page, 'sign-in');
    await assertAccessible(page, 'sign-in page');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.href.startsWith(stack.emulator.url));
    await pickAccount(page, MEGAN);
    await page.getByRole('button', { name: 'Signed in as Megan Bowen' }).waitFor();
  });

  it('opens on recent mail, newest first, as Outlook opens on the inbox', async () => {
    await page.getByText(/^Recent mail, newest first \(\d+ messages\)$/).waitFor();
    const newest = (await stack.api(MEGAN, 'GET', '/search?q=&archive=all&limit=3')).body.value.map((h: { id: string }) => h.id);
    const shown = await page.locator('li button[data-message-id]').evaluateAll((els) => els.slice(0, 3).map((e) => e.getAttribute('data-message-id')));
    assert.deepEqual(shown, newest);
    await screenshot(page, 'recent-mail');
    await assertAccessible(page, 'recent mail');
  });

  it('searches with the query language and shows sender, subject, highlighted snippet, date and attachment icon', async () => {
    await page.getByRole('searchbox', { name: 'Search your archive' }).fill('all-hands');
    await page.keyboard.press('Enter');
    // The previous test's rows stay until this search answers; a row taken earlier goes stale.
    await page.getByText(/^(About )?1 message$/).waitFor();
    const row = page.getByRole('button', { name: new RegExp(ALL_HANDS) }).first();
    await row.waitFor();
    assert.match(await row.innerText(), /Adele Vance/);
    assert.ok((await row.locator('mark').count()) > 0, 'the matched words are highlighted');
    await screenshot(page, 'search-highlight');
    await assertAccessible(page, 'search results with highlights');

    // A fuller list for the README: the demo tenant's project Falcon runs through threads, newsletters and attachments.
    await page.getByRole('searchbox', { name: 'Search your archive' }).fill('falcon');
    await Promise.all([page.waitForResponse((r) => r.url().includes('/api/search?q=falcon')), page.keyboard.press('Enter')]);
    await page.getByText(/messages? found|\d+ messages?$/).first().waitFor();
    await screenshot(page, 'search-results');

    await page.getByRole('searchbox', { name: 'Search your archive' }).fill('has:attachment');
    await page.keyboard.press('Enter');
    await page.getByRole('img', { name: 'Has attachments' }).first().waitFor();
  });

  it('keeps the search in the address, so a reload shows the same search', async () => {
    await page.getByRole('searchbox', { name: 'Search your archive' }).fill('all-hands');
    await page.getByRole('button', { name: 'Filters', exact: true }).click();
    await page.getByLabel('From date').fill('1990-01-01');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText(/^(About )?1 message$/).waitFor();
    assert.deepEqual(Object.fromEntries(new URL(page.url()).searchParams), { q: 'all-hands', after: '1990-01-01' });

    await page.reload();
    await page.getByRole('button', { name: new RegExp(ALL_HANDS) }).first().waitFor();
    assert.equal(await page.getByRole('searchbox', { name: 'Search your archive' }).inputValue(), 'all-hands');
    await page.getByRole('button', { name: 'Filters, 1 active' }).click();
    assert.equal(await page.getByLabel('From date').inputValue(), '1990-01-01');
    await page.getByRole('button', { name: 'Clear filters' }).click();

    // An emptied box searches again: recent mail, and the address forgets the query.
    await page.getByRole('searchbox', { name: 'Search your archive' }).fill('');
    await page.keyboard.press('Enter');
    await page.getByText(/^Recent mail, newest first/).waitFor();
    assert.equal(new URL(page.url()).search, '');
    await page.getByRole('button', { name: /^Filters/ }).click();
  });

  it('explains a query it cannot parse and what to do', async () => {
    await page.getByRole('searchbox', { name: 'Search your archive' }).fill('subject:"unclosed');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').getByText('This search is not understood').waitFor();
    await screenshot(page, 'search-error');
    await assertAccessible(page, 'a query error');
  });

  it('lists the operators with examples in the help popover', async () => {
    await page.getByRole('button', { name: /Search help/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Search operators' });
    // The examples name the signed-in person's own domain, and Message-ID search is among them.
    const domain = MEGAN.split('@')[1];
    await dialog.getByText(`from:alice@${domain}`).waitFor();
    await dialog.getByText(`messageid:<1234@${domain}>`).waitFor();
    await screenshot(page, 'query-help');
    await assertAccessible(page, 'the query help');
    await page.keyboard.press('Escape');
  });

  it('pages through many results by cursor as the list scrolls', async () => {
    await page.getByRole('searchbox', { name: 'Search your archive' }).fill('');
    await page.getByRole('button', { name: 'Filters', exact: true }).click();
    await page.getByLabel('From date').fill('1990-01-01');
    const total = (await stack.api(MEGAN, 'GET', `/search?q=${encodeURIComponent('after:1990-01-01')}&archive=all`)).body.total;
    assert.ok(total > 25, `megan's archive has more than a page (${total})`);
    await assertAccessible(page, 'the filters');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText(`${total} messages`).waitFor();
    const rows = page.locator('li button[data-message-id]');
    await waitFor('every result to load by scrolling', async () => {
      await rows.last().scrollIntoViewIfNeeded().catch(() => undefined);
      return (await rows.count()) >= total ? true : undefined;
    }, 30_000);
    await page.getByText('End of results').waitFor();
    const ids = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-message-id')));
    assert.equal(new Set(ids).size, ids.length, 'no message listed twice');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('button', { name: /^Filters/ }).click();
  });

  it('opens a hit in the reading pane and downloads the .eml byte for byte', async () => {
    await page.getByRole('searchbox', { name: 'Search your archive' }).fill(`subject:"${ALL_HANDS}"`);
    await page.keyboard.press('Enter');
    // The previous test's rows stay until this search answers; a row taken earlier goes stale.
    await page.getByText(/^(About )?1 message$/).waitFor();
    const row = page.getByRole('button', { name: new RegExp(ALL_HANDS) }).first();
    const id = await row.getAttribute('data-message-id');
    await row.focus();
    await page.keyboard.press('Enter');
    const frame = page.frameLocator('iframe[title^="Message:"]');
    await frame.getByText('all-hands meeting').waitFor();
    assert.equal(await page.locator('iframe[title^="Message:"]').getAttribute('sandbox'), 'allow-popups allow-popups-to-escape-sandbox');
    await screenshot(page, 'reading-pane');
    await assertAccessible(page, 'the reading pane');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download .eml' }).click()]);
    assert.match(download.suggestedFilename(), /\.eml$/);
    const saved = await readFile((await download.path())!);
    const stored = await buffer(stack.store.blobs.open(id!.split(':')[1]!));
    assert.ok(saved.equals(stored), 'downloaded bytes equal the archived message');
  });

  it("reaches the message body by Tab from the reading pane's toolbar", async () => {
    // Before its message has loaded the frame holds nothing to focus: wait for the text, not for time.
    const body = page.frameLocator('iframe[title^="Message:"]').locator('body');
    await body.getByText('all-hands meeting').waitFor();
    await page.getByRole('button', { name: 'Back to results' }).focus();
    const stops: string[] = [];
    for (let i = 0; i < 10 && !['the message', 'outside the pane'].includes(stops.at(-1) ?? ''); i++) {
      await page.keyboard.press('Tab');
      stops.push(await page.evaluate(() => {
        const el = document.activeElement;
        if (el?.tagName === 'IFRAME') return 'the message';
        return el?.closest('article') ? `${el.tagName} ${el.getAttribute('aria-label') ?? el.textContent}` : 'outside the pane';
      }));
    }
    assert.equal(stops.at(-1), 'the message', `Tab from the toolbar went: ${stops.join(' → ')}`);
    // Inside the frame the message itself has focus, where the arrow keys scroll it.
    assert.ok(await body.evaluate((el) => el.ownerDocument.activeElement === el), 'the message body has focus');
  });

  it('restores the open message into the mailbox and says so', async () => {
    const inbox = stack.emulator.tenant.listFolders(MEGAN).find((f) => f.path === 'Inbox')!;
    const copies = async () => (await stack.emulator.tenant.listMessages(MEGAN, inbox.id!)).filter((m) => m.subject === ALL_HANDS).length;
    const before = await copies();
    await page.getByRole('button', { name: 'Restore' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restore to your mailbox' });
    await dialog.getByText('with its original sender, recipients, dates and attachments').waitFor();
    await dialog.getByRole('radio', { name: 'Inbox' }).check();
    await screenshot(page, 'restore-dialog');
    await assertAccessible(page, 'the restore dialog');
    await dialog.getByRole('button', { name: 'Restore to Inbox' }).click();
    await page.getByText('Restored to Inbox in your mailbox: a restored copy, original dates kept.').waitFor();
    assert.equal(await copies(), before + 1, 'a copy appeared in the emulator mailbox');
    await screenshot(page, 'restored');
    await assertAccessible(page, 'the restored notice');
    await page.keyboard.press('Escape');
    await waitFor('focus to return to the message in the list', async () =>
      (await page.evaluate(() => document.activeElement?.getAttribute('data-message-id'))) ? true : undefined, 5000);
  });

  it('shows who was copied on a message', async () => {
    await page.getByRole('searchbox', { name: 'Search your archive' }).fill(`subject:"Falcon launch plan" from:${ALEX}`);
    await page.keyboard.press('Enter');
    await page.getByText(/^(About )?1 message$/).waitFor();
    await page.getByRole('button', { name: /Falcon launch plan/ }).first().click();
    const head = page.getByRole('article');
    await head.getByText('Cc: Lee Gu, Adele Vance').waitFor();
    await page.getByRole('button', { name: 'Back to results' }).click();
  });

  it('offers the online archive: a restore goes back into it by folder path', async () => {
    await page.getByRole('searchbox', { name: 'Search your archive' }).fill(`subject:"${ALL_HANDS}"`);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: new RegExp(ALL_HANDS) }).first().click();
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('dialog', { name: 'Restore to your mailbox' }).getByRole('radio', { name: 'My online archive' }).check();
    const dialog = page.getByRole('dialog', { name: 'Restore to your online archive' });
    assert.equal(await dialog.getByRole('textbox', { name: /Folder in the online archive/ }).inputValue(), 'Inbox');
    await screenshot(page, 'restore-dialog-online-archive');
    await dialog.getByRole('button', { name: 'Restore to online archive' }).click();
    await page.getByText('Restored to Inbox in your online archive: a restored copy, original dates kept.').waitFor();
    const inbox = [...stack.emulator.tenant.archives.get(megansOnlineArchive)!.mb.folders.values()].find((f) => f.displayName === 'Inbox')!;
    assert.equal(inbox.items.size, 1, "the copy is in the online archive's Inbox");
    await page.keyboard.press('Escape');
  });

  it('says in the reading pane when a message is only partly indexed, and what was left out', async () => {
    const subject = 'Server log dump';
    const raw = Buffer.from(
      `From: ops@contoso.example\r\nTo: ${MEGAN}\r\nSubject: ${subject}\r\nDate: Mon, 02 Sep 2024 08:00:00 +0000\r\nContent-Type: text/plain\r\n\r\n${'line of the log '.repeat(70_000)}\r\n`,
    );
    await ingestMessage(stack.store, { archiveId: DEMO_USERS.megan.id, folder: 'Inbox', source: { kind: 'import', file: 'log.eml' }, content: Readable.from([raw]) });
    await page.getByRole('searchbox', { name: 'Search your archive' }).fill(`subject:"${subject}"`);
    await page.keyboard.press('Enter');
    await page.getByText(/^(About )?1 message$/).waitFor();
    await page.getByRole('button', { name: new RegExp(subject) }).first().click();
    const notice = page.getByRole('note', { name: 'Only partly indexed' });
    await notice.getByText('Only the first 1,048,576 characters of the body text are indexed.').waitFor();
    await screenshot(page, 'reading-pane-partly-indexed');
    await assertAccessible(page, 'a partly indexed message');
    await page.getByRole('button', { name: 'Back to results' }).click();
  });

  it("gives a user nothing for another user's message id", async () => {
    const alexItem = await stack.store.db.collection('items').findOne({ archiveId: DEMO_USERS.alex.id });
    assert.ok(alexItem, "alex's archive has messages");
    const id = String(alexItem._id);
    for (const path of ['', '/raw', '/attachments/0', '/view-ticket', '/restore']) {
      const method = path === '/view-ticket' || path === '/restore' ? 'POST' : 'GET';
      const res = await stack.api(MEGAN, method, `/messages/${encodeURIComponent(id)}${path}`, method === 'POST' ? {} : undefined);
      assert.equal(res.status, 404, `${method} ${path}: ${JSON.stringify(res.body)}`);
    }
    // Through the page: a result list that names Alex's message, opened by Megan.
    const hit = {
      id, archiveId: DEMO_USERS.alex.id, subject: 'Not yours', from: { name: 'Alex Wilber', address: ALEX }, date: new Date().toISOString(),
      folder: 'Inbox', size: 1, hasAttachments: false, snippet: '', highlights: [],
    };
    await page.route('**/api/search?*', (route) => route.fulfill({ json: { value: [hit], total: 1, totalIsEstimate: false, nextCursor: null } }));
    await page.getByRole('searchbox', { name: 'Search your archive' }).fill('anything');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: /Not yours/ }).click();
    await page.getByRole('alert').getByText('This message is not in an archive you can read.').waitFor();
    assert.equal(await page.locator('iframe[title^="Message:"]').count(), 0);
    await page.unroute('**/api/search?*');
    await page.getByRole('button', { name: 'Back to results' }).first().click();
  });

  it('follows the dark theme of its host', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('searchbox', { name: 'Search your archive' }).fill('all-hands');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: new RegExp(ALL_HANDS) }).first().waitFor();
    const background = await page.locator('header').evaluate((el) => getComputedStyle(el).backgroundColor);
    const [r, g, b] = background.match(/\d+/g)!.map(Number);
    assert.ok(r! + g! + b! < 3 * 80, `dark header background, got ${background}`);
    await screenshot(page, 'dark-mode');
    await assertAccessible(page, 'dark mode');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('inside Outlook, finds messages related to the open item, after signing in through the Office dialog fallback', async () => {
    const outlook = await launchBrowser({ viewport: TASK_PANE });
    try {
      const pane = outlook.context.pages()[0] ?? (await outlook.context.newPage());
      await asOutlook(pane, { subject: `RE: ${ALL_HANDS}`, fromAddress: DEMO_USERS.admin.upn, fromName: 'Adele Vance' });
      await pane.goto(addinUrl);
      const [dialog] = await Promise.all([pane.waitForEvent('popup'), pane.getByRole('button', { name: 'Sign in' }).click()]);
      await dialog.waitForURL((url) => url.href.startsWith(stack.emulator.url));
      await pickAccount(dialog, MEGAN);
      await pane.getByRole('button', { name: 'Signed in as Megan Bowen' }).waitFor();

      const related = pane.getByRole('region', { name: 'Find related in archive' });
      await related.getByRole('button', { name: 'This conversation' }).click();
      await pane.getByRole('button', { name: new RegExp(ALL_HANDS) }).first().waitFor();
      assert.equal(await pane.getByRole('searchbox', { name: 'Search your archive' }).inputValue(), `subject:"${ALL_HANDS}"`);
      await screenshot(pane, 'find-related');

      await related.getByRole('button', { name: 'From Adele Vance' }).click();
      await waitFor('sender search', async () =>
        (await pane.getByRole('searchbox', { name: 'Search your archive' }).inputValue()) === `from:${DEMO_USERS.admin.upn}` ? true : undefined);
      await pane.getByRole('button', { name: new RegExp(ALL_HANDS) }).first().waitFor();

      // Outlook switches to its dark theme while the pane is open: the pane follows.
      const headerBrightness = async () => (await pane.locator('header').evaluate((el) => getComputedStyle(el).backgroundColor)).match(/\d+/g)!.slice(0, 3).map(Number).reduce((a, b) => a + b, 0);
      assert.ok((await headerBrightness()) > 3 * 200, 'light at first');
      await setOfficeTheme(pane, '#1f1f1f');
      await waitFor('the dark theme', async () => ((await headerBrightness()) < 3 * 80 ? true : undefined), 5000);
      await setOfficeTheme(pane, '#ffffff');
      await waitFor('the light theme again', async () => ((await headerBrightness()) > 3 * 200 ? true : undefined), 5000);
    } finally {
      await outlook.close();
    }
  });

  it('lists the folders the archive really holds in the folder filter', async () => {
    const folders = (await stack.api(MEGAN, 'GET', '/search/facets?q=&archive=all')).body.folders.map((f: { value: string }) => f.value).sort();
    assert.ok(folders.includes('Inbox/Projects/Falcon'));
    await page.getByRole('button', { name: /^Filters/ }).click();
    await page.getByRole('combobox', { name: 'Folder' }).click();
    await page.getByRole('option', { name: 'Inbox/Projects/Falcon' }).waitFor();
    const offered = (await page.getByRole('option').allInnerTexts()).filter((o) => o !== 'Any folder');
    assert.deepEqual([...offered].sort(), folders, 'exactly the archived folders, no fixed list');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: /^Filters/ }).click();
  });

  it('sorts by relevance on request, keeps the order in the address, and marks the searched words in subjects', async () => {
    await page.getByRole('searchbox', { name: 'Search your archive' }).fill('falcon');
    await page.getByRole('button', { name: /^Filters/ }).click();
    await page.getByRole('combobox', { name: 'Sort by' }).click();
    await page.getByRole('option', { name: 'Relevance' }).click();
    await Promise.all([page.waitForResponse((r) => r.url().includes('sort=relevance')), page.getByRole('button', { name: 'Search', exact: true }).click()]);
    assert.equal(new URL(page.url()).searchParams.get('sort'), 'relevance');
    const ranked = (await stack.api(MEGAN, 'GET', '/search?q=falcon&archive=all&sort=relevance&limit=5')).body.value.map((h: { id: string }) => h.id);
    await waitFor('the relevance order on screen', async () => {
      const shown = await page.locator('li button[data-message-id]').evaluateAll((els) => els.slice(0, 5).map((e) => e.getAttribute('data-message-id')));
      return JSON.stringify(shown) === JSON.stringify(ranked) ? true : undefined;
    }, 10_000);
    const subjectMark = page.locator('li button[data-message-id]').first().locator('span mark').first();
    assert.equal((await subjectMark.innerText()).toLowerCase(), 'falcon');
    await page.getByRole('combobox', { name: 'Sort by' }).click();
    await page.getByRole('option', { name: 'Date, newest first' }).click();
    await page.getByRole('button', { name: /^Filters/ }).click();
  });

  it('refines a search by sender, year, folder and attachment, with counts', async () => {
    await page.getByRole('searchbox', { name: 'Search your archive' }).fill('falcon');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('button', { name: 'Refine: senders, years, folders' }).click();
    const panel = page.getByRole('region', { name: 'Refine results' });
    const facets = (await stack.api(MEGAN, 'GET', '/search/facets?q=falcon&archive=all')).body;
    const sender = facets.senders[0];
    const choice = panel.getByRole('button', { name: `${sender.name || sender.value} ${sender.count}` });
    await choice.waitFor();
    await panel.getByRole('button', { name: `Has attachments ${facets.hasAttachment}` }).waitFor();
    await screenshot(page, 'facets');
    await assertAccessible(page, 'the facet panel');
    await choice.click();
    assert.equal(await page.getByRole('searchbox', { name: 'Search your archive' }).inputValue(), `falcon from:${sender.value}`);
    await page.getByText(new RegExp(`^(About )?${sender.count} messages?$`)).waitFor();
    await page.getByRole('button', { name: 'Refine: senders, years, folders' }).click();
  });

  it('shows a conversation together, oldest first, and opens its messages', async () => {
    await page.getByRole('searchbox', { name: 'Search your archive' }).fill('subject:"Falcon launch plan"');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: /RE: Falcon launch plan/ }).first().click();
    await page.getByRole('button', { name: 'Conversation' }).click();
    const thread = page.getByRole('region', { name: /^Conversation, \d+ messages$/ });
    await thread.waitFor();
    const items = thread.getByRole('listitem');
    assert.ok((await items.count()) >= 4, 'the whole thread');
    assert.equal(await thread.locator('[aria-current="true"]').count(), 1, 'the open message is marked');
    await screenshot(page, 'conversation');
    await assertAccessible(page, 'the conversation view');
    await items.first().getByRole('button').click();
    await waitFor('the first message of the thread to open', async () =>
      (await page.locator('#reader-subject').innerText()) === 'Falcon launch plan' ? true : undefined, 10_000);
    await thread.waitFor();
    await page.getByRole('button', { name: 'Conversation' }).click();
    await page.getByRole('button', { name: 'Back to results' }).click();
  });

  it('finds a message by its Message-ID pasted into the box', async () => {
    const hit = (await stack.api(MEGAN, 'GET', `/search?q=${encodeURIComponent(`subject:"${ALL_HANDS}"`)}&archive=all`)).body.value[0];
    const messageId = (await stack.api(MEGAN, 'GET', `/messages/${encodeURIComponent(hit.id)}`)).body.headers.messageId;
    await page.getByRole('searchbox', { name: 'Search your archive' }).fill(messageId);
    await page.keyboard.press('Enter');
    await page.getByText(/^1 message$/).waitFor();
    assert.equal(await page.locator('li button[data-message-id]').first().getAttribute('data-message-id'), hit.id);
  });

  it('renders mail dark on request and opens a new window with the header and no credentials in its address', async () => {
    await page.getByRole('button', { name: new RegExp(ALL_HANDS) }).first().click();
    const frame = page.locator('iframe[title^="Message:"]');
    await page.frameLocator('iframe[title^="Message:"]').getByText('all-hands meeting').waitFor();
    await page.getByRole('button', { name: 'Dark message background' }).click();
    await waitFor('the dark rendering', async () => ((await frame.getAttribute('src')) ?? '').includes('dark=1') ? true : undefined, 10_000);
    const filter = await page.frameLocator('iframe[title^="Message:"]').locator('html').evaluate((el) => getComputedStyle(el).filter);
    assert.match(filter, /invert\(1\)/);
    await page.frameLocator('iframe[title^="Message:"]').getByText('all-hands meeting').waitFor();
    await screenshot(page, 'reading-pane-dark-mail');

    const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: 'Open in new window' }).click()]);
    await popup.getByRole('heading', { name: ALL_HANDS }).waitFor();
    await popup.getByText(/^From: Adele Vance/).waitFor();
    await popup.getByText(/^Date: /).waitFor();
    await popup.frameLocator('iframe').getByText('all-hands meeting').waitFor();
    assert.equal(popup.url(), 'about:blank', 'the address carries neither token nor ticket');
    await popup.close();
    await page.getByRole('button', { name: 'Back to results' }).click();
  });

  it('keeps the filters and facets inside the pane at 400 and 320 px', async () => {
    await page.getByRole('searchbox', { name: 'Search your archive' }).fill('falcon');
    await page.keyboard.press('Enter');
    for (const width of [400, 320]) {
      await page.setViewportSize({ width, height: 760 });
      await page.getByRole('button', { name: /^Filters/ }).click();
      await page.getByRole('button', { name: 'Refine: senders, years, folders' }).click();
      await page.getByRole('region', { name: 'Refine results' }).getByRole('heading', { name: /Sender/ }).waitFor();
      const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      assert.ok(scroll <= client, `no sideways scrolling at ${width} px: ${scroll} > ${client}`);
      await page.getByRole('button', { name: /^Filters/ }).click();
      await page.getByRole('button', { name: 'Refine: senders, years, folders' }).click();
    }
    await page.setViewportSize(TASK_PANE);
  });

  it('works at a wide window too, list and reading pane side by side', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('searchbox', { name: 'Search your archive' }).fill('all-hands');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: new RegExp(ALL_HANDS) }).first().click();
    await page.frameLocator('iframe[title^="Message:"]').getByText('all-hands meeting').waitFor();
    assert.ok(await page.getByRole('button', { name: new RegExp(ALL_HANDS) }).first().isVisible(), 'the list stays visible beside the reader');
    await screenshot(page, 'wide');
    await assertAccessible(page, 'the wide layout');
    // The open message's row stays selected beside it: in the dark theme too.
    await page.emulateMedia({ colorScheme: 'dark' });
    await waitFor('the dark theme', async () => {
      const rgb = (await page.locator('header').evaluate((el) => getComputedStyle(el).backgroundColor)).match(/\d+/g)!.slice(0, 3).map(Number);
      return rgb.reduce((a, b) => a + b, 0) < 3 * 80 ? true : undefined;
    }, 5000);
    assert.equal(await page.locator('li button[aria-current="true"]').count(), 1, 'a selected row is on screen');
    await assertAccessible(page, 'a selected result in the dark theme');
    await page.emulateMedia({ colorScheme: 'light' });
  });
});

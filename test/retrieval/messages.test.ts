import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { startStack, type Stack } from '../helpers/stack';
import { ALL_HANDS_SUBJECT, HTML_ATTACHMENT, PDF_BYTES, attachmentsMessage } from './fixtures';
import {
  ALEX, CORPUS_EXTRAS, MEGAN, archiveMegan, auditEntries, corpusBytes, itemBySha, itemsOf, messagePath, rawApi, sha256,
  type StoredItem,
} from './helpers';

let stack: Stack;
let allHands: StoredItem;
let withAttachments: StoredItem;
const scripted = corpusBytes(CORPUS_EXTRAS.scriptedHtml);
const inline = corpusBytes(CORPUS_EXTRAS.inlineImage);

before(async () => {
  stack = await startStack({ seed: 'demo' });
  await archiveMegan(stack, [attachmentsMessage(), ...[scripted, inline].filter((b): b is Buffer => b !== null)]);
  const items = await itemsOf(stack, MEGAN.id);
  allHands = items.find((i) => i.subject === ALL_HANDS_SUBJECT)!;
  withAttachments = await itemBySha(stack, MEGAN.id, sha256(attachmentsMessage()));
  assert.ok(allHands, 'the all-hands mail is in Megan’s archive');
});
after(async () => stack?.close());

const skipWithoutCorpus = { skip: scripted && inline ? false : 'real-mail corpus not found (see docs/CONVENTIONS.md)' };

test('the JSON view of a real HTML spam has its script removed and remote images blocked unless asked for', skipWithoutCorpus, async () => {
  const item = await itemBySha(stack, MEGAN.id, sha256(scripted!));
  const res = await stack.api(MEGAN.upn, 'GET', messagePath(item._id));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.match(scripted!.toString('latin1'), /<SCRIPT/i, 'the original has a script');
  assert.ok(res.body.html, 'an HTML body');
  assert.doesNotMatch(res.body.html, /<script|javascript:|\bon[a-z]+=/i);
  assert.doesNotMatch(res.body.html, /<img\b[^>]*\ssrc="https?:/i, 'no remote image source');
  assert.ok(res.body.blockedRemote > 0, `blocked ${res.body.blockedRemote}`);
  assert.equal(res.body.headers.subject, 'Mothers you want to fuck');
  assert.equal(res.body.sha256, item.sha256);
  assert.equal(res.body.size, scripted!.length);

  const remote = await stack.api(MEGAN.upn, 'GET', `${messagePath(item._id)}?remote=1`);
  assert.equal(remote.body.blockedRemote, 0);
  assert.match(remote.body.html, /<img\b[^>]*\ssrc="http:/i);
  assert.doesNotMatch(remote.body.html, /<script/i);
});

test('the JSON view lists headers, attachments and text, and keeps simple HTML', async () => {
  const res = await stack.api(MEGAN.upn, 'GET', messagePath(allHands._id));
  assert.equal(res.status, 200);
  assert.match(res.body.html, /<b>all-hands meeting<\/b>/);
  assert.match(res.body.text, /all-hands meeting is on Friday/);
  assert.equal(res.body.headers.messageId, '<all-hands-2024-03@contoso.example>');
  assert.equal(res.body.headers.from[0].address, 'adele.vance@contoso.example');
  assert.ok(res.body.headers.to.length >= 4);
  assert.equal(res.body.headers.date, '2024-03-04T09:15:00.000Z');
  assert.equal(res.body.folder, 'Inbox');

  const mixed = await stack.api(MEGAN.upn, 'GET', messagePath(withAttachments._id));
  assert.equal(mixed.body.headers.subject, 'Q3 report – düe Friday');
  assert.equal(mixed.body.html, null, 'no HTML body: the HTML is an attachment');
  assert.deepEqual(
    mixed.body.attachments.map((a: any) => [a.index, a.filename, a.contentType, a.size, a.inline]),
    [[0, 'report.html', 'text/html', HTML_ATTACHMENT.length, false], [1, 'q3/final:report.pdf', 'application/pdf', PDF_BYTES.length, false]],
  );
});

test('cid: images point at the message’s own parts, which serve the image', skipWithoutCorpus, async () => {
  const item = await itemBySha(stack, MEGAN.id, sha256(inline!));
  const view = await stack.api(MEGAN.upn, 'GET', messagePath(item._id));
  const cid = '8B8481A2-25CA-4886-9B5A-8EB9115DD064@skynet';
  const src = `/api/messages/${encodeURIComponent(item._id)}/cid/${encodeURIComponent(cid)}`;
  assert.ok(view.body.html.includes(`src="${src}"`), view.body.html);
  const image = await rawApi(stack, MEGAN.upn, 'GET', src.replace(/^\/api/, ''));
  assert.equal(image.status, 200);
  assert.equal(image.headers.get('content-type'), 'image/png');
  assert.equal(image.headers.get('cross-origin-resource-policy'), 'cross-origin');
  const expected = (await simpleParser(inline!)).attachments.find((a) => a.cid === cid)!.content;
  assert.ok(image.bytes.equals(expected), 'the decoded image part');
  const missing = await rawApi(stack, MEGAN.upn, 'GET', `${messagePath(item._id)}/cid/${encodeURIComponent('nope@nowhere')}`);
  assert.equal(missing.status, 404);
});

test('/view is a whole HTML document under a strict CSP, nosniff and no-referrer', async () => {
  const res = await rawApi(stack, MEGAN.upn, 'GET', `${messagePath(allHands._id)}/view`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^text\/html; charset=utf-8/);
  const csp = res.headers.get('content-security-policy')!;
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, new RegExp(`img-src data: ${stack.backend.url.replace(/[.]/g, '\\.')}(;| )`));
  assert.match(csp, /sandbox allow-popups allow-popups-to-escape-sandbox/);
  assert.match(csp, /frame-ancestors 'self' https:\/\/outlook\.office\.com /, 'Outlook may frame the pane that frames the view');
  const withoutAncestors = csp.replace(/frame-ancestors[^;]*/, '');
  assert.doesNotMatch(withoutAncestors, /script-src|https:/, 'no scripts and no remote content');
  assert.equal(res.headers.get('x-frame-options'), null);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  const html = res.bytes.toString('utf8');
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /<b>all-hands meeting<\/b>/);
  assert.doesNotMatch(html, /<script/i);

  const remote = await rawApi(stack, MEGAN.upn, 'GET', `${messagePath(allHands._id)}/view?remote=1`);
  assert.match(remote.headers.get('content-security-policy')!, /img-src data: \S+ https: http:/);
});

test('a view ticket opens the view and its images without a header, for that message only', async () => {
  const issued = await stack.api(MEGAN.upn, 'POST', `${messagePath(allHands._id)}/view-ticket`);
  assert.equal(issued.status, 200);
  assert.ok(Date.parse(issued.body.expiresAt) - Date.now() <= 60_000);
  const opened = await rawApi(stack, null, 'GET', issued.body.url.replace(/^\/api/, ''));
  assert.equal(opened.status, 200);
  assert.match(opened.headers.get('content-security-policy')!, /default-src 'none'/);
  const tampered = await rawApi(stack, null, 'GET', `${issued.body.url.replace(/^\/api/, '')}x`);
  assert.equal(tampered.status, 401);
  const otherItem = `${messagePath(withAttachments._id)}/view?t=${issued.body.ticket}`;
  assert.equal((await rawApi(stack, null, 'GET', otherItem)).status, 401);
  const notAView = `${messagePath(allHands._id)}/raw?t=${issued.body.ticket}`;
  assert.equal((await rawApi(stack, null, 'GET', notAView)).status, 401);
});

test('the .eml download is the original, byte for byte, as Graph gave it', async () => {
  for (const item of [allHands, withAttachments]) {
    const res = await rawApi(stack, MEGAN.upn, 'GET', `${messagePath(item._id)}/raw`);
    assert.equal(res.status, 200);
    assert.equal(sha256(res.bytes), item.sha256);
    assert.equal(res.headers.get('content-type'), 'message/rfc822');
    assert.equal(res.headers.get('etag'), `"${item.sha256}"`);
    const again = await fetch(`${stack.backend.url}/api${messagePath(item._id)}/raw`, {
      headers: { authorization: `Bearer ${await stack.emulator.issueUserToken(MEGAN.upn)}`, 'if-none-match': `"${item.sha256}"` },
    });
    assert.equal(again.status, 304);
  }
  const megansCopy = (await stack.emulator.tenant.findMessagesByInternetMessageId('<all-hands-2024-03@contoso.example>')).find((f) => f.userId === MEGAN.id)!;
  const value = await stack.emulator.tenant.getMessageMime(MEGAN.upn, megansCopy.message.id!);
  const raw = await rawApi(stack, MEGAN.upn, 'GET', `${messagePath(allHands._id)}/raw`);
  assert.ok(raw.bytes.equals(value), 'equals the mailbox’s $value');

  const named = await rawApi(stack, MEGAN.upn, 'GET', `${messagePath(withAttachments._id)}/raw`);
  assert.equal(named.headers.get('content-disposition'), `attachment; filename="Q3 report _ due Friday.eml"; filename*=UTF-8''Q3%20report%20%E2%80%93%20d%C3%BCe%20Friday.eml`);
});

test('attachments download with their type and a safe name; active types only as octet-stream', async () => {
  const pdf = await rawApi(stack, MEGAN.upn, 'GET', `${messagePath(withAttachments._id)}/attachments/1`);
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  assert.equal(pdf.headers.get('content-disposition'), `attachment; filename="q3_final_report.pdf"; filename*=UTF-8''q3_final_report.pdf`);
  assert.ok(pdf.bytes.equals(PDF_BYTES));

  const html = await rawApi(stack, MEGAN.upn, 'GET', `${messagePath(withAttachments._id)}/attachments/0`);
  assert.equal(html.status, 200);
  assert.equal(html.headers.get('content-type'), 'application/octet-stream');
  assert.match(html.headers.get('content-disposition')!, /^attachment; filename="report\.html"/);
  assert.match(html.headers.get('content-security-policy')!, /sandbox/);
  assert.match(html.bytes.toString(), /<script>/, 'the bytes as sent, served inert');

  assert.equal((await rawApi(stack, MEGAN.upn, 'GET', `${messagePath(withAttachments._id)}/attachments/2`)).status, 404);
  const bad = await rawApi(stack, MEGAN.upn, 'GET', `${messagePath(withAttachments._id)}/attachments/first`);
  assert.equal(bad.status, 400);
  assert.equal(bad.json().error.field, 'index');
});

test('a real attachment of the corpus downloads with its name and type', skipWithoutCorpus, async () => {
  const file = corpusBytes('ruby-mail/attachment_pdf.eml');
  const parsed = await simpleParser(file!);
  const item = (await itemsOf(stack, MEGAN.id)).find((i) => i.subject === parsed.subject);
  if (!item) return; // the demo seed puts this corpus file into Megan's mailbox only when present
  const view = await stack.api(MEGAN.upn, 'GET', messagePath(item._id));
  const index = view.body.attachments.findIndex((a: any) => a.filename === 'broken.pdf');
  const res = await rawApi(stack, MEGAN.upn, 'GET', `${messagePath(item._id)}/attachments/${index}`);
  assert.equal(res.headers.get('content-type'), 'application/pdf');
  assert.match(res.headers.get('content-disposition')!, /filename="broken\.pdf"/);
  assert.ok(res.bytes.equals(parsed.attachments.find((a) => a.filename === 'broken.pdf')!.content));
});

test('another user gets the same 404 for Megan’s message as for one that does not exist', async () => {
  const nowhere = `${MEGAN.id}:${'0'.repeat(64)}`;
  const notYours = await stack.api(ALEX.upn, 'GET', messagePath(allHands._id));
  const noSuch = await stack.api(MEGAN.upn, 'GET', messagePath(nowhere));
  assert.equal(notYours.status, 404);
  assert.deepEqual(notYours.body, noSuch.body);
  for (const [method, suffix, body] of [
    ['GET', '/view', undefined], ['GET', '/raw', undefined], ['GET', '/attachments/0', undefined],
    ['GET', '/cid/x', undefined], ['POST', '/view-ticket', undefined], ['POST', '/restore', {}],
  ] as const) {
    const denied = await stack.api(ALEX.upn, method, `${messagePath(withAttachments._id)}${suffix}`, body);
    const missing = await stack.api(MEGAN.upn, method, `${messagePath(nowhere)}${suffix}`, body);
    assert.equal(denied.status, 404, `${method} ${suffix}`);
    assert.deepEqual(denied.body, missing.body, `${method} ${suffix}`);
    assert.deepEqual(denied.body, notYours.body, `${method} ${suffix}`);
  }
  const malformed = await stack.api(MEGAN.upn, 'GET', messagePath('not-an-id'));
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.error.field, 'id');
  assert.equal((await rawApi(stack, null, 'GET', messagePath(allHands._id))).status, 401);
});

test('every access to a message is in the audit trail, with who, what and which message', async () => {
  const entries = await auditEntries(stack, { 'actor.oid': MEGAN.id });
  const seen = (action: string, target: string) => entries.some((e) => e.action === action && e.target === target && e.archiveId === MEGAN.id);
  assert.ok(seen('view', allHands._id), 'view');
  assert.ok(seen('download', allHands._id), 'download');
  assert.ok(seen('attachment', withAttachments._id), 'attachment');
  const views = entries.filter((e) => e.action === 'view' && e.target === allHands._id).map((e) => e.details.format);
  assert.ok(views.includes('json') && views.includes('document'));
  assert.equal((await auditEntries(stack, { 'actor.oid': ALEX.id, target: allHands._id })).length, 0, 'denied requests read nothing');
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Message } from '@microsoft/microsoft-graph-types';
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import { toHttpError } from '../../backend/src/http/errors';
import { restoreError } from '../../backend/src/retrieval/restore';
import { putGrant } from '../../backend/src/store/grants';
import { ADMIN, itemCount, runProfile } from '../archiving/helpers';
import { appToken, graphFetch } from '../emulator/helpers';
import { startStack, type Stack } from '../helpers/stack';
import { ALL_HANDS_SUBJECT, attachmentsMessage } from './fixtures';
import { ALEX, MEGAN, archiveMegan, auditEntries, itemBySha, itemsOf, messagePath, sha256, type StoredItem } from './helpers';

let stack: Stack;
let profileId: string;
let allHands: StoredItem;
let withAttachments: StoredItem;
let withLargeAttachment: StoredItem;

/** 6 MB: more than one request may carry, so it must travel through an upload session. */
const LARGE = randomBytes(6 * 1024 * 1024 + 4321);
const LOGO = randomBytes(2048);

/** A message as a mail client writes it: Cc, Bcc, Reply-To, an HTML body with an inline image, a small and a large file. */
async function largeMessage(): Promise<Buffer> {
  const mailer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'crlf' });
  const info = await mailer.sendMail({
    from: 'Alex Wilber <alex.wilber@contoso.example>', to: `Megan Bowen <${MEGAN.upn}>`, cc: 'Diego Siciliani <diego@contoso.example>',
    bcc: 'Lee Gu <lee.gu@contoso.example>', replyTo: 'Projects <projects@contoso.example>', subject: 'Site survey – photos and plans',
    date: new Date('2023-11-14T16:45:00Z'), messageId: '<site-survey@contoso.example>',
    html: '<p>Plans attached.</p><img src="cid:logo@contoso">',
    attachments: [
      { filename: 'logo.png', content: LOGO, cid: 'logo@contoso', contentType: 'image/png' },
      { filename: 'notes.txt', content: 'Bring boots.' },
      { filename: 'plans.bin', content: LARGE, contentType: 'application/octet-stream' },
    ],
  });
  return info.message as Buffer;
}

before(async () => {
  stack = await startStack({ seed: 'demo' });
  const large = await largeMessage();
  profileId = await archiveMegan(stack, [attachmentsMessage(), large]);
  withLargeAttachment = await itemBySha(stack, MEGAN.id, sha256(large));
  // Restoring to another mailbox resolves it among the archive users.
  assert.equal((await stack.api(ADMIN, 'POST', '/admin/directory/sync')).status, 200);
  allHands = (await itemsOf(stack, MEGAN.id)).find((i) => i.subject === ALL_HANDS_SUBJECT)!;
  withAttachments = await itemBySha(stack, MEGAN.id, sha256(attachmentsMessage()));
});
after(async () => stack?.close());

const restore = (user: string, item: StoredItem, body: unknown = {}) => stack.api(user, 'POST', `${messagePath(item._id)}/restore`, body);

async function originalBytes(sha: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stack.store.blobs.open(sha)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Restores `item` as Megan and returns the new message (as Graph shows it) with its MIME parsed. */
async function restored(item: StoredItem, body: unknown = {}): Promise<{ message: Message; mime: ParsedMail }> {
  const res = await restore(MEGAN.upn, item, body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const message = await stack.emulator.tenant.render(stack.emulator.tenant.mustMailbox(MEGAN.upn).find(res.body.restoredMessageId)!);
  return { message, mime: await simpleParser(await stack.emulator.tenant.getMessageMime(MEGAN.upn, res.body.restoredMessageId)) };
}

const addresses = (list: { emailAddress?: { address?: string | null } | null }[] | null | undefined) => (list ?? []).map((r) => r.emailAddress?.address);
const files = (mail: ParsedMail) => mail.attachments.map((a) => [a.filename, a.content.toString('base64')]).sort();

test('a restore gives back a received message, not a draft: original sender, recipients, dates and attachments', async () => {
  const { message, mime } = await restored(withAttachments);
  const original = await simpleParser(await originalBytes(withAttachments.sha256));
  assert.equal(message.isDraft, false);
  assert.equal(message.receivedDateTime, withAttachments.receivedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'), 'received when the original was');
  assert.equal(message.sentDateTime, '2024-04-02T08:30:00Z', 'sent when the original was');
  assert.equal(message.subject, 'Q3 report – düe Friday');
  assert.equal(message.from?.emailAddress?.address, ALEX.upn);
  assert.deepEqual(addresses(message.toRecipients), [MEGAN.upn]);
  assert.equal(message.internetMessageId, '<retrieval-attachments@contoso.example>');
  assert.deepEqual(files(mime), files(original), 'the same files, byte for byte');
  assert.match(mime.text ?? '', /Both files attached\./);
});

test('a message with a 6 MB attachment comes back whole: the large file through an upload session, the inline image still inline', async () => {
  const { message, mime } = await restored(withLargeAttachment, { folder: 'archive' });
  const original = await simpleParser(await originalBytes(withLargeAttachment.sha256));
  assert.equal(message.isDraft, false);
  assert.equal(message.parentFolderId, stack.emulator.tenant.mustMailbox(MEGAN.upn).wellKnownFolder('archive')!.id, 'in the folder picked');
  assert.deepEqual([message.sentDateTime, message.receivedDateTime], ['2023-11-14T16:45:00Z', withLargeAttachment.receivedAt.toISOString().replace(/\.\d{3}Z$/, 'Z')]);
  assert.deepEqual(addresses(message.ccRecipients), ['diego@contoso.example']);
  assert.deepEqual(addresses(message.bccRecipients), ['lee.gu@contoso.example']);
  assert.deepEqual(addresses(message.replyTo), ['projects@contoso.example']);
  assert.deepEqual(files(mime), files(original));
  assert.ok(mime.attachments.find((a) => a.filename === 'plans.bin')!.content.equals(LARGE));
  const logo = mime.attachments.find((a) => a.filename === 'logo.png')!;
  assert.deepEqual([logo.related, logo.cid], [true, 'logo@contoso'], 'the image stays embedded in the HTML');
});

test('a crawl after restores does not archive the restored copies again, though each differs from its original', async () => {
  const before = await itemCount(stack, { archiveId: MEGAN.id });
  // A message created the same way but without the marker is new to the archive, and archived.
  const unmarked = await graphFetch(stack.emulator, await appToken(stack.emulator), `/users/${MEGAN.id}/mailFolders/inbox/messages`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ subject: 'Created, not restored', body: { contentType: 'text', content: 'x' }, singleValueExtendedProperties: [{ id: 'Integer 0x0E07', value: '1' }] }),
  });
  assert.equal(unmarked.status, 201);
  const run = await runProfile(stack, profileId);
  assert.equal(run.status, 'succeeded', JSON.stringify(run));
  assert.equal(await itemCount(stack, { archiveId: MEGAN.id }), before + 1, 'only the unmarked message was archived');
  assert.ok((await itemsOf(stack, MEGAN.id)).some((i) => i.subject === 'Created, not restored'));
});

test('a restore whose attachment cannot be uploaded leaves no half message behind', async () => {
  const inbox = async () => (await stack.emulator.tenant.listMessages(MEGAN.upn, 'inbox')).length;
  const count = await inbox();
  stack.emulator.faults.inject({ match: { pathIncludes: '/AttachmentSessions', method: 'PUT' }, kind: '503', times: 3 });
  const res = await restore(MEGAN.upn, withLargeAttachment);
  assert.equal(res.status, 502, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'restore_failed');
  assert.equal(await inbox(), count, 'the copy without its attachment was taken back');
});

test('a restore goes to a well-known folder or a folder id, and names the folder when it does not exist', async () => {
  const tenant = stack.emulator.tenant;
  const archived = (await tenant.listMessages(MEGAN.upn, 'archive')).length;
  assert.equal((await restore(MEGAN.upn, allHands, { folder: 'archive' })).status, 201);
  assert.equal((await tenant.listMessages(MEGAN.upn, 'archive')).length, archived + 1);
  const projects = tenant.listFolders(MEGAN.upn).find((f) => f.path === 'Inbox/Projects')!;
  assert.equal((await restore(MEGAN.upn, allHands, { folder: projects.id })).status, 201);

  for (const folder of ['nosuchfolder', 'AAMkAGNoU3VjaEZvbGRlcklkAAA=', 'In box', '']) {
    const res = await restore(MEGAN.upn, allHands, { folder });
    assert.equal(res.status, 400, `${folder}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.field, 'folder', folder);
  }
});

test('restoring into someone else’s mailbox needs the restore right on their archive', async () => {
  const noRight = await restore(MEGAN.upn, allHands, { mailbox: ALEX.upn });
  const nobody = await restore(MEGAN.upn, allHands, { mailbox: 'nobody@contoso.example' });
  assert.equal(noRight.status, 400);
  assert.equal(noRight.body.error.field, 'mailbox');
  assert.deepEqual(noRight.body, nobody.body, 'an unknown mailbox and one out of reach read the same');

  await putGrant(stack.store.conn, {
    granteeId: MEGAN.id, archiveId: ALEX.id, rights: ['read'], grantedBy: { oid: 'test', upn: 'test' }, grantedAt: new Date(),
  });
  assert.equal((await restore(MEGAN.upn, allHands, { mailbox: ALEX.upn })).status, 400, 'read is not restore');
  await putGrant(stack.store.conn, {
    granteeId: MEGAN.id, archiveId: ALEX.id, rights: ['read', 'restore'], grantedBy: { oid: 'test', upn: 'test' }, grantedAt: new Date(),
  });
  const alexInbox = (await stack.emulator.tenant.listMessages(ALEX.upn, 'inbox')).length;
  const granted = await restore(MEGAN.upn, allHands, { mailbox: ALEX.upn });
  assert.equal(granted.status, 201, JSON.stringify(granted.body));
  assert.equal((await stack.emulator.tenant.listMessages(ALEX.upn, 'inbox')).length, alexInbox + 1);
  assert.equal((await restore(MEGAN.upn, allHands, { mailbox: MEGAN.upn })).status, 201, 'one’s own mailbox by name');
});

test('someone else cannot restore Megan’s message: 404 like a message that does not exist', async () => {
  const denied = await restore(ALEX.upn, allHands);
  const missing = await stack.api(ALEX.upn, 'POST', `${messagePath(`${ALEX.id}:${'1'.repeat(64)}`)}/restore`, {});
  assert.equal(denied.status, 404);
  assert.deepEqual(denied.body, missing.body);
  const unknownField = await restore(MEGAN.upn, allHands, { folder: 'inbox', to: 'x' });
  assert.equal(unknownField.status, 400);
});

test('every restore is audited with target mailbox, folder and outcome', async () => {
  const entries = await auditEntries(stack, { action: 'restore', 'actor.oid': MEGAN.id });
  const first = entries.find((e) => e.target === withAttachments._id)!;
  assert.deepEqual({ ...first.details, restoredMessageId: undefined }, { mailbox: MEGAN.id, folder: 'inbox', outcome: 'restored', restoredMessageId: undefined });
  assert.ok(entries.some((e) => e.details.outcome === 'failed' && e.details.error === 'invalid_input'), 'failed attempts too');
  assert.ok(entries.some((e) => e.details.mailbox === ALEX.id && e.details.outcome === 'restored'));
});

test('Graph failures become answers about the request', () => {
  const graphError = (statusCode: number, code: string) => Object.assign(new Error(`${code} message`), { statusCode, code });
  const cases: [number, string, number, string, string?][] = [
    [404, 'ErrorItemNotFound', 400, 'invalid_input', 'folder'],
    [400, 'ErrorInvalidIdMalformed', 400, 'invalid_input', 'folder'],
    [404, 'ErrorInvalidUser', 400, 'invalid_input', 'mailbox'],
    [404, 'MailboxNotEnabledForRESTAPI', 400, 'invalid_input', 'mailbox'],
    [413, 'RequestEntityTooLarge', 413, 'message_too_large'],
    [400, 'ErrorMessageSizeExceeded', 413, 'message_too_large'],
    [403, 'ErrorAccessDenied', 502, 'restore_denied'],
    [429, 'ApplicationThrottled', 503, 'graph_unavailable'],
    [500, 'InternalServerError', 502, 'restore_failed'],
  ];
  for (const [status, code, expectedStatus, expectedCode, field] of cases) {
    const err = toHttpError(restoreError(graphError(status, code)));
    assert.deepEqual([err.status, err.code, err.field], [expectedStatus, expectedCode, field], code);
  }
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { restoreError } from '../../backend/src/retrieval/restore';
import { putGrant } from '../../backend/src/store/grants';
import { ADMIN } from '../archiving/helpers';
import { startStack, type Stack } from '../helpers/stack';
import { ALL_HANDS_SUBJECT, attachmentsMessage } from './fixtures';
import { ALEX, MEGAN, archiveMegan, auditEntries, itemBySha, itemsOf, messagePath, sha256, type StoredItem } from './helpers';

let stack: Stack;
let allHands: StoredItem;
let withAttachments: StoredItem;

before(async () => {
  stack = await startStack({ seed: 'demo' });
  await archiveMegan(stack, [attachmentsMessage()]);
  // Restoring to another mailbox resolves it among the archive users.
  assert.equal((await stack.api(ADMIN, 'POST', '/admin/directory/sync')).status, 200);
  allHands = (await itemsOf(stack, MEGAN.id)).find((i) => i.subject === ALL_HANDS_SUBJECT)!;
  withAttachments = await itemBySha(stack, MEGAN.id, sha256(attachmentsMessage()));
});
after(async () => stack?.close());

const restore = (user: string, item: StoredItem, body: unknown = {}) => stack.api(user, 'POST', `${messagePath(item._id)}/restore`, body);

async function original(sha: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stack.store.blobs.open(sha)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

test('a restore puts the original MIME back into the inbox through Graph', async () => {
  const tenant = stack.emulator.tenant;
  const before = await tenant.listMessages(MEGAN.upn, 'inbox');
  const res = await restore(MEGAN.upn, withAttachments);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const after = await tenant.listMessages(MEGAN.upn, 'inbox');
  assert.equal(after.length, before.length + 1);
  const added = after.find((m) => !before.some((b) => b.id === m.id))!;
  // The backend asks Graph for immutable ids: the same message as the listing's, by its other id.
  const mailbox = tenant.mustMailbox(MEGAN.upn);
  assert.equal(mailbox.find(res.body.restoredMessageId), mailbox.find(added.id!));
  assert.ok((await tenant.getMessageMime(MEGAN.upn, added.id!)).equals(await original(withAttachments.sha256)), 'the same bytes');
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
    [403, 'ErrorAccessDenied', 502, 'restore_denied'],
    [429, 'ApplicationThrottled', 503, 'graph_unavailable'],
    [500, 'InternalServerError', 502, 'restore_failed'],
  ];
  for (const [status, code, expectedStatus, expectedCode, field] of cases) {
    const err = restoreError(graphError(status, code));
    assert.deepEqual([err.status, err.code, err.field], [expectedStatus, expectedCode, field], code);
  }
});

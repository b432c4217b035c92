import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DEMO_USERS } from '../../emulator/src/index';
import { corpusFiles, corpusDir } from '../helpers/corpus';
import { startStack, type Stack } from '../helpers/stack';
import { rawApi } from '../retrieval/helpers';
import { importState, patchChunk, upload } from './helpers-api';
import { sha256, tempDir } from './helpers';

const ADMIN = DEMO_USERS.admin.upn;
const MEGAN = DEMO_USERS.megan;
let stack: Stack;
let allowed: string;

before(async () => {
  allowed = tempDir({ after });
  stack = await startStack({ seed: 'demo', workers: 2, env: { IMPORT_ALLOWED_FOLDERS: allowed, IMPORT_UPLOAD_DIR: join(allowed, '.uploads') } });
  assert.equal((await stack.api(ADMIN, 'POST', '/admin/directory/sync')).status < 300, true);
});
after(() => stack?.close());

/** An mbox of real corpus mail, and the messages it holds. */
function corpusMbox(count: number): { mbox: Buffer; messages: Buffer[] } {
  const messages = corpusFiles('lore-linux-s390').slice(0, count).map((f) => readFileSync(f));
  const quoted = messages.map((m) => Buffer.concat([Buffer.from('From sender@example.com Thu Jan  1 00:00:00 2004\n'), Buffer.from(m.toString('latin1').replace(/^(>*From )/gm, '>$1'), 'latin1'), Buffer.from('\n')]));
  return { mbox: Buffer.concat(quoted), messages };
}

test('an uploaded mbox (sent in resumed chunks) is imported byte for byte into the chosen archive, with progress and folder counts', async (t) => {
  if (!corpusDir()) return t.skip('no corpus');
  const { mbox, messages } = corpusMbox(40);
  const started = await stack.api(ADMIN, 'POST', '/imports/uploads', { name: 'old-server.mbox', size: mbox.length });
  const id = started.body.id as string;
  const half = Math.floor(mbox.length / 2);
  assert.equal((await patchChunk(stack, ADMIN, id, 0, mbox.subarray(0, half))).status, 200);
  // A chunk sent for the wrong offset (a client that lost track) is refused with the right one.
  const wrong = await patchChunk(stack, ADMIN, id, 5, mbox.subarray(5, 10));
  assert.equal(wrong.status, 409);
  assert.equal((await stack.api(ADMIN, 'GET', `/imports/uploads/${id}`)).body.received, half);
  assert.equal((await patchChunk(stack, ADMIN, id, half, mbox.subarray(half))).status, 200);

  const created = await stack.api(ADMIN, 'POST', '/imports', { archive: MEGAN.upn, source: { kind: 'upload', uploadId: id }, options: { folderPrefix: 'Imported' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const done = await importState(stack, ADMIN, created.body.id, ['done', 'failed']);
  assert.equal(done.state, 'done', done.error);
  assert.equal(done.messages.archived, 40);
  assert.deepEqual(done.bytes, { read: mbox.length, total: mbox.length });
  assert.deepEqual(done.folders, [{ path: 'Imported', archived: 40, duplicate: 0, failed: 0 }]);
  for (const m of messages.slice(0, 5)) {
    const raw = await rawApi(stack, MEGAN.upn, 'GET', `/messages/${encodeURIComponent(`${MEGAN.id}:${sha256(m)}`)}/raw`);
    assert.equal(raw.status, 200);
    assert.ok(raw.bytes.equals(m), 'the archived message is the original, byte for byte');
  }
  assert.equal((await stack.api(ADMIN, 'GET', `/imports/uploads/${id}`)).status, 404, 'the upload is removed once imported');

  // The same messages again: nothing is imported twice.
  const again = await stack.api(ADMIN, 'POST', '/imports', { archive: MEGAN.upn, source: { kind: 'upload', uploadId: await upload(stack, ADMIN, 'again.mbox', mbox) }, options: { folderPrefix: 'Imported' } });
  const second = await importState(stack, ADMIN, again.body.id, ['done', 'failed']);
  assert.deepEqual([second.messages.archived, second.messages.duplicate], [0, 40]);
  assert.equal(await stack.store.db.collection('items').countDocuments({ archiveId: MEGAN.id }), 40);
});

test('a server path outside the allowed import folders is refused naming the field; inside, a folder of files imports with per-item errors', async (t) => {
  if (!corpusDir()) return t.skip('no corpus');
  const outside = await stack.api(ADMIN, 'POST', '/imports', { archive: MEGAN.upn, source: { kind: 'path', path: '/etc' } });
  assert.equal(outside.status, 400);
  assert.deepEqual([outside.body.error.code, outside.body.error.field], ['path_not_allowed', 'source.path']);
  const escape = await stack.api(ADMIN, 'POST', '/imports', { archive: MEGAN.upn, source: { kind: 'path', path: `${allowed}/../../etc` } });
  assert.equal(escape.body.error?.code, 'path_not_allowed');

  const dir = join(allowed, 'departed-staff');
  mkdirSync(join(dir, 'Projects'), { recursive: true });
  writeFileSync(join(dir, 'Projects', 'a.eml'), readFileSync(corpusFiles('spamassassin-easy_ham')[10]!));
  writeFileSync(join(dir, 'Projects', 'broken.msg'), 'this is no Outlook file');
  writeFileSync(join(dir, 'Projects', 'b.eml'), readFileSync(corpusFiles('spamassassin-easy_ham')[11]!));
  const created = await stack.api(ADMIN, 'POST', '/imports', { archive: MEGAN.upn, source: { kind: 'path', path: dir } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const done = await importState(stack, ADMIN, created.body.id, ['done', 'failed']);
  assert.deepEqual([done.state, done.messages.archived, done.messages.failed], ['done', 2, 1]);
  const notes = await stack.api(ADMIN, 'GET', `/imports/${created.body.id}/notes`);
  assert.deepEqual(notes.body.value.map((n: any) => [n.kind, n.code, n.where]), [['failed', 'NOT_MSG', 'departed-staff/Projects/broken.msg']]);
});

test('end users import their own PSTs only when the admin allows it, and never see other imports', async (t) => {
  const corpus = corpusDir();
  if (!corpus) return t.skip('no corpus');
  const pst = readFileSync(join(corpus, 'java-libpst/dist-list.pst'));
  const refused = await stack.api(MEGAN.upn, 'POST', '/imports/uploads', { name: 'mine.pst', size: pst.length });
  assert.equal(refused.status, 403);
  assert.equal((await stack.api(MEGAN.upn, 'PUT', '/imports/settings', { usersMayImportPst: true })).status, 403);
  assert.equal((await stack.api(ADMIN, 'PUT', '/imports/settings', { usersMayImportPst: true })).status, 200);
  const uploadId = await upload(stack, MEGAN.upn, 'mine.pst', pst);
  const intoOther = await stack.api(MEGAN.upn, 'POST', '/imports', { archive: DEMO_USERS.alex.upn, source: { kind: 'upload', uploadId } });
  assert.equal(intoOther.status, 404);
  const own = await stack.api(MEGAN.upn, 'POST', '/imports', { archive: MEGAN.id, source: { kind: 'upload', uploadId } });
  assert.equal(own.status, 201, JSON.stringify(own.body));
  const done = await importState(stack, MEGAN.upn, own.body.id, ['done', 'failed']);
  assert.deepEqual([done.state, done.messages.archived, done.messages.lossy], ['done', 3, 3]);
  const mine = await stack.api(MEGAN.upn, 'GET', '/imports');
  assert.deepEqual(mine.body.value.map((i: any) => i.id), [own.body.id]);
  assert.equal((await stack.api(DEMO_USERS.alex.upn, 'GET', `/imports/${own.body.id}`)).status, 404);
});

test('an import can be paused and resumed, and goes on from its checkpoint without importing anything twice', async (t) => {
  if (!corpusDir()) return t.skip('no corpus');
  const { mbox } = corpusMbox(300);
  const uploadId = await upload(stack, ADMIN, 'big.mbox', mbox, 1024 * 1024);
  const created = await stack.api(ADMIN, 'POST', '/imports', { archive: DEMO_USERS.alex.upn, source: { kind: 'upload', uploadId } });
  await importState(stack, ADMIN, created.body.id, ['running', 'done']);
  const paused = await stack.api(ADMIN, 'POST', `/imports/${created.body.id}/pause`);
  assert.equal(paused.status, 200);
  const atPause = await importState(stack, ADMIN, created.body.id, ['paused', 'done']);
  if (atPause.state === 'paused') {
    assert.ok(atPause.messages.archived < 300);
    assert.equal((await stack.api(ADMIN, 'POST', `/imports/${created.body.id}/resume`)).status, 200);
  }
  const done = await importState(stack, ADMIN, created.body.id, ['done', 'failed'], 120_000);
  assert.deepEqual([done.state, done.messages.archived + done.messages.duplicate, done.messages.failed], ['done', 300, 0]);
  assert.ok(done.rate.messagesPerSecond > 0);
  assert.equal(await stack.store.db.collection('items').countDocuments({ archiveId: DEMO_USERS.alex.id }), new Set(corpusFiles('lore-linux-s390').slice(0, 300).map((f) => sha256(readFileSync(f)))).size);
});

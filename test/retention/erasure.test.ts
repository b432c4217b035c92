import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { verifyAuditChain } from '../../backend/src/access';
import { runErasure } from '../../backend/src/retention/erasure';
import { readIndexState } from '../../backend/src/search/index-manifest';
import { indexCtx } from '../../backend/src/search/index-store';
import { archiveKey } from '../../backend/src/store/postings';
import type { Stack } from '../helpers/stack';
import { ADMIN, ALEX, MEGAN, SECOND_ADMIN, archive, blobExists, call, itemIds, retentionStack, type Archived } from './helpers';

let stack: Stack;
const DAN = 'dan@contractor.example';

before(async () => {
  stack = await retentionStack();
});
after(async () => {
  await stack?.close();
});

test('an erasure request lists what goes and what stays and why, needs a second administrator, erases blob and index, and certifies each SHA-256 in the audit trail', async () => {
  // Megan's and Alex's mail; messages n ≡ 3 (mod 5) are from Dan, some also to him.
  const megan: Archived[] = [];
  for (let n = 0; n < 20; n++) megan.push(await archive(stack.store, MEGAN.id, n, 100 + n));
  const alexCopy = await archive(stack.store, ALEX.id, 3, 100 + 3); // Alex holds one of Dan's messages too
  const involving = (a: Archived) => a.m.from === DAN || a.m.to === DAN;
  const dans = megan.filter(involving);
  assert.ok(dans.length >= 4);
  // One of Dan's messages is under a hold; the Alex archive keeps its copy under a minimum retention.
  const held = dans[0]!;
  await call(stack, ADMIN, 'POST', '/compliance/holds', { name: 'Keep one', reason: 'Dispute', kind: 'query', query: `subject:"number ${held.m.n}"` });
  await call(stack, ADMIN, 'POST', '/admin/retention/policies', { rules: { name: 'Alex keeps a year', minDays: 365, maxDays: null, scope: { archives: [ALEX.id] }, folders: [] } });

  const filed = await call(stack, ADMIN, 'POST', '/admin/erasure-requests', { addresses: [DAN.toUpperCase()], reason: 'Art. 17 request of 2026-05-02' });
  assert.equal(filed.status, 201, JSON.stringify(filed.body));
  assert.deepEqual(filed.body.addresses, [DAN]);
  const listed = await call(stack, ADMIN, 'GET', `/admin/erasure-requests/${filed.body.id}`);
  assert.equal(listed.status, 200);
  const { goes, stays } = listed.body.listing;
  const expectGo = dans.filter((a) => a !== held).map((a) => a.id).sort();
  assert.deepEqual(goes.map((g: { id: string }) => g.id).sort(), expectGo);
  assert.deepEqual(
    stays.map((s: { id: string; reason: { code: string } }) => [s.id, s.reason.code]).sort(),
    [[held.id, 'hold'], [alexCopy.id, 'minimum']].sort(),
  );
  assert.match(stays.find((s: { id: string }) => s.id === held.id).why, /under legal hold "Keep one"/);

  const self = await call(stack, ADMIN, 'POST', `/admin/erasure-requests/${filed.body.id}/approve`);
  assert.equal(self.status, 403);
  assert.equal(self.body.error.code, 'four_eyes');
  // Nothing goes before a second administrator approves: not even by running the job directly.
  await assert.rejects(runErasure({ store: stack.store, graph: null }, filed.body.id), /not found/);
  const approved = await call(stack, SECOND_ADMIN, 'POST', `/admin/erasure-requests/${filed.body.id}/approve`);
  assert.equal(approved.status, 202, JSON.stringify(approved.body));
  const job = await stack.store.db.collection('jobs').findOne({ _id: `erasure:${filed.body.id}` as never });
  assert.equal(job?.type, 'retention-erasure', 'the approval queues the erasure job');

  // Copies a database repair kept aside (store/collection-repair.ts) go with the message; the held message's stays.
  const goner = dans.find((a) => a !== held && a.sha256 !== alexCopy.sha256)!;
  const aside = (name: string, collection: string, doc: Record<string, unknown>) => ({ _id: name, collection, at: new Date(), doc });
  await stack.store.db.collection<{ _id: string }>('repair_duplicates').insertMany([
    aside('message', 'messages', { _id: goner.sha256, subject: goner.m.subject }),
    aside('chunk', 'messages.chunks', { _id: `${goner.sha256}:0`, files_id: goner.sha256, n: 0, data: Buffer.from('a copy of the bytes') }),
    aside('re-encrypted chunk', 'messages.chunks', { _id: `${goner.sha256}~gzip:1`, files_id: `${goner.sha256}~gzip`, n: 1, data: Buffer.from('a copy under a re-encryption id') }),
    aside("held message's chunk", 'messages.chunks', { _id: `${held.sha256}~gzip:1`, files_id: `${held.sha256}~gzip`, n: 1, data: Buffer.from('kept') }),
    aside('record', 'items', { _id: goner.id, archiveId: MEGAN.id, sha256: goner.sha256 }),
    aside('held record', 'items', { _id: held.id, archiveId: MEGAN.id, sha256: held.sha256 }),
  ]);
  const indexAside = (name: string, archiveId: string) => aside(name, `sx_${archiveKey(archiveId)}_meta`, { _id: 'c|0000000001', seg: { id: 'a segment part of the index', n: 1 } });
  await stack.store.searchDb.collection<{ _id: string }>('repair_duplicates').insertMany([indexAside("Megan's index", MEGAN.id), indexAside("Alex's index", ALEX.id)]);

  const done = await runErasure({ store: stack.store, graph: null }, filed.body.id);
  assert.equal(done.state, 'done');
  assert.equal(done.certificate?.erased, expectGo.length);
  assert.equal(done.certificate?.kept, 2, "the held message and Alex's copy (under its minimum) stayed");

  const left = await itemIds(stack.store, MEGAN.id);
  assert.ok(expectGo.every((id) => !left.includes(id)) && left.includes(held.id));
  assert.deepEqual(await itemIds(stack.store, ALEX.id), [alexCopy.id]);
  for (const a of dans.filter((x) => x !== held)) assert.equal(await blobExists(stack.store, a.sha256), a.sha256 === alexCopy.sha256, `bytes of ${a.m.n} go unless Alex still holds them`);
  const keptAside = await stack.store.db.collection('repair_duplicates').find({}).toArray();
  assert.deepEqual(keptAside.map((d) => d._id).sort(), ["held message's chunk", 'held record'], 'no copy of an erased message is left aside');
  const indexKept = await stack.store.searchDb.collection('repair_duplicates').find({}).toArray();
  assert.deepEqual(indexKept.map((d) => d._id), ["Alex's index"], "index parts kept aside go for the archive that lost messages (they cannot be matched to one), not for others");
  const found = await call(stack, MEGAN.upn, 'GET', `/search?q=${encodeURIComponent(`from:${DAN} OR to:${DAN}`)}&limit=100`);
  assert.deepEqual(found.body.value.map((h: { id: string }) => h.id), [held.id], 'search finds only what stayed');
  const state = await readIndexState(await indexCtx(stack.store, MEGAN.id), { exact: true });
  assert.deepEqual(state.manifest.tomb, [], 'the erased messages were purged from the index segments');
  const cleanup = await stack.store.db.collection('jobs').findOne({ _id: `index-cleanup:erasure:${filed.body.id}` as never });
  assert.ok(cleanup && cleanup.runAt > new Date(), 'the replaced segments are dropped after the grace, by a job queued for then');

  // The certificate: every erased message's SHA-256, the digest over them, in the audit trail too.
  const cert = await call(stack, ADMIN, 'GET', `/admin/erasure-requests/${filed.body.id}/certificate`);
  assert.equal(cert.status, 200);
  assert.deepEqual(cert.body.messages.map((m: { archiveId: string; sha256: string }) => `${m.archiveId}:${m.sha256}`).sort(), expectGo);
  const lines = cert.body.messages.map((m: { archiveId: string; sha256: string; blob: string }) => `${m.archiveId} ${m.sha256} ${m.blob}`).sort();
  assert.equal(cert.body.certificate.digest, createHash('sha256').update(lines.map((l: string) => `${l}\n`).join('')).digest('hex'));
  const certified = await stack.store.db.collection('audit').find({ action: 'erasure-certificate', target: filed.body.id }).toArray();
  assert.deepEqual(certified.flatMap((e) => (e.details as { sha256s: string[] }).sha256s).sort(), cert.body.messages.map((m: { sha256: string }) => m.sha256).sort());
  assert.equal((await verifyAuditChain(stack.store)).ok, true);
});

test('erasure requests are for administrators, name their fields when wrong, and take no message list from the client', async () => {
  assert.equal((await call(stack, MEGAN.upn, 'POST', '/admin/erasure-requests', { addresses: [DAN], reason: 'x' })).status, 403);
  const bad = await call(stack, ADMIN, 'POST', '/admin/erasure-requests', { addresses: ['not an address'], reason: 'x' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'addresses.0');
  const forged = await call(stack, ADMIN, 'POST', '/admin/erasure-requests', { addresses: [DAN], reason: 'x', items: [`${MEGAN.id}:${'a'.repeat(64)}`] });
  assert.equal(forged.status, 400, 'a list of messages to erase is not accepted');
  const filed = await call(stack, ADMIN, 'POST', '/admin/erasure-requests', { addresses: [DAN], reason: 'x' });
  const approveWithList = await call(stack, SECOND_ADMIN, 'POST', `/admin/erasure-requests/${filed.body.id}/reject`, { reason: 'Duplicate of an earlier request' });
  assert.equal(approveWithList.status, 200);
  assert.equal(approveWithList.body.state, 'rejected');
  assert.equal((await call(stack, SECOND_ADMIN, 'POST', `/admin/erasure-requests/${filed.body.id}/approve`)).status, 409, 'a rejected request cannot be approved');
});

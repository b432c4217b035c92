import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_USERS } from '../../emulator/src/index';
import { ArchiveIndex, DeletionRun, recoverDeletions } from '../../backend/src/retention/delete';
import { runDisposal, SYSTEM_ACTOR } from '../../backend/src/retention/disposal';
import { runErasure } from '../../backend/src/retention/erasure';
import { Guard } from '../../backend/src/retention/guard';
import { startStack, type Stack } from '../helpers/stack';
import { createProfile, mailCount, runProfile } from '../archiving/helpers';
import { ADMIN, AUDITOR, SECOND_ADMIN, archive, blobExists, call, itemIds, type Archived } from './helpers';

/**
 * "No route, job or profile option can delete a held or too-young message, including direct
 * calls with forged ids": every way in, tried against one held and one too-young set of mail.
 */
let stack: Stack;
let held: Archived[];
let young: Archived[];
const DAN = 'dan@contractor.example';
const deps = () => ({ store: stack.store, graph: null });

before(async () => {
  stack = await startStack({ seed: 'demo', workers: 2, env: { ADMIN_USERS: SECOND_ADMIN } });
  held = [];
  young = [];
  // Old mail, some of it Dan's (n ≡ 3 mod 5), in an archive under hold and in one kept ten years.
  for (let n = 0; n < 6; n++) held.push(await archive(stack.store, 'bp-held', n, 900));
  for (let n = 0; n < 6; n++) young.push(await archive(stack.store, 'bp-young', n, 900, { salt: '-y' }));
  assert.equal((await call(stack, ADMIN, 'POST', '/compliance/holds', { name: 'Hold all', reason: 'Litigation', kind: 'archives', archives: ['bp-held'] })).status, 201);
  const keep = await call(stack, ADMIN, 'POST', '/admin/retention/policies', { rules: { name: 'Ten years', minDays: 3650, maxDays: null, scope: { archives: ['bp-young'] }, folders: [] } });
  assert.equal(keep.status, 201);
  // And a policy that would dispose of all of it, were nothing kept.
  const dispose = await call(stack, ADMIN, 'POST', '/admin/retention/policies', { rules: { name: 'One day', minDays: 0, maxDays: 1, scope: { tenant: true }, folders: [] } });
  assert.ok([201, 202].includes(dispose.status), JSON.stringify(dispose.body));
  if (dispose.status === 202) assert.equal((await call(stack, SECOND_ADMIN, 'POST', `/admin/retention/policies/${dispose.body.policy.id}/approve`)).status, 200);
});
after(async () => {
  await stack?.close();
});

async function untouched(): Promise<void> {
  assert.deepEqual(await itemIds(stack.store, 'bp-held'), held.map((a) => a.id).sort(), 'the held mail is all there');
  assert.deepEqual(await itemIds(stack.store, 'bp-young'), young.map((a) => a.id).sort(), 'the too-young mail is all there');
  for (const a of [...held, ...young]) assert.ok(await blobExists(stack.store, a.sha256), `bytes of ${a.id}`);
  const found = await call(stack, AUDITOR, 'GET', `/search?archive=all&q=&limit=100`);
  const ids = new Set(found.body.value.map((h: { id: string }) => h.id));
  assert.ok([...held, ...young].every((a) => ids.has(a.id)), 'and all of it is still found');
}

test('the disposal job keeps held and too-young mail under a one-day policy', async () => {
  const result = await runDisposal(deps());
  assert.equal(result.kept.hold, held.length);
  assert.equal(result.kept.minimum ?? 0, 0, 'mail inside a minimum is not even due');
  await untouched();
});

test('no route deletes one of them: there is no delete route, erasure takes no list, and an approved erasure keeps them', async () => {
  for (const a of [held[0]!, young[0]!]) {
    const del = await call(stack, ADMIN, 'DELETE', `/messages/${encodeURIComponent(a.id)}`);
    assert.equal(del.status, 404);
    assert.equal(del.body.error.code, 'route_not_found');
  }
  const forged = await call(stack, ADMIN, 'POST', '/admin/erasure-requests', { addresses: [DAN], reason: 'x', items: [held[3]!.id] });
  assert.equal(forged.status, 400);
  const filed = await call(stack, ADMIN, 'POST', '/admin/erasure-requests', { addresses: [DAN], reason: 'Art. 17' });
  const listing = (await call(stack, ADMIN, 'GET', `/admin/erasure-requests/${filed.body.id}`)).body.listing;
  assert.deepEqual(listing.goes, [], 'nothing of Dan’s may go');
  const dans = [...held, ...young].filter((a) => a.m.from === DAN || a.m.to === DAN);
  assert.deepEqual(listing.stays.map((s: { id: string; reason: { code: string } }) => [s.id, s.reason.code]).sort(), dans.map((a) => [a.id, a.archiveId === 'bp-held' ? 'hold' : 'minimum']).sort());
  // Approved with a forged body: the body is ignored, the list is worked out again on the server.
  const approved = await call(stack, SECOND_ADMIN, 'POST', `/admin/erasure-requests/${filed.body.id}/approve`, { items: [held[3]!.id, young[3]!.id] });
  assert.equal(approved.status, 202);
  const done = await runErasure(deps(), filed.body.id);
  assert.deepEqual([done.certificate?.erased, done.certificate?.kept], [0, dans.length]);
  await untouched();
});

test('the deletion code refuses them when called directly with their ids, forged ids, or forged intents', async () => {
  const guard = await Guard.load(stack.store, null);
  const kind = { kind: 'disposal' as const, refOf: () => ['forged'], actor: SYSTEM_ACTOR };
  const run = new DeletionRun(stack.store, guard, kind);
  const kept = await run.stageIds(await ArchiveIndex.open(stack.store, 'bp-held'), [...held.map((a) => a.id), ...young.map((a) => a.id), `bp-held:${'f'.repeat(64)}`, 'bp-held:not-a-hash', 'nonsense']);
  assert.deepEqual(kept.map((k) => k.reason.code), held.map(() => 'hold'), "another archive's ids and ids of nothing are ignored");
  const keptYoung = await run.stageIds(await ArchiveIndex.open(stack.store, 'bp-young'), young.map((a) => a.id));
  assert.deepEqual(keptYoung.map((k) => k.reason.code), young.map(() => 'minimum'));
  assert.equal((await run.settle()).deleted.length, 0, 'nothing was staged, nothing goes');

  // Intents written behind the code's back (as if a crashed run had meant to delete them).
  const forge = (list: Archived[]) => ({
    _id: `forged-${list[0]!.archiveId}`,
    archiveId: list[0]!.archiveId,
    at: new Date(),
    entries: list.map((a) => ({ _id: `${a.id}@0`, archiveId: a.archiveId, sha256: a.sha256, receivedAt: a.m.receivedAt, archivedAt: new Date(0), size: a.size, kind: 'disposal', ref: ['forged'], batch: `forged-${a.archiveId}`, at: new Date() })),
  });
  await stack.store.db.collection('retention_intents').insertMany([forge(held), forge(young)] as never[]);
  assert.equal(await recoverDeletions(stack.store, guard, () => SYSTEM_ACTOR), 0);
  assert.equal(await stack.store.db.collection('retention_intents').countDocuments({}), 0, 'the forged intents are dropped');
  await untouched();
});

test('a profile that deletes from the mailbox after archiving leaves the held archived copies, which then outlast the policy', async () => {
  const megan = DEMO_USERS.megan;
  assert.equal((await call(stack, ADMIN, 'POST', '/admin/directory/sync')).status, 200);
  assert.equal((await call(stack, ADMIN, 'POST', '/compliance/holds', { name: 'Megan', reason: 'Inquiry', kind: 'archives', archives: [megan.id] })).status, 201);
  const before = await mailCount(stack, megan.upn, { only: ['Inbox'] });
  const id = await createProfile(stack, ADMIN, {
    name: 'Megan inbox, delete after a day',
    source: { kind: 'single-mailbox', mailbox: megan.upn },
    folders: { include: ['inbox'] },
    deletion: { mode: 'delete-after-archiving', olderThanDays: 1 },
  });
  const run = await runProfile(stack, id);
  assert.equal(run.status, 'succeeded', JSON.stringify(run.mailboxes[0].recentErrors));
  assert.ok(run.mailboxes[0].deleted > 0, 'the mailbox copies older than a day went');
  assert.equal(await mailCount(stack, megan.upn, { only: ['Inbox'] }), before - run.mailboxes[0].deleted);
  const archived = await itemIds(stack.store, megan.id);
  assert.equal(archived.length, run.mailboxes[0].archived);
  const result = await runDisposal(deps());
  assert.ok((result.kept.hold ?? 0) >= archived.length);
  assert.deepEqual(await itemIds(stack.store, megan.id), archived, 'the archive keeps every held copy');
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyAuditChain } from '../../backend/src/access';
import { mailboxCopyMayGo } from '../../backend/src/retention';
import { runDisposal } from '../../backend/src/retention/disposal';
import type { Stack } from '../helpers/stack';
import { ADMIN, ALEX, MEGAN, SECOND_ADMIN, archive, blobExists, call, itemIds, retentionStack, type Archived } from './helpers';

let stack: Stack;
const run = () => runDisposal({ store: stack.store, graph: null });
const search = async (upn: string, archiveId: string, q: string) => (await call(stack, upn, 'GET', `/search?archive=${archiveId}&q=${encodeURIComponent(q)}&limit=100`)).body;

before(async () => {
  stack = await retentionStack();
});
after(async () => {
  await stack?.close();
});

const policy = (name: string, minDays: number, maxDays: number | null, scope: Record<string, unknown> = { tenant: true }, folders: string[] = []) => ({
  rules: { name, minDays, maxDays, scope, folders },
});

test('a disposal run deletes what is due, keeps held and too-young mail, frees bytes no other archive needs, and logs and audits each message', async () => {
  const megan: Archived[] = [];
  for (let n = 0; n < 12; n++) megan.push(await archive(stack.store, MEGAN.id, n, 400 + n)); // due
  for (let n = 12; n < 16; n++) megan.push(await archive(stack.store, MEGAN.id, n, 20)); // young
  // Alex holds copies of two of Megan's old messages, received 20 days ago in his mailbox: the blob must stay.
  const shared = [await archive(stack.store, ALEX.id, 1, 400 + 1), await archive(stack.store, ALEX.id, 2, 400 + 2)];
  const dan = megan.filter((a) => a.m.from === 'dan@contractor.example' && a.m.receivedAt < new Date(Date.now() - 365 * 86_400_000));
  assert.ok(dan.length > 0, 'some due mail is from the contractor');

  const created = await call(stack, ADMIN, 'POST', '/admin/retention/policies', policy('Seven years... or one', 30, 365, { archives: [MEGAN.id] }));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.applied, true);
  const hold = await call(stack, ADMIN, 'POST', '/compliance/holds', { name: 'Contractor dispute', reason: 'Claim 2026-17', kind: 'query', query: 'from:dan@contractor.example' });
  assert.equal(hold.status, 201, JSON.stringify(hold.body));

  const result = await run();
  const due = megan.filter((a) => a.m.receivedAt < new Date(Date.now() - 365 * 86_400_000));
  const gone = due.filter((a) => !dan.includes(a));
  assert.equal(result.disposed, gone.length);
  assert.equal(result.kept.hold, dan.length);
  const left = await itemIds(stack.store, MEGAN.id);
  assert.deepEqual(left, megan.filter((a) => !gone.includes(a)).map((a) => a.id).sort(), 'due mail went; held and young mail stayed');
  assert.equal((await itemIds(stack.store, ALEX.id)).length, 2, 'other archives are untouched');

  // Search agrees: not a hit, not a count.
  const all = await search(MEGAN.upn, MEGAN.id, '');
  assert.equal(all.total, left.length);
  assert.deepEqual(all.value.map((h: { id: string }) => h.id).sort(), left);
  assert.equal((await search(ALEX.upn, ALEX.id, '')).total, 2, "Alex's copies are still found");

  for (const a of gone) assert.equal(await blobExists(stack.store, a.sha256), shared.some((s) => s.sha256 === a.sha256), `blob of ${a.m.n}: kept only where another archive refers to it`);
  // The disposal log outlives the messages and says whether the bytes went.
  const log = await call(stack, SECOND_ADMIN, 'GET', `/compliance/disposals?kind=disposal&limit=500`);
  assert.equal(log.status, 200);
  const logged = new Map(log.body.value.map((e: { sha256: string; blob: string; ref: string[] }) => [e.sha256, e]));
  for (const a of gone) {
    const e = logged.get(a.sha256) as { blob: string; ref: string[] } | undefined;
    assert.ok(e, `log entry for ${a.m.n}`);
    assert.equal(e.blob, shared.some((s) => s.sha256 === a.sha256) ? 'kept' : 'erased');
    assert.deepEqual(e.ref, [created.body.policy.id]);
  }
  // Every disposal is in the audit trail: which message, which policy, when; the chain still verifies.
  const audits = await stack.store.db.collection('audit').find({ action: 'retention-dispose' }).toArray();
  const audited = audits.flatMap((e) => (e.details as { messages: { sha256: string; why: string[] }[] }).messages);
  assert.deepEqual(audited.map((m) => m.sha256).sort(), gone.map((a) => a.sha256).sort());
  assert.ok(audited.every((m) => m.why[0] === created.body.policy.id));
  assert.equal((await verifyAuditChain(stack.store)).ok, true);

  // "Delete from the mailbox after archiving" asks before each deletion: a copy retention removed is no copy to rely on.
  assert.match((await mailboxCopyMayGo(stack.store, MEGAN.id, gone[0]!.sha256)) ?? '', /no longer in the archive/);
  assert.equal(await mailboxCopyMayGo(stack.store, MEGAN.id, dan[0]!.sha256), null, 'a held copy is kept: the mailbox copy may go');

  // A second run finds nothing more to do.
  const again = await run();
  assert.equal(again.disposed, 0);
});

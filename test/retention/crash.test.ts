/**
 * Disposal and erasure killed with SIGKILL at each of their steps (between any two kinds of
 * write), then run again: the second run must finish the work, leaving no blob without a record
 * that needs it, no record without its blob, no message findable that went and none missing that
 * stayed, and every deleted message in the log and the audit trail.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { verifyAuditChain } from '../../backend/src/access';
import { runDisposal } from '../../backend/src/retention/disposal';
import { runErasure } from '../../backend/src/retention/erasure';
import type { Step } from '../../backend/src/failpoint';
import { parseQuery } from '../../backend/src/search/query';
import { searchIndex } from '../../backend/src/search/service';
import { advanceErasureRequest, insertErasureRequest } from '../../backend/src/store/erasures';
import { insertHold } from '../../backend/src/store/holds';
import { insertPolicy } from '../../backend/src/store/retention-policies';
import { testStore, type TestStore } from '../helpers/db';
import { waitFor } from '../helpers/stack';
import { archive, blobExists, type Archived } from './helpers';

const STEPS: Step[] = ['after-intents', 'after-index', 'after-items', 'after-fences', 'after-message-docs', 'after-blob-files', 'after-blobs', 'after-audit'];
const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const LOCK_MS = 1500;
const ALICE = 'alice@contoso.example';
const CAROL = 'carol@fabrikam.example';
const actor = { oid: 'test', upn: 'test@contoso.example' };
const stores: TestStore[] = [];
after(async () => {
  for (const s of stores) await s.drop();
});

interface Scenario {
  store: TestStore;
  all: Archived[];
  /** What must be gone after the run. */
  gone: Archived[];
  arg: string;
}

/** Archive A: old mail, two young messages, Carol's mail under a query hold; archive B: young copies of three of A's. */
async function scenario(mode: 'disposal' | 'erasure', step: string): Promise<Scenario> {
  const store = await testStore(`retention_crash_${mode}`);
  stores.push(store);
  const a: Archived[] = [];
  for (let n = 0; n < 8; n++) a.push(await archive(store, 'crash-a', n, 900));
  for (let n = 8; n < 10; n++) a.push(await archive(store, 'crash-a', n, 20));
  const b = [await archive(store, 'crash-b', 0, 20), await archive(store, 'crash-b', 1, 20), await archive(store, 'crash-b', 4, 20)];
  await insertHold(store, { name: 'Carol', reason: 'test', kind: 'query', archives: [], query: `from:${CAROL}`, caseId: null, visibleToUsers: false, createdBy: actor, endsAt: null });
  const heldOrYoung = (x: Archived) => x.m.from === CAROL || x.m.receivedAt > new Date(Date.now() - 365 * 86_400_000);
  const all = [...a, ...b];
  if (mode === 'disposal') {
    await insertPolicy(store, { active: { name: 'One year', description: '', minDays: 0, maxDays: 365, scope: { tenant: true, archives: [], groups: [], sharedMailboxes: false, journal: false }, folders: [] }, pending: null, createdBy: actor, approvedBy: null });
    return { store, all, gone: all.filter((x) => !heldOrYoung(x)), arg: 'disposal' };
  }
  const request = await insertErasureRequest(store, { addresses: [ALICE], from: null, to: null, reason: `crash ${step}`, requestedBy: actor });
  await advanceErasureRequest(store, request._id, ['pending'], { state: 'approved' });
  return { store, all, gone: all.filter((x) => (x.m.from === ALICE || x.m.to === ALICE) && x.m.from !== CAROL), arg: `erasure:${request._id}` };
}

function runChild(s: Scenario, step: Step): Promise<NodeJS.Signals | number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, s.arg], {
    env: { ...process.env, MONGODB_DB: s.store.dbName, CRASH_AT_STEP: step, RETENTION_LOCK_MS: String(LOCK_MS) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
}

/** The run again, once the dead run's lock has expired. */
async function runAgain(s: Scenario): Promise<void> {
  const deps = { store: s.store, graph: null };
  await waitFor('the dead run’s lock to expire', async () => {
    try {
      if (s.arg === 'disposal') await runDisposal(deps, { lockMs: LOCK_MS });
      else await runErasure(deps, s.arg.slice('erasure:'.length), { lockMs: LOCK_MS });
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'RETENTION_BUSY') return undefined;
      throw err;
    }
  }, 30_000, 250);
}

async function checkConsistent(s: Scenario, label: string): Promise<void> {
  const { store } = s;
  assert.equal(await store.db.collection('retention_intents').countDocuments({}), 0, `${label}: no intent is left over`);
  const items = await store.db.collection<{ _id: string; sha256: string; archiveId: string }>('items').find({}).toArray();
  const kept = s.all.filter((x) => !s.gone.includes(x));
  assert.deepEqual(items.map((i) => i._id).sort(), kept.map((x) => x.id).sort(), `${label}: exactly the kept mail is left`);
  for (const sha of new Set(s.all.map((x) => x.sha256))) {
    const needed = items.some((i) => i.sha256 === sha);
    assert.equal(await blobExists(store, sha), needed, `${label}: blob ${sha.slice(0, 8)} exists exactly when a record needs it`);
    assert.equal((await store.db.collection('messages').countDocuments({ _id: sha as never })) === 1, needed, `${label}: message document ${sha.slice(0, 8)} likewise`);
    if (needed) assert.ok(await store.blobs.verify(sha), `${label}: blob ${sha.slice(0, 8)} reads back whole`);
  }
  for (const archiveId of ['crash-a', 'crash-b']) {
    const found = await searchIndex(store, [archiveId], parseQuery(''), { limit: 100 });
    assert.deepEqual(found.value.map((h) => h.id).sort(), kept.filter((x) => x.archiveId === archiveId).map((x) => x.id).sort(), `${label}: search in ${archiveId} finds exactly what is left`);
    assert.equal(found.total, kept.filter((x) => x.archiveId === archiveId).length);
  }
  const log = await store.db.collection<{ archiveId: string; sha256: string }>('retention_log').find({}).toArray();
  assert.deepEqual(log.map((e) => `${e.archiveId}:${e.sha256}`).sort(), s.gone.map((x) => x.id).sort(), `${label}: one log entry per message gone`);
  const audited = (await store.db.collection('audit').find({ action: { $in: ['retention-dispose', 'erasure-erase'] } }).toArray()).flatMap((e) => (e.details as { messages: { id: string }[] }).messages.map((m) => m.id));
  assert.deepEqual([...new Set(audited)].sort(), s.gone.map((x) => x.id).sort(), `${label}: every message gone is in the audit trail`);
  assert.equal((await verifyAuditChain(store)).ok, true);
  const removed = await store.db.collection<{ content: { event: string; archiveId: string; blobId: string } }>('ledger_queue').find({ 'content.event': 'removed' }).toArray();
  assert.deepEqual(removed.map((e) => `${e.content.archiveId}:${e.content.blobId}`).sort(), s.gone.map((x) => x.id).sort(), `${label}: the integrity ledger is told of every message gone, once`);
}

for (const mode of ['disposal', 'erasure'] as const) {
  test(`${mode} killed with SIGKILL at each step is completed by the next run, consistently`, async () => {
    const reference = await scenario(mode, 'none');
    await runAgain(reference);
    assert.ok(reference.gone.length >= 3 && reference.gone.length < reference.all.length, 'the scenario deletes some mail and keeps some');
    await checkConsistent(reference, 'without a crash');
    for (const step of STEPS) {
      const s = await scenario(mode, step);
      assert.equal(await runChild(s, step), 'SIGKILL', `the run reached ${step} and died there`);
      await runAgain(s);
      await checkConsistent(s, `killed ${step}`);
    }
  });
}

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from '../../backend/src/store';
import {
  childrenSummary,
  claimNext,
  claimOf,
  complete,
  enqueue,
  getJob,
  heartbeat,
  listJobs,
  pruneJobs,
  repairUnclaimableJobs,
  requestCancel,
  updateProgress,
} from '../../backend/src/store/jobs';
import { testStore, watchedStore, type TestStore } from '../helpers/db';
import { secondConnection } from './helpers';

let store: TestStore;
let other: Store;
before(async () => {
  store = await testStore();
  other = await secondConnection(store.dbName);
});
after(async () => {
  await other?.close();
  await store?.drop();
});

test('enqueueing the same key twice returns the first job', async () => {
  const first = await enqueue(store, { type: 'dedupe', key: 'sched:x:2025-01-01T00:00:00.000Z', payload: { n: 1 } });
  const second = await enqueue(other, { type: 'dedupe', key: 'sched:x:2025-01-01T00:00:00.000Z', payload: { n: 2 } });
  assert.equal(second._id, first._id);
  assert.deepEqual(second.payload, { n: 1 });
  const plain = await Promise.all([enqueue(store, { type: 'dedupe' }), enqueue(store, { type: 'dedupe' })]);
  assert.notEqual(plain[0]._id, plain[1]._id, 'jobs without a key never collide');
  assert.equal(plain[0].key, plain[0]._id);
});

test('many claimers racing over the same queue claim each job exactly once', async () => {
  const ids = new Set<string>();
  for (let i = 0; i < 30; i += 1) ids.add((await enqueue(store, { type: 'race' }))._id);
  const claimed: string[] = [];
  await Promise.all(
    Array.from({ length: 8 }, async (_, n) => {
      const conn = n % 2 === 0 ? store : other;
      for (;;) {
        const job = await claimNext(conn, `claimer-${n}`, ['race'], 60_000);
        if (job) claimed.push(job._id);
        // Losing every race in one pass is no proof that the queue is empty.
        else if ((await listJobs(conn, { type: 'race', status: 'queued' })).length === 0) return;
      }
    }),
  );
  assert.equal(claimed.length, 30, `claims: ${claimed.length}`);
  assert.deepEqual(new Set(claimed), ids);
  const jobs = await listJobs(store, { type: 'race', limit: 100 });
  assert.ok(jobs.every((j) => j.status === 'running' && j.attempts === 1));
});

test('a claim whose claimer died half-way does not block the job for ever', async () => {
  const job = await enqueue(store, { type: 'orphan-claim' });
  await store.db.collection('job_claims').insertOne({ _id: `${job._id}:0:none` as never, jobId: job._id, owner: 'ghost', at: new Date(Date.now() - 5 * 60_000) });
  const claimed = await claimNext(store, 'B', ['orphan-claim'], 60_000);
  assert.equal(claimed?._id, job._id);
});

test('a job whose enqueuer died between its two inserts becomes claimable at the next repair, once', async () => {
  const job = await enqueue(store, { type: 'half-queued', payload: { n: 1 } });
  await store.db.collection('job_active').deleteOne({ _id: job._id as never });
  assert.equal(await claimNext(store, 'A', ['half-queued'], 60_000), null, 'without its active state nobody can claim it');
  // A process starting while a live enqueuer is between the two inserts must leave the job to it.
  assert.equal(await repairUnclaimableJobs(store, job.createdAt), 0, 'a job created since the repairer started is not its business');
  assert.equal(await repairUnclaimableJobs(store), 1);
  assert.equal(await repairUnclaimableJobs(other), 0, 'a second repair finds nothing');
  const claimed = await claimNext(store, 'A', ['half-queued'], 60_000);
  assert.deepEqual([claimed?._id, claimed?.payload], [job._id, { n: 1 }]);
  assert.equal(await complete(store, claimOf(claimed!), 'done'), true);
  assert.equal(await repairUnclaimableJobs(store), 0, 'a finished job is not revived');
  assert.equal(await claimNext(store, 'B', ['half-queued'], 60_000), null);
});

test('a takeover fences the previous owner out', async () => {
  const job = await enqueue(store, { type: 'fence' });
  const a = (await claimNext(store, 'A', ['fence'], 30))!;
  await sleep(60);
  const b = (await claimNext(other, 'B', ['fence'], 60_000))!;
  assert.equal(b._id, a._id);
  assert.equal(b.attempts, 2);
  assert.deepEqual(await heartbeat(store, claimOf(a), 60_000), { held: false, cancelRequested: false });
  assert.equal(await updateProgress(store, claimOf(a), { set: { phase: 'late' } }), false);
  assert.equal(await complete(store, claimOf(a), 'from A'), false);
  assert.equal(await complete(other, claimOf(b), 'from B'), true);
  const done = (await getJob(store, job._id))!;
  assert.equal(done.status, 'succeeded');
  assert.equal(done.result, 'from B');
  assert.equal(done.lease, null);
});

test('the same owner claiming again does not revive its older claim', async () => {
  await enqueue(store, { type: 'reclaim' });
  const first = (await claimNext(store, 'A', ['reclaim'], 30))!;
  await sleep(60);
  const second = (await claimNext(store, 'A', ['reclaim'], 60_000))!;
  assert.equal(second._id, first._id);
  assert.equal((await heartbeat(store, claimOf(first), 60_000)).held, false);
  assert.equal((await heartbeat(store, claimOf(second), 60_000)).held, true);
});

test('a job whose lease expires on its last attempt fails instead of running again', async () => {
  const job = await enqueue(store, { type: 'last-attempt', maxAttempts: 1 });
  await claimNext(store, 'A', ['last-attempt'], 20);
  await sleep(50);
  assert.equal(await claimNext(other, 'B', ['last-attempt'], 60_000), null);
  const failed = (await getJob(store, job._id))!;
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error?.code, 'LEASE_EXPIRED');
});

test('progress sets nested fields and adds to counters; bad paths are refused', async () => {
  await enqueue(store, { type: 'progress-paths' });
  const job = (await claimNext(store, 'A', ['progress-paths'], 60_000))!;
  assert.ok(await updateProgress(store, claimOf(job), { set: { phase: 'crawl', 'folder.name': 'Inbox' }, inc: { found: 2, 'folder.items': 5 } }));
  assert.ok(await updateProgress(store, claimOf(job), { inc: { found: 3 } }));
  assert.deepEqual((await getJob(store, job._id))!.progress, { phase: 'crawl', folder: { name: 'Inbox', items: 5 }, found: 5 });
  await assert.rejects(updateProgress(store, claimOf(job), { set: { $where: 1 } }), /Invalid progress path/);
});

test('cancelling a queued job with queued children cancels them all and reports it', async () => {
  const parent = await enqueue(store, { type: 'tree' });
  const children = await Promise.all([1, 2, 3].map((n) => enqueue(store, { type: 'tree-child', key: `tree:${parent._id}:${n}`, parentId: parent._id })));
  assert.equal(await requestCancel(store, parent._id), true);
  assert.equal((await getJob(store, parent._id))!.status, 'cancelled');
  for (const child of children) assert.equal((await getJob(store, child._id))!.status, 'cancelled');
  assert.deepEqual(await childrenSummary(store, parent._id), { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 3, total: 3 });
  assert.equal(await requestCancel(store, parent._id), false, 'a finished job cannot be cancelled again');
  assert.equal(await claimNext(store, 'A', ['tree', 'tree-child'], 60_000), null);
  const late = await enqueue(store, { type: 'tree-child', parentId: parent._id });
  assert.equal(late.status, 'cancelled', 'children of a cancelled job are born cancelled');
});

test('a cancel request reaches the running owner through its heartbeat', async () => {
  const job = await enqueue(store, { type: 'cancel-running' });
  const claimed = (await claimNext(store, 'A', ['cancel-running'], 60_000))!;
  assert.equal(await requestCancel(other, job._id), true);
  assert.equal((await getJob(store, job._id))!.cancelRequested, true);
  assert.deepEqual(await heartbeat(store, claimOf(claimed), 60_000), { held: true, cancelRequested: true });
});

test('pruning deletes old finished jobs with their children and keeps the rest', async () => {
  const old = await enqueue(store, { type: 'prune' });
  const child = await enqueue(store, { type: 'prune-child', parentId: old._id });
  const unfinished = await enqueue(store, { type: 'prune' });
  await requestCancel(store, old._id);
  assert.equal((await getJob(store, child._id))!.status, 'cancelled');
  const recent = await enqueue(store, { type: 'prune' });
  await requestCancel(store, recent._id);
  const cutoff = new Date(Date.now() + 1);
  await store.db.collection('jobs').updateOne({ _id: recent._id as never }, { $set: { finishedAt: new Date(Date.now() + 60_000) } });
  assert.ok((await pruneJobs(store, cutoff)) >= 2, 'the old job and its child (and earlier tests’ finished jobs)');
  assert.equal(await getJob(store, old._id), null);
  assert.equal(await getJob(store, child._id), null);
  assert.equal((await getJob(store, unfinished._id))!.status, 'queued');
  assert.equal((await getJob(store, recent._id))!.status, 'cancelled');
});

test('a job costs few commands: enqueued with two inserts, claimed and completed without reading back what the worker knows', async () => {
  const { store: watched, commands: seen } = await watchedStore(store.dbName);
  try {
    await enqueue(watched, { type: 'warm-up' }); // the indexes are ensured once per connection
    seen.length = 0;
    const queued = await enqueue(watched, { type: 'counted', payload: { n: 1 } });
    assert.deepEqual(seen, ['insert jobs', 'insert job_active']);
    assert.equal(queued.status, 'queued');
    seen.length = 0;
    const job = await claimNext(watched, 'w1', ['counted'], 30_000);
    assert.equal(job?._id, queued._id);
    assert.deepEqual([job?.status, job?.attempts, job?.payload, job?.cancelRequested], ['running', 1, { n: 1 }, false]);
    assert.equal(seen.filter((c) => c === 'find job_active' || c === 'find job_cancels').length, 2, seen.join('\n'));
    assert.ok(await complete(watched, claimOf(job!), { ok: true }));
    assert.equal((await getJob(store, queued._id))?.status, 'succeeded');
  } finally {
    await watched.close();
  }
});

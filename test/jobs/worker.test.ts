import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWorker, type JobHandler, type Worker } from '../../backend/src/jobs/worker';
import type { Store } from '../../backend/src/store';
import { childrenSummary, claimNext, claimOf, complete, enqueue, getJob, listJobs, onJobQueued, requestCancel } from '../../backend/src/store/jobs';
import { testStore, type TestStore } from '../helpers/db';
import { secondConnection, untilAborted, waitFor } from './helpers';

let store: TestStore;
let other: Store;
const workers: Worker[] = [];
before(async () => {
  store = await testStore();
  other = await secondConnection(store.dbName);
});
after(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await other?.close();
  await store?.drop();
});

// Leases long enough that a loaded CI machine never lets a live heartbeat lapse (a lapse is a
// takeover, which re-runs the job by design); polls short so the tests stay fast.
const fast = { leaseMs: 5_000, pollMs: 20, retryBaseMs: 40 };

function worker(conn: Store, owner: string, handlers: Record<string, JobHandler>, concurrency = 2): Worker {
  const w = startWorker({ store: conn, owner, handlers, concurrency, ...fast });
  workers.push(w);
  return w;
}

async function stopAll(...list: Worker[]) {
  await Promise.all(list.map((w) => w.stop()));
}

const statusOf = async (id: string) => (await getJob(store, id))?.status;

test('two workers share forty jobs and run each exactly once', async () => {
  const runs: { jobId: string; owner: string }[] = [];
  const handler =
    (owner: string): JobHandler =>
    async (ctx) => {
      runs.push({ jobId: ctx.job._id, owner });
      await sleep(5 + Math.random() * 15);
      return { by: owner };
    };
  const a = worker(store, 'A', { share: handler('A') });
  const b = worker(other, 'B', { share: handler('B') });
  const ids: string[] = [];
  for (let i = 0; i < 40; i += 1) ids.push((await enqueue(store, { type: 'share', payload: { i } }))._id);
  await waitFor('all forty jobs to succeed', async () => (await Promise.all(ids.map(statusOf))).every((s) => s === 'succeeded'), 15_000);
  await stopAll(a, b);
  assert.equal(runs.length, 40);
  assert.equal(new Set(runs.map((r) => r.jobId)).size, 40);
  const byA = runs.filter((r) => r.owner === 'A').length;
  assert.ok(byA > 0 && byA < 40, `A ran ${byA} of 40, B the rest`);
  for (const id of ids) assert.equal((await getJob(store, id))!.attempts, 1);
});

test("a dead worker's job is taken over once its lease expires, and its late result is refused", async () => {
  const job = await enqueue(store, { type: 'takeover' });
  const dead = (await claimNext(store, 'dead-A', ['takeover'], 100))!;
  assert.equal(dead._id, job._id);
  const seen: number[] = [];
  const b = worker(other, 'B', {
    takeover: async (ctx) => {
      seen.push(ctx.job.attempts);
      return 'done by B';
    },
  });
  const done = await waitFor('B to finish the job', async () => ((await statusOf(job._id)) === 'succeeded' ? getJob(store, job._id) : null));
  await stopAll(b);
  assert.deepEqual(seen, [2], 'B ran it once, as attempt 2');
  assert.equal(done.result, 'done by B');
  assert.equal(await complete(store, claimOf(dead), 'late from A'), false);
  assert.equal((await getJob(store, job._id))!.result, 'done by B');
});

test('cancelling a running job aborts its handler and marks it cancelled', async () => {
  let abortedWith: unknown;
  const w = worker(store, 'A', {
    'cancel-me': async (ctx) => {
      await ctx.progress({ phase: 'waiting' });
      try {
        return await untilAborted(ctx.signal);
      } catch (err) {
        abortedWith = err;
        throw err;
      }
    },
  });
  const job = await enqueue(store, { type: 'cancel-me' });
  await waitFor('the job to run', async () => (await getJob(store, job._id))?.progress.phase === 'waiting');
  assert.equal(await requestCancel(other, job._id), true);
  await waitFor('the job to be cancelled', async () => (await statusOf(job._id)) === 'cancelled');
  await stopAll(w);
  assert.equal((abortedWith as Error).name, 'AbortError');
  assert.equal((abortedWith as { why: string }).why, 'cancelled');
});

test('cancelling a parent cancels its queued and running children', async () => {
  const w = worker(store, 'A', {
    parent: async (ctx) => {
      await ctx.enqueueChild({ type: 'busy-child', key: `busy:${ctx.job._id}` });
      for (const n of [1, 2, 3]) await ctx.enqueueChild({ type: 'idle-child', key: `idle:${ctx.job._id}:${n}` });
      return untilAborted(ctx.signal);
    },
    'busy-child': async (ctx) => untilAborted(ctx.signal),
  });
  const parent = await enqueue(store, { type: 'parent' });
  await waitFor('the busy child to run', async () => {
    const s = await childrenSummary(store, parent._id);
    return s.running === 1 && s.queued === 3;
  });
  await requestCancel(store, parent._id);
  await waitFor('the whole tree to be cancelled', async () => {
    const s = await childrenSummary(store, parent._id);
    return (await statusOf(parent._id)) === 'cancelled' && s.cancelled === 4;
  });
  await stopAll(w);
});

test('a failing attempt is retried after a backoff and succeeds on attempt 2', async () => {
  const attempts: { n: number; at: number }[] = [];
  const w = worker(store, 'A', {
    flaky: async (ctx) => {
      attempts.push({ n: ctx.job.attempts, at: Date.now() });
      if (ctx.job.attempts === 1) throw new Error('Graph said 503');
      return 'ok';
    },
  });
  const job = await enqueue(store, { type: 'flaky' });
  await waitFor('the retry to succeed', async () => (await statusOf(job._id)) === 'succeeded');
  await stopAll(w);
  assert.deepEqual(attempts.map((a) => a.n), [1, 2]);
  assert.ok(attempts[1]!.at - attempts[0]!.at >= fast.retryBaseMs / 2, 'waited at least half the base backoff');
  const done = (await getJob(store, job._id))!;
  assert.equal(done.attempts, 2);
  assert.equal(done.error?.message, 'Graph said 503', 'the last error stays visible');
});

test('a job that keeps failing ends failed with its error after maxAttempts', async () => {
  let runs = 0;
  const w = worker(store, 'A', {
    broken: async () => {
      runs += 1;
      throw Object.assign(new Error(`mailbox not found (run ${runs})`), { code: 'MAILBOX_NOT_FOUND' });
    },
  });
  const job = await enqueue(store, { type: 'broken', maxAttempts: 3 });
  await waitFor('the job to fail', async () => (await statusOf(job._id)) === 'failed');
  await stopAll(w);
  const failed = (await getJob(store, job._id))!;
  assert.equal(runs, 3);
  assert.equal(failed.attempts, 3);
  assert.deepEqual(failed.error, { message: 'mailbox not found (run 3)', code: 'MAILBOX_NOT_FOUND' });
});

test('ten children adding to their parent at the same time add up exactly', async () => {
  const handlers: Record<string, JobHandler> = {
    'sum-parent': async (ctx) => {
      for (let i = 0; i < 10; i += 1) await ctx.enqueueChild({ type: 'sum-child', key: `sum:${ctx.job._id}:${i}` });
      await Promise.all(Array.from({ length: 5 }, () => ctx.progress(undefined, { own: 1 })));
      for (;;) {
        const s = await childrenSummary(store, ctx.job._id);
        if (s.succeeded === 10) return s;
        await sleep(10);
      }
    },
    'sum-child': async (ctx) => {
      await Promise.all(Array.from({ length: 20 }, () => ctx.addToParent({ messages: 1, bytes: 10 })));
      await Promise.all(Array.from({ length: 5 }, (_, i) => ctx.progress({ last: i }, { steps: 1 })));
      return null;
    },
  };
  const a = worker(store, 'A', handlers, 6);
  const b = worker(other, 'B', handlers, 6);
  const parent = await enqueue(store, { type: 'sum-parent' });
  await waitFor('the parent to finish', async () => (await statusOf(parent._id)) === 'succeeded', 15_000);
  await stopAll(a, b);
  const done = (await getJob(store, parent._id))!;
  assert.deepEqual(done.progress, { own: 5, messages: 200, bytes: 2000 });
  for (const child of await listJobs(store, { parentId: parent._id, limit: 20 })) assert.equal(child.progress.steps, 5);
});

test('stopping a worker gives its running job back to the queue without using up an attempt', async () => {
  let started = 0;
  const w = worker(store, 'A', {
    long: async (ctx) => {
      started += 1;
      return untilAborted(ctx.signal);
    },
  });
  const job = await enqueue(store, { type: 'long' });
  await waitFor('the job to start', () => started === 1);
  await w.stop();
  const back = (await getJob(store, job._id))!;
  assert.equal(back.status, 'queued');
  assert.equal(back.attempts, 0);
  assert.equal(back.lease, null);
  const next = worker(other, 'B', { long: async () => 'finished by B' });
  await waitFor('another worker to finish it', async () => (await statusOf(job._id)) === 'succeeded');
  await stopAll(next);
});

test('a job queued in the worker\'s own process starts at once, not at the next poll', async () => {
  const started: number[] = [];
  const w = startWorker({ store, owner: 'prompt', handlers: { prompt: async () => void started.push(Date.now()) }, concurrency: 2, leaseMs: 5_000, pollMs: 30_000 });
  workers.push(w);
  await sleep(300); // its first look found nothing: it now waits for its next poll, 30 s away
  for (let i = 0; i < 3; i++) {
    const queuedAt = Date.now();
    const { _id } = await enqueue(store, { type: 'prompt' });
    await waitFor('the job to run', async () => ((await statusOf(_id)) === 'succeeded' ? true : undefined), 5_000);
    assert.ok(started[i]! - queuedAt < 2_000, `started ${started[i]! - queuedAt} ms after it was queued`);
    await sleep(100);
  }
  await stopAll(w);
});

test('a job\'s children wake nobody: a run\'s mailboxes are found by polling, so every process gets a share', async () => {
  const woken: string[] = [];
  const unsubscribe = onJobQueued(store.db, ['fan-parent', 'fan-child'], () => void woken.push('woken'));
  try {
    const parent = await enqueue(store, { type: 'fan-parent' });
    assert.equal(woken.length, 1, 'a job queued on its own wakes this process\'s workers');
    for (let i = 0; i < 4; i++) await enqueue(store, { type: 'fan-child', parentId: parent._id });
    assert.equal(woken.length, 1, 'its four children woke nobody');
  } finally {
    unsubscribe();
  }
});

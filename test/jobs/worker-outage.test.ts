// A database that is away for longer than a job's lease (a restart of MongoDB, a failover, FerretDB
// restarted) is no fault of the job: it must not cost the job an attempt, nor run its handler again
// after it finished. The database here is a real server of the test's own, stopped and started.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { mongo } from 'mongoose';
import { ownDatabase, type OwnDatabase } from '../helpers/own-database';
import { openStore, type Store } from '../../backend/src/store';
import { JobAbortedError, startWorker, type JobHandler, type Worker } from '../../backend/src/jobs/worker';
import { DATABASE_UNAVAILABLE, enqueue, getJob } from '../../backend/src/store/jobs';
import { untilAborted, waitFor } from './helpers';
import { tcpProxy } from '../helpers/tcp-proxy';

// Renewals every 500 ms; each fails after 300 ms of server selection while the database is away,
// so a 4 s outage refuses every renewal of a lease several times over.
const LEASE_MS = 1_500;
const OUTAGE_MS = 4_000;
let db: OwnDatabase;
let store: Store;
const workers: Worker[] = [];

before(async () => {
  db = await ownDatabase();
  store = await openStore({ uri: db.uri, dbName: 'worker-outage', serverSelectionTimeoutMS: 300 });
});
after(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await store?.close();
  await db?.close();
});

function worker(type: string, handler: JobHandler, outageLimitMs?: number): Worker {
  const w = startWorker({ store, owner: `outage-${type}`, handlers: { [type]: handler }, leaseMs: LEASE_MS, pollMs: 50, retryBaseMs: 50, outageLimitMs });
  workers.push(w);
  return w;
}

/** Stops the database, calls `whileAway`, and starts it again after OUTAGE_MS. */
async function outage(whileAway = () => {}): Promise<void> {
  await db.stop();
  whileAway();
  await sleep(OUTAGE_MS);
  await db.start();
}

test('a job whose every lease renewal the database refused is given back, and starts again as the same attempt', { timeout: 60_000 }, async () => {
  const starts: { attempt: number; error: string | undefined }[] = [];
  const aborted: string[] = [];
  const running = signalled();
  worker('cut-off', async (ctx) => {
    starts.push({ attempt: ctx.job.attempts, error: ctx.job.error?.code });
    if (starts.length > 1) return 'done';
    running.fire();
    return abortedWhy(ctx.signal, aborted);
  });
  const job = await enqueue(store, { type: 'cut-off', maxAttempts: 3 });
  await running.fired;
  await outage();
  const done = await ended(job._id, 'the job to succeed after the outage', ['succeeded']);
  assert.deepEqual(aborted, ['cut-off'], 'the first start was stopped as cut off from the database, not as taken over');
  assert.deepEqual(starts, [{ attempt: 1, error: undefined }, { attempt: 1, error: DATABASE_UNAVAILABLE }], 'started again as attempt 1, told why');
  assert.equal(done.attempts, 1);
  assert.equal(done.result, 'done');
});

test('an outcome the database could not take is recorded once it is back, and the handler does not run again', { timeout: 60_000 }, async () => {
  let runs = 0;
  const [running, gate] = [signalled(), signalled()];
  worker('late-outcome', async () => {
    runs += 1;
    running.fire();
    await gate.fired;
    return 'finished during the outage';
  });
  const job = await enqueue(store, { type: 'late-outcome', maxAttempts: 3 });
  await running.fired;
  await outage(gate.fire);
  const done = await ended(job._id, 'the outcome to be recorded', ['succeeded']);
  // Long enough for a takeover of the expired lease to have started the handler again.
  await sleep(LEASE_MS);
  assert.equal(runs, 1, 'the handler ran once');
  assert.equal(done.attempts, 1);
  assert.equal(done.result, 'finished during the outage');
});

test('a job whose handler failed for want of the database is put off, not counted, and runs again once it is back', { timeout: 60_000 }, async () => {
  const starts: { attempt: number; error: string | undefined }[] = [];
  const willRetry: boolean[] = [];
  const [running, away] = [signalled(), signalled()];
  // Any job type: journal filing, an import, an erasure, a retention run all write as they go.
  // Its outage bound (1 s) is shorter than it ran before failing and than the outage: the outage
  // is counted from the failure, and decided then, not when the database takes the outcome.
  worker('put-off', async (ctx) => {
    starts.push({ attempt: ctx.job.attempts, error: ctx.job.error?.code });
    if (starts.length > 1) return 'done';
    running.fire();
    await away.fired;
    try {
      await store.db.collection('written_as_it_goes').insertOne({ at: new Date() });
    } catch (err) {
      willRetry.push(ctx.willRetry(err));
      throw err;
    }
    return 'not reached';
  }, 1_000);
  const job = await enqueue(store, { type: 'put-off', maxAttempts: 1 });
  await running.fired;
  await sleep(1_200);
  await outage(away.fire);
  const done = await ended(job._id, 'the job to succeed after the outage', ['succeeded', 'failed']);
  assert.equal(done.status, 'succeeded', `its only attempt was not spent on the outage: ${done.error?.message}`);
  assert.deepEqual(willRetry, [true], 'the handler was told that its last attempt was not over (an erasure marks its request failed on the last)');
  assert.deepEqual(starts, [{ attempt: 1, error: undefined }, { attempt: 1, error: DATABASE_UNAVAILABLE }], 'started again as attempt 1, told why');
  assert.equal(done.result, 'done');
});

test('a job whose own command drops its connection every time is put off only until its outage bound is spent', { timeout: 60_000 }, async (t) => {
  // FerretDB 1.24 panics on a createIndexes that names two indexes that exist, and drops the
  // connection: to the driver, the database went away. MongoDB has no such command to send.
  if (db.kind !== 'ferretdb') return t.skip('needs FerretDB 1.24, which drops the connection on this command');
  const poison = store.db.collection('poisoned');
  const indexes: mongo.IndexDescription[] = [{ key: { a: 1 }, name: 'a_1' }, { key: { b: 1 }, name: 'b_1' }];
  await poison.createIndexes(indexes);
  const errors: string[] = [];
  const willRetry: boolean[] = [];
  worker('poison', async (ctx) => {
    errors.push(ctx.job.error?.code ?? '');
    await poison.createIndexes(indexes).catch((err: unknown) => {
      willRetry.push(ctx.willRetry(err));
      throw err;
    });
  }, 3_000);
  const job = await enqueue(store, { type: 'poison', maxAttempts: 1 });
  const done = await ended(job._id, 'the job to fail', ['failed']);
  assert.deepEqual(errors, ['', DATABASE_UNAVAILABLE], 'put off once (5 s), then counted: its 3 s bound was spent');
  assert.deepEqual(willRetry, [true, false]);
  assert.equal(done.attempts, 1);
  assert.match(done.error?.message ?? '', /closed/);
});

test('a job given back after a cut-off stays with the process that took it over meanwhile, which could reach the database', { timeout: 60_000 }, async () => {
  // Process A reaches the database through a relay the test cuts (a partition); B reaches it directly.
  const target = new URL(db.uri);
  const relay = await tcpProxy(target.hostname, Number(target.port));
  const viaRelay = new URL(db.uri);
  viaRelay.port = String(relay.port);
  const storeA = await openStore({ uri: viaRelay.href, dbName: 'worker-outage', serverSelectionTimeoutMS: 300 });
  const logA: string[] = [];
  const logger = pino({ level: 'warn' }, new Writable({ write: (line: Buffer, _e, cb) => (logA.push(JSON.parse(line.toString()).msg as string), cb()) }));
  const starts: string[] = [];
  const aborted: string[] = [];
  const [aStarted, bStarted, giveBackDone] = [signalled(), signalled(), signalled()];
  const handler = (name: 'A' | 'B'): JobHandler => async (ctx) => {
    starts.push(`${name}: attempt ${ctx.job.attempts}`);
    if (name === 'B') {
      bStarted.fire();
      await giveBackDone.fired;
      return 'done by B';
    }
    aStarted.fire();
    return abortedWhy(ctx.signal, aborted);
  };
  const a = startWorker({ store: storeA, owner: 'outage-A', handlers: { partition: handler('A') }, leaseMs: LEASE_MS, pollMs: 50, logger });
  try {
    const job = await enqueue(store, { type: 'partition', maxAttempts: 3 });
    await aStarted.fired;
    workers.push(startWorker({ store, owner: 'outage-B', handlers: { partition: handler('B') }, leaseMs: LEASE_MS, pollMs: 50 }));
    relay.cut();
    await bStarted.fired;
    relay.restore();
    // B is still running the job when A's give-back reaches the database.
    await waitFor("A's give-back to reach the database", () => logA.includes('the job was no longer leased to this worker; outcome dropped'), 30_000);
    giveBackDone.fire();
    const done = await ended(job._id, 'the job to end', ['succeeded', 'failed']);
    await sleep(LEASE_MS);
    assert.deepEqual(aborted, ['cut-off'], 'A stopped its handler as cut off');
    assert.ok(logA.includes('the database was unavailable for a whole lease; the job is given back, the attempt not counted'));
    assert.equal(done.status, 'succeeded');
    assert.equal(done.result, 'done by B', "B's outcome was recorded: A's give-back did not take the job from it");
    assert.deepEqual(starts, ['A: attempt 1', 'B: attempt 2'], 'B took over the expired lease as the next attempt, and nobody ran the job again');
  } finally {
    await a.stop();
    await storeA.close();
    await relay.close();
  }
});

function signalled(): { fire(): void; fired: Promise<void> } {
  let fire = () => {};
  const fired = new Promise<void>((resolve) => (fire = resolve));
  return { fire, fired };
}

/** The job once its status is one of `statuses` (reads fail while the database is away). */
function ended(jobId: string, what: string, statuses: readonly string[]) {
  return waitFor(what, async () => {
    const j = await getJob(store, jobId).catch(() => null);
    return j && statuses.includes(j.status) ? j : null;
  }, 30_000);
}

/** Waits for the handler's signal to abort it, noting why in `causes`. */
function abortedWhy(signal: AbortSignal, causes: string[]): Promise<never> {
  return untilAborted(signal).catch((err: unknown) => {
    causes.push(err instanceof JobAbortedError ? err.why : String(err));
    throw err;
  });
}

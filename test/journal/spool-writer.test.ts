// The gateway's group commit: reports written while an insert is in flight share the next
// insert, and one job is queued per short window. The invariant the recovery sweep relies on:
// every spooled report names, in its jobKey, the one job whose payload lists it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackPressure } from '../../backend/src/journal/back-pressure';
import { SpoolWriter } from '../../backend/src/journal/gateway-receive';
import { journalSenderWait } from '../../backend/src/metrics';
import { claimNext, claimOf, complete } from '../../backend/src/store/jobs';
import { createLogger } from '../../backend/src/log';
import { testStore, type TestStore } from '../helpers/db';
import { waitFor } from '../helpers/stack';

let store: TestStore;
before(async () => {
  store = await testStore();
});
after(async () => {
  await store?.drop();
});

const smtp = { sessionId: 's', remoteAddress: '127.0.0.1', clientHostname: '[127.0.0.1]', helo: 'x', mailFrom: '', rcptTo: ['j@a.example'], secure: false, user: null };
const doc = (i: number) => ({ _id: randomUUID(), mailbox: 'j@a.example', receivedAt: new Date(), sha256: String(i).padStart(64, '0'), size: 10, raw: Buffer.from(`report ${i}`), smtp });

test('concurrent writes are committed in batches and every report is in exactly the job its jobKey names', async () => {
  const writer = new SpoolWriter(store, createLogger('silent'));
  const docs = Array.from({ length: 150 }, (_, i) => doc(i));
  // Three waves, so that windows close both by size and by time.
  for (const wave of [docs.slice(0, 60), docs.slice(60, 70), docs.slice(70)]) {
    await Promise.all(wave.map((d) => writer.write([d])));
    await sleep(250);
  }
  writer.close();
  await sleep(300);

  const spooled = await store.db.collection<{ _id: string; jobKey: string }>('journal_spool').find({}).toArray();
  assert.equal(spooled.length, 150);
  const jobs = await store.db.collection<{ _id: string; payload: { spoolIds: string[] } }>('jobs').find({ type: 'journal-report' }).toArray();
  const jobOf = new Map<string, string>();
  for (const job of jobs) for (const id of job.payload.spoolIds) {
    assert.equal(jobOf.has(id), false, `report ${id} is in two jobs`);
    jobOf.set(id, job._id);
  }
  for (const s of spooled) assert.equal(jobOf.get(s._id), s.jobKey, `report ${s._id}`);
  assert.ok(jobs.length < 150 / 5, `${jobs.length} jobs for 150 reports`);
});

test('a write fails (for the 451) when the database refuses it, and the next one succeeds', async () => {
  const writer = new SpoolWriter(store, createLogger('silent'));
  const first = doc(1000);
  await writer.write([first]);
  await assert.rejects(writer.write([first]), /E11000|duplicate/i);
  await writer.write([doc(1001)]);
  writer.close();
});

test('back pressure: with the backlog at its bound a new sender waits until the jobs holding it are filed', async () => {
  const writer = new SpoolWriter(store, createLogger('silent'), new BackPressure(store, 20));
  await Promise.all(Array.from({ length: 25 }, (_, i) => writer.write([doc(1000 + i)])));
  writer.close();
  await waitFor('the job to be queued', async () => (writer.pressure.backlog === 25 && (await queuedJournalJobs()).length > 0 ? true : undefined), 5_000, 20);

  let admitted = false;
  const admit = writer.pressure.admit().then(() => (admitted = true));
  await sleep(700);
  assert.equal(admitted, false, 'held while 25 reports wait to be filed');

  // A worker (here by hand) files the job: the sender goes on.
  for (const job of await queuedJournalJobs()) {
    const claimed = await claimNext(store, 'test-worker', ['journal-report'], 30_000);
    assert.ok(claimed, `job ${job._id} claimed`);
    assert.ok(await complete(store, claimOf(claimed), {}));
  }
  await admit;
  assert.equal(writer.pressure.backlog, 0);
  const held = (await journalSenderWait.get()).values.find((v) => v.metricName?.endsWith('_count'));
  assert.ok((held?.value ?? 0) >= 1, 'the wait is in the metrics, for the operator');
});

test('back pressure never holds a sender longer than its bound, and not at all when switched off', async () => {
  const held = new BackPressure(store, 1, 400);
  held.spooled(5);
  const t0 = Date.now();
  await held.admit();
  assert.ok(Date.now() - t0 >= 350, 'held for the wait bound');

  const off = new BackPressure(store, 0);
  off.spooled(1_000);
  const t1 = Date.now();
  await off.admit();
  assert.ok(Date.now() - t1 < 50, 'SMTP_BACKLOG_LIMIT=0 holds nobody');
});

test('under a backlog a window stays open, so a burst is filed in full-sized jobs; never past its bound', async () => {
  const writer = new SpoolWriter(store, createLogger('silent'));
  const jobOf = async (id: string) => {
    const spooled = await store.db.collection<{ _id: string; jobKey: string }>('journal_spool').findOne({ _id: id });
    return store.db.collection<{ _id: string }>('jobs').findOne({ _id: spooled!.jobKey });
  };
  const full = Array.from({ length: 50 }, (_, i) => doc(3000 + i));
  await Promise.all(full.map((d) => writer.write([d])));
  await waitFor('the full job to be queued', async () => ((await jobOf(full[0]!._id)) ? true : undefined), 5_000, 20);

  // Workers have a full job to do: the next reports wait in the open window, not in a job of three.
  const next = [doc(3100), doc(3101), doc(3102)];
  for (const d of next) await writer.write([d]);
  await sleep(600);
  assert.equal(await jobOf(next[0]!._id), null, 'three reports 600 ms old are still in the open window');

  // The full job is filed: the window closes at its next look.
  for (let job = await claimNext(store, 'test-worker', ['journal-report'], 30_000); job; job = await claimNext(store, 'test-worker', ['journal-report'], 30_000)) {
    assert.ok(await complete(store, claimOf(job), {}));
  }
  await waitFor('the window to be queued once the backlog is filed', async () => ((await jobOf(next[0]!._id)) ? true : undefined), 1_000, 20);

  // With the backlog never filed, a window is queued at its bound all the same.
  await Promise.all(Array.from({ length: 50 }, (_, i) => writer.write([doc(3200 + i)])));
  const last = doc(3300);
  const opened = Date.now();
  await writer.write([last]);
  await waitFor('the last window to be queued', async () => ((await jobOf(last._id)) ? true : undefined), 5_000, 20);
  const waited = Date.now() - opened;
  assert.ok(waited >= 1_500 && waited < 3_500, `queued ${waited} ms after it opened`);
  writer.close();
});

async function queuedJournalJobs() {
  return store.db.collection<{ _id: string }>('job_active').find({ type: 'journal-report', status: 'queued' } as never).toArray();
}

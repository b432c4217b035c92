// The gateway's group commit: reports written while an insert is in flight share the next
// insert, and one job is queued per short window. The invariant the recovery sweep relies on:
// every spooled report names, in its jobKey, the one job whose payload lists it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpoolWriter } from '../../backend/src/journal/gateway-receive';
import { createLogger } from '../../backend/src/log';
import { testStore, type TestStore } from '../helpers/db';

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

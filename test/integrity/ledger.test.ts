import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chainQueued } from '../../backend/src/integrity/seal';
import { BACKFILL_JOB, VERIFY_JOB } from '../../backend/src/integrity/service';
import { enqueue, getJob } from '../../backend/src/store/jobs';
import { runningVerification } from '../../backend/src/store/integrity-reports';
import { countLedgerEntries, ledgerEntriesInOrder, listLedgerRoots, queueLedgerEvents, type LedgerEntry, type QueuedEvent } from '../../backend/src/store/ledger';
import { waitFor } from '../jobs/helpers';
import { archive, closeTsa, finished, fixture, type Fixture } from './helpers';

describe('integrity ledger', () => {
  let f: Fixture;
  before(async () => {
    f = await fixture();
  });
  after(async () => {
    await f.close();
    await closeTsa();
  });

  it('records every message added to an archive once, hash-chained, and seals it under a time-stamped root', async () => {
    const first = await archive(f.store, 'arch-a', 3);
    await archive(f.store, 'arch-b', 1); // message 0 again, in another archive
    await archive(f.store, 'arch-a', 1); // a repeated delivery: nothing new
    const sealed = await f.seal();
    assert.equal(sealed.appended, 4);
    assert.equal(sealed.rootsClosed, 1);
    assert.equal(sealed.stamped, 1);
    const entries = [];
    for await (const e of ledgerEntriesInOrder(f.store)) entries.push(e);
    assert.deepEqual(entries.map((e) => [e._id, e.event, e.archiveId, e.blobId]), [
      [1, 'added', 'arch-a', first[0]!.sha256],
      [2, 'added', 'arch-a', first[1]!.sha256],
      [3, 'added', 'arch-a', first[2]!.sha256],
      [4, 'added', 'arch-b', first[0]!.sha256],
    ]);
    assert.equal(entries[0]!.digest, first[0]!.sha256);
    assert.deepEqual(entries[0]!.source, { kind: 'import', file: 'batch/0.eml' });
    for (let i = 1; i < entries.length; i += 1) assert.equal(entries[i]!.prev, entries[i - 1]!.hash);
    const [root] = await listLedgerRoots(f.store);
    assert.equal(root!.fromSeq, 1);
    assert.equal(root!.toSeq, 4);
    assert.ok(root!.token && root!.genTime, 'the root carries a time-stamp token');
    assert.equal((await f.seal()).appended, 0, 'sealing again appends nothing');
    assert.equal(await countLedgerEntries(f.store), 4);
  });

  it('verifies a sound archive: every blob re-read, no problems', async () => {
    const report = await f.verify();
    assert.deepEqual(report.problems, []);
    assert.equal(report.counts.messagesChecked, 3);
    assert.equal(report.counts.itemsChecked, 4);
    assert.equal(report.counts.ledgerEntriesChecked, 4);
    assert.equal(report.counts.rootsTimestamped, 1);
    assert.ok(report.counts.bytesRead > 0);
  });

  it('a sealer that stopped between appending entries and deleting their events repeats nothing', async () => {
    const [m] = await archive(f.store, 'arch-c', 1, 10);
    const queue = f.store.db.collection<QueuedEvent>('ledger_queue');
    const events = await queue.find({}).toArray();
    assert.equal(events.length, 1);
    assert.equal((await chainQueued(f.store)).appended, 1);
    // As if the sealer died before its delete and the hint: the event is back, the hint behind.
    await queueLedgerEvents(f.store, events);
    const before = await f.store.db.collection<LedgerEntry>('ledger').findOne({ _id: 4 });
    await f.store.db.collection('ledger_head').updateOne({ _id: 'head' as never }, { $set: { seq: 4, hash: before!.hash } });
    assert.equal((await chainQueued(f.store)).appended, 0);
    assert.equal(await queue.countDocuments({}), 0);
    const last = [];
    for await (const e of ledgerEntriesInOrder(f.store, { from: 5 })) last.push(e.blobId);
    assert.deepEqual(last, [m!.sha256]);
  });
});

describe('ledger backfill and verification runs', () => {
  after(closeTsa);

  it('records the messages archived before the ledger existed, once', async () => {
    const f = await fixture({ tsa: false });
    try {
      await archive(f.store, 'old', 2);
      await f.store.db.collection('ledger_queue').deleteMany({}); // as archived by a version without the ledger
      await f.run(BACKFILL_JOB);
      await f.seal();
      const entries = [];
      for await (const e of ledgerEntriesInOrder(f.store)) entries.push(e);
      assert.deepEqual(entries.map((e) => [e.event, e.source.kind]), [['added', 'backfill'], ['added', 'backfill']]);
      const report = await f.verify();
      assert.deepEqual(report.problems, []);
      assert.equal(report.counts.rootsTimestamped, 0, 'no TSA configured: roots kept untimestamped');
    } finally {
      await f.close();
    }
  });

  it('a verification cut short resumes where it was, and throttles its reading', async () => {
    const f = await fixture({ tsa: false, verify: { maxBytesPerSecond: 400 } });
    try {
      await archive(f.store, 'arch', 5);
      await f.seal();
      const job = await enqueue(f.store, { type: VERIFY_JOB });
      const started = Date.now();
      await waitFor('a checkpoint', async () => ((await getJob(f.store, job._id))?.progress.checkpoint as { position?: number } | undefined)?.position, 20_000);
      assert.equal((await runningVerification(f.store))?.jobId, job._id, 'the Teams tab sees the run under way');
      await f.restartWorker();
      const done = await finished(f.store, job._id);
      const result = done.result as { messagesChecked: number; resumed: number; problems: number; bytesRead: number };
      assert.equal(result.resumed, 1);
      assert.equal(result.messagesChecked, 5, 'each blob counted once across both attempts');
      assert.equal(result.problems, 0);
      assert.ok(Date.now() - started >= (result.bytesRead / 400) * 1000 * 0.5, 'reading was held to the rate');
    } finally {
      await f.close();
    }
  });
});

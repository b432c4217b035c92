import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countLedgerEntries, ledgerEntriesInOrder, listLedgerRoots } from '../../backend/src/store/ledger';
import { archive, closeTsa, fixture, type Fixture } from './helpers';

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
});

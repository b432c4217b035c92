import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { recordAdded, recordRemoved, type AddedMessage } from '../../backend/src/integrity/ledger';
import { chainQueued, type SealOptions, type SealStep } from '../../backend/src/integrity/seal';
import { sealLedger } from '../../backend/src/integrity/service';
import { LEDGER_GENESIS, ledgerEntriesInOrder, listLedgerRoots, type QueuedEvent } from '../../backend/src/store/ledger';
import { stampRoots } from '../../backend/src/integrity/roots';
import { verifyTimestamp } from '../../backend/src/integrity/tsa';
import { testStore, watchedStore, type TestStore } from '../helpers/db';
import { closeTsa, localTsa, settingsFor } from './helpers';

/** The sealer over a backlog, and a sealer dying at each step of a pass (integrity/seal.ts). */

const added = (n: number): AddedMessage => ({ archiveId: 'a', blobId: `blob-${n}`, digest: `d${n}`, salted: false, size: 10, receivedAt: new Date(0), source: { kind: 'backfill' }, outcome: 'inserted' });

const START = Date.UTC(2026, 0, 1);

/** `count` events, queued in pages of `page` (each page one write, a millisecond apart). */
async function backlog(store: TestStore, count: number, page = 5, from = 0): Promise<void> {
  for (let i = from; i < from + count; i += page) {
    const n = Math.min(page, from + count - i);
    await recordAdded(store, Array.from({ length: n }, (_, j) => added(i + j)), new Date(START + i));
  }
}

/** A sealer that dies the `nth` time it reaches `at`. */
function dying(at: SealStep, nth = 1): SealOptions['step'] {
  let seen = 0;
  return (step) => {
    if (step === at && ++seen === nth) throw new Error(`sealer died at ${step}`);
  };
}

const small: SealOptions = { window: 4, pass: 10, pagesPerDelete: 5 };

/** Every event chained once, linked, and the queue empty. */
async function assertSealedOnce(store: TestStore, count: number): Promise<void> {
  const blobs: string[] = [];
  let prev = LEDGER_GENESIS;
  for await (const e of ledgerEntriesInOrder(store)) {
    assert.equal(e.prev, prev, `entry ${e._id} links to the one before`);
    prev = e.hash;
    blobs.push(e.blobId);
  }
  assert.equal(new Set(blobs).size, blobs.length, `no event chained twice: ${blobs.join(' ')}`);
  assert.equal(blobs.length, count, 'every event chained');
  assert.equal(await queue(store).countDocuments({}), 0, 'the queue is empty');
}

const queue = (store: TestStore) => store.db.collection<QueuedEvent>('ledger_queue');

describe('ledger sealer', () => {
  let store: TestStore;
  beforeEach(async () => {
    store = await testStore();
  });
  afterEach(async () => {
    await store.drop();
  });

  it('chains a backlog over several passes and windows, each event once, oldest first', async () => {
    await backlog(store, 23);
    assert.equal((await chainQueued(store, small)).appended, 23);
    await assertSealedOnce(store, 23);
    const order: number[] = [];
    for await (const e of ledgerEntriesInOrder(store)) order.push(e.at.getTime());
    assert.deepEqual(order, [...order].sort((a, b) => a - b));
  });

  for (const [step, nth] of [
    ['appended', 1],
    ['appended', 3],
    ['dequeued-some', 1],
    ['dequeued', 1],
    ['dequeued', 2],
  ] as const) {
    it(`a sealer dying at '${step}' (${nth}) leaves nothing unchained and nothing chained twice`, async () => {
      await backlog(store, 23);
      await assert.rejects(chainQueued(store, { ...small, step: dying(step, nth) }), /sealer died/);
      await backlog(store, 3, 5, 100); // ingest goes on meanwhile
      await chainQueued(store, small);
      await assertSealedOnce(store, 26);
    });
  }

  it('an event of a page that arrives while a pass runs is not deleted with the part it read', async () => {
    const page = { page: 'half-written', pageSize: 3 };
    await queue(store).insertMany([{ ...unpaged(0), ...page }, { ...unpaged(1), ...page }]);
    let late = false;
    await chainQueued(store, {
      step: async (s) => {
        if (s !== 'appended' || late) return;
        late = true; // the page's last event commits after the sealer's read, before its delete
        await queue(store).insertOne({ ...unpaged(2), ...page });
      },
    });
    assert.equal(await queue(store).countDocuments({}), 1, 'the late event is still queued');
    await chainQueued(store);
    await assertSealedOnce(store, 3);
  });

  it('chains and deletes events queued before pages existed', async () => {
    await queue(store).insertMany([unpaged(0), unpaged(1)]);
    await backlog(store, 2, 5, 2);
    assert.equal((await chainQueued(store, small)).appended, 4);
    await assertSealedOnce(store, 4);
  });

  it('two sealers stamping one root at once: one whose TSA fails after the other stamped it leaves the token', async () => {
    await backlog(store, 3);
    const settings = await settingsFor(null);
    await sealLedger(store, settings, { closeOpen: true }); // a root, no TSA yet
    const good = await localTsa();
    // A TSA that answers after the good one has: the sealer asking it read the root before it was stamped.
    const slow = createServer((_req, res) => void sleep(500).then(() => res.writeHead(503).end()));
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const failing = { url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/tsa`, graceMs: settings.tsa.graceMs };
      const now = new Date();
      const [, other] = await Promise.all([stampRoots(store, { url: good.url, graceMs: settings.tsa.graceMs }, { now }), stampRoots(store, failing, { now })]);
      assert.equal(other.failed, 1);
      const [root] = await listLedgerRoots(store);
      assert.ok(root?.token, 'the token the first sealer got is kept');
      assert.equal((await verifyTimestamp(Buffer.from(root.token.buffer), Buffer.from(root.root, 'hex'), [readFileSync(good.caCertPath, 'utf8')])).ok, true);
    } finally {
      await new Promise<void>((resolve) => slow.close(() => resolve()));
      await closeTsa();
    }
  });

  it('two sealers at once chain each event once', async () => {
    await backlog(store, 30);
    await Promise.all([chainQueued(store, small), chainQueued(store, small)]);
    await assertSealedOnce(store, 30);
  });

  it('after its first pass, a sealer reads no ledger entries each minute unless another sealer appended past its hint', async () => {
    // FerretDB 1.24 answers any read of the chain (an entry by number, a range) by reading all of
    // it: in a full-size archive run that was 4.6 s per read, three reads per process each minute.
    const watched = await watchedStore(store.dbName);
    try {
      const settings = await settingsFor(null);
      const seal = () => sealLedger(watched.store, settings, { now: new Date(START + 1_000) }); // the period is open
      await backlog(store, 10);
      assert.equal((await seal()).appended, 10); // a process's first pass walks from the hint
      for (const round of [1, 2]) {
        await backlog(store, 5, 5, 100 * round);
        watched.commands.length = 0;
        assert.equal((await seal()).appended, 5);
        assert.deepEqual(watched.commands.filter((c) => c.endsWith(' ledger')).filter((c) => !c.startsWith('insert')), [], `round ${round} read the chain: ${watched.commands.join(', ')}`);
      }
      // Another process's sealer appends: this one's next append loses, it walks past those, and chains after them.
      await backlog(store, 5, 5, 400);
      assert.equal((await chainQueued(store)).appended, 5);
      await backlog(store, 5, 5, 500);
      assert.equal((await seal()).appended, 5);
      await assertSealedOnce(store, 30);
    } finally {
      await watched.store.close();
    }
  });

  it('a large disposal takes each removed message its digest from the ledger (one read of it, not a query per window)', async () => {
    const count = 260; // more checks than one query takes
    await backlog(store, count, 100);
    await chainQueued(store);
    await recordRemoved(store, Array.from({ length: count }, (_, n) => ({ archiveId: 'a', blobId: `blob-${n}`, size: 10, receivedAt: new Date(0), reason: 'retention:p' })));
    await recordAdded(store, [{ ...added(0), outcome: 'again' }], new Date(Date.now() + 1)); // removed, then delivered again: chained
    assert.equal((await chainQueued(store)).appended, count + 1);
    const removed = new Map<string, string>();
    for await (const e of ledgerEntriesInOrder(store)) if (e.event === 'removed') removed.set(e.blobId, e.digest);
    assert.equal(removed.size, count);
    for (const [blob, digest] of removed) assert.equal(digest, `d${blob.slice(5)}`);
  });
});

/** An event as written before pages existed. */
function unpaged(n: number): QueuedEvent {
  const { outcome: _o, ...content } = added(n);
  const key = `added:a:blob-${n}:1`;
  return { _id: key, content: { key, event: 'added', ...content, at: new Date(1) }, queuedAt: new Date(1) };
}

// A batch's segment is built in the index worker (search/index-build.ts): tokenizing, sorting
// the postings and compressing them never holds the event loop that the API, the archiving
// workers and the SMTP gateway share.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { compactIndex, indexBatch, indexCtx, resultId, type IndexEntry } from '../../backend/src/search/index-store';
import { readIndexState } from '../../backend/src/search/index-manifest';
import { parseQuery } from '../../backend/src/search/query';
import { searchIndex } from '../../backend/src/search/service';
import { testStore, type TestStore } from '../helpers/db';

let store: TestStore | undefined;
after(async () => store?.drop());

/** `n` messages of `words` words each, nearly all distinct: the most terms a batch's text can hold. */
function entries(n: number, words: number): IndexEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    sha256: randomBytes(32).toString('hex'),
    receivedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    folder: 'Inbox',
    size: words * 12,
    hasAttachments: false,
    subject: `report ${i}`,
    from: { name: 'Ada', address: 'ada@contoso.com' },
    to: [{ name: 'Bob', address: 'bob@contoso.com' }],
    attachmentNames: [],
    body: Array.from({ length: words }, () => randomBytes(5).toString('hex')).join(' '),
    attachmentText: [],
  }));
}

test('indexing a batch of 8 MB of distinct words keeps the event loop turning, and the words are found', async (t) => {
  store = await testStore('search_index_worker');
  await indexBatch(store, 'warm-up', entries(1, 10)); // starts the worker
  const batch = entries(800, 1_000);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = Date.now();
  await indexBatch(store, 'big', batch);
  const took = Date.now() - started;
  delay.disable();
  const maxMs = delay.max / 1e6;
  t.diagnostic(`800 messages, 800,000 words, indexed in ${took} ms; event loop delay max ${maxMs.toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms`);
  assert.ok(maxMs < 250, `the event loop stalled for ${maxMs.toFixed(0)} ms`);
  const word = batch[417]!.body.split(' ')[700]!;
  const found = await searchIndex(store, ['big'], parseQuery(word), { limit: 10, cursor: null });
  assert.deepEqual(found.value.map((r) => r.id), [resultId('big', batch[417]!.sha256)]);
});

test('a message the index worker fails on fails alone: the messages batched with it are indexed, and merged without waiting', async () => {
  store ??= await testStore('search_index_worker');
  const batch = entries(5, 20);
  // Not a string: the tokenizer throws on it, as it would on a message it has a bug for.
  batch[2]!.body = null as unknown as string;
  await assert.rejects(indexBatch(store, 'poisoned', batch));
  for (const [i, e] of batch.entries()) {
    const found = await searchIndex(store, ['poisoned'], parseQuery(`subject:"report ${i}"`), { limit: 10, cursor: null });
    assert.deepEqual(found.value.map((r) => r.id), i === 2 ? [] : [resultId('poisoned', e.sha256)], `message ${i}`);
  }
  // The failed message's batch number is given up at once: a merge folds every batch in now,
  // not after ABANDON_MS (10 minutes) of searches reading unmerged batches.
  await compactIndex(store, 'poisoned', { force: true });
  const state = await readIndexState(await indexCtx(store, 'poisoned'), { exact: true });
  assert.deepEqual({ reserved: state.reserved, batches: state.batches.length, segments: state.manifest.segs.length }, { reserved: [], batches: 0, segments: 1 });
});

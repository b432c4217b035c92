import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readIndexState } from '../../backend/src/search/index-manifest';
import { flushIndex, indexArchivedItem, indexCtx } from '../../backend/src/search/index-store';
import { parseQuery } from '../../backend/src/search/query';
import { searchIndex } from '../../backend/src/search/service';
import { testStore, type TestStore } from '../helpers/db';
import { waitFor } from '../helpers/stack';

/**
 * When the ingest path merges an archive's index batches (index-store.ts): not while a burst of
 * batches is still coming in (merging then rewrote the same messages several times over and took
 * the CPU the filing needed), but once the archive goes quiet, or once so many batches wait that
 * searches would slow down.
 */
let store: TestStore;
after(async () => {
  await flushIndex(store);
  await store?.drop();
});

/** Messages indexed one at a time, each searchable before the next comes (`gapMs` later: jobs of a journal burst). */
async function ingestOneByOne(archiveId: string, from: number, count: number, gapMs = 0): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const item = { archiveId, sha256: i.toString(16).padStart(64, '0'), folder: 'Inbox', receivedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)), size: 100, hasAttachments: false };
    const content = { subject: `burst ${i}`, from: [{ name: 'Megan', address: 'megan@contoso.com' }], to: [], cc: [], bcc: [], attachments: [], bodyText: `message number ${i} of the burst` };
    await indexArchivedItem(store, item, content as never, 'inserted');
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
}

test('batches arriving one after another are merged once the archive is quiet, not during the burst', async () => {
  store = await testStore('index_merge_policy');
  const ctx = await indexCtx(store, 'burst');
  await ingestOneByOne('burst', 1, 12, 20);
  assert.equal((await readIndexState(ctx, { exact: true })).batches.length, 12, 'twelve batches, none merged yet');
  assert.equal((await searchIndex(store, ['burst'], parseQuery('burst'), { limit: 50 })).total, 12, 'all searchable meanwhile');
  // The idle merge comes about five seconds after the last batch.
  await waitFor('the idle merge', async () => ((await readIndexState(ctx, { exact: true })).batches.length === 0 ? true : undefined), 15_000);
  const merged = await readIndexState(ctx, { exact: true });
  assert.equal(merged.manifest.segs.length, 1);
  assert.equal(merged.manifest.segs[0]!.n, 12);
});

test('a burst that goes on is merged every few dozen batches, even when its queue never empties', async () => {
  const ctx = await indexCtx(store, 'long-burst');
  let mergedBy = 0;
  // Each message is queued while the previous batch's marks are written: the writer's queue
  // never runs dry, and a merge must still start once 24 batches wait.
  for (let i = 1; i <= 60 && mergedBy === 0; i++) {
    await ingestOneByOne('long-burst', 100 + i, 1);
    if (i >= 24 && (await readIndexState(ctx, { exact: true })).manifest.segs.length > 0) mergedBy = i;
  }
  assert.ok(mergedBy > 0, 'merged while the burst went on');
  await flushIndex(store, 'long-burst');
  assert.equal((await searchIndex(store, ['long-burst'], parseQuery('burst'), { limit: 100 })).total, mergedBy);
});

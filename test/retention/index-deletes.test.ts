import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { IndexLocator, commitIndexDeletion, forgetIndexed } from '../../backend/src/search/index-deletes';
import { readIndexState, reserveBatch } from '../../backend/src/search/index-manifest';
import { compact, mergeStep, RETIRE_GRACE_MS } from '../../backend/src/search/index-merge';
import { indexBatch, indexCtx, type IndexEntry } from '../../backend/src/search/index-store';
import { parseQuery } from '../../backend/src/search/query';
import { decodeCursor, searchIndex } from '../../backend/src/search/service';
import { forceIndexLayout, listIds, marksPart, readPart, type IndexLayout } from '../../backend/src/store/postings';
import { testStore, type TestStore } from '../helpers/db';
import { expected, oracleOfEntries } from '../search-api/oracle';
import { entryOf, synthetic } from './synthetic';

const QUERIES = ['', 'budget', 'from:dan@contractor.example', 'subject:invoice -subject:audit', 'folder:Inbox/Projects', 'budget OR merger', 'ticket', '"number 17"'];
const stores: TestStore[] = [];
after(async () => {
  for (const s of stores) await s.drop();
});

async function checkAll(store: TestStore, archive: string, live: IndexEntry[], label: string): Promise<void> {
  const oracle = oracleOfEntries(archive, live);
  for (const text of QUERIES) {
    const q = parseQuery(text);
    const got: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const r = await searchIndex(store, [archive], q, { limit: 100, cursor: cursor ? decodeCursor(cursor) : null });
      if (page === 0) assert.equal(r.total, expected(oracle, q).length, `${label} "${text}": total`);
      got.push(...r.value.map((v) => v.id));
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    assert.deepEqual(got.sort(), expected(oracle, q), `${label}: "${text}"`);
  }
}

async function deleteEntries(store: TestStore, archive: string, gone: IndexEntry[]): Promise<number> {
  const locator = await IndexLocator.open(store, archive);
  const found = await locator.locate(gone);
  const positions = [...found.values()].flat();
  await commitIndexDeletion(locator.ctx, positions.map((p) => p.docNo));
  await forgetIndexed(locator.ctx, gone.map((e) => e.sha256));
  return found.size;
}

/** Every summary stored for the archive's live and retired segments: what is physically still there. */
async function storedShas(store: TestStore, archive: string): Promise<Set<string>> {
  const ctx = await indexCtx(store, archive);
  const { openSegment } = await import('../../backend/src/search/index-bucketed');
  const state = await readIndexState(ctx, { exact: true });
  const out = new Set<string>();
  for (const seg of [...state.manifest.segs, ...state.manifest.retired.map((r) => r.seg), ...state.batches.map((b) => b.seg)]) {
    for await (const block of (await openSegment(ctx, seg, { keep: false })).summaryBlocks()) for (const s of block) out.add(s.sha);
  }
  return out;
}

for (const layout of ['partitioned', 'shared'] as IndexLayout[]) {
  test(`${layout} layout: deleted messages leave every result and total at once, and the index itself after a purge`, async () => {
    const store = await testStore(`retention_index_${layout}`);
    stores.push(store);
    forceIndexLayout(store, layout);
    const archive = `deletes-${layout}`;
    const entries = Array.from({ length: 320 }, (_, n) => entryOf(synthetic(n, 400 + (n % 90))));
    // Small packed batches, then a bucketed one, merged into a segment, then more batches on top.
    for (let i = 0; i < 40; i += 5) await indexBatch(store, archive, entries.slice(i, i + 5));
    await indexBatch(store, archive, entries.slice(40, 260));
    const ctx = await indexCtx(store, archive);
    assert.ok(await mergeStep(ctx, { force: true }));
    for (let i = 260; i < 320; i += 20) await indexBatch(store, archive, entries.slice(i, i + 20));

    // A tenth: below the share that makes a merge rewrite a segment for its deletions alone.
    const gone = entries.filter((_, n) => n % 10 === 0);
    const live = entries.filter((_, n) => n % 10 !== 0);
    assert.equal(await deleteEntries(store, archive, gone), gone.length, 'every message is found in the index');
    await checkAll(store, archive, live, 'right after the deletion');
    assert.equal(await deleteEntries(store, archive, gone), 0, 'a deletion done before finds nothing left to delete');
    const marks = new Set(await listIds(store, marksPart(layout, ctx.key)));
    assert.ok(gone.every((e) => !marks.has(e.sha256)) && live.every((e) => marks.has(e.sha256)), 'only the deleted lose their marks');

    // New mail calls for a merge of the batches, which folds the deletion in; the big segment stays as it is.
    const more = Array.from({ length: 40 }, (_, n) => entryOf(synthetic(1000 + n, 300)));
    for (let i = 0; i < 40; i += 5) await indexBatch(store, archive, more.slice(i, i + 5));
    live.push(...more);
    await compact(ctx);
    await checkAll(store, archive, live, 'after merging');
    assert.ok((await readIndexState(ctx, { exact: true })).manifest.tomb.length > 0, 'a segment written before the deletion still needs it');

    // A purge rewrites every segment that holds deleted messages; after the grace they are gone from the database.
    await compact(ctx, { purge: true });
    await checkAll(store, archive, live, 'after purging');
    const purged = await readIndexState(ctx, { exact: true });
    assert.deepEqual(purged.manifest.tomb, [], 'no segment needs the deletion any more');
    assert.ok(await mergeStep(ctx, { now: () => Date.now() + RETIRE_GRACE_MS + 1 }), 'the retired segments and the deletion are dropped after the grace');
    const stored = await storedShas(store, archive);
    assert.ok(gone.every((e) => !stored.has(e.sha256)), 'no summary of a deleted message is left');
    assert.equal(stored.size, live.length);
    const { tombPart } = await import('../../backend/src/store/postings');
    assert.equal((await readPart(store, tombPart(layout, ctx.key))).length, 0, 'the deletion lists are dropped too');

    // Archived again later, a deleted message is found again: deletions name index entries, not messages.
    const back = gone.slice(0, 3);
    await indexBatch(store, archive, back);
    await checkAll(store, archive, [...live, ...back], 'after archiving some again');
  });
}

test('a deletion committed behind a batch still being written is applied once that batch is merged', async () => {
  const store = await testStore('retention_index_order');
  stores.push(store);
  const archive = 'order';
  const entries = Array.from({ length: 60 }, (_, n) => entryOf(synthetic(n, 500)));
  await indexBatch(store, archive, entries.slice(0, 30));
  const ctx = await indexCtx(store, archive);
  await reserveBatch(ctx); // a writer still busy with its batch
  await indexBatch(store, archive, entries.slice(30, 60));
  const gone = entries.filter((_, n) => n % 2 === 0);
  await deleteEntries(store, archive, gone);
  const live = entries.filter((_, n) => n % 2 === 1);
  await checkAll(store, archive, live, 'with the deletion above a busy batch');
  // The busy writer is declared dead after the abandon delay; the merge folds everything in.
  const later = () => Date.now() + 11 * 60_000;
  while (await mergeStep(ctx, { now: later, force: true }));
  await checkAll(store, archive, live, 'after the merge past the abandoned batch');
  const state = await readIndexState(ctx, { exact: true });
  assert.equal(state.batches.length + state.deletes.length, 0);
});

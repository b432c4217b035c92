import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ingestMessage } from '../../backend/src/ingest';
import { reindexHandlers, reindexStatus, startReindex } from '../../backend/src/jobs/reindex';
import { startWorker } from '../../backend/src/jobs/worker';
import { parseMessage } from '../../backend/src/ingest/parse';
import { cachedKeys } from '../../backend/src/search/index-cache';
import { readIndexState } from '../../backend/src/search/index-manifest';
import { mergeStep } from '../../backend/src/search/index-merge';
import { clearIndexCache, compactIndex, entryFor, flushIndex, indexBatch, indexCtx, type IndexEntry } from '../../backend/src/search/index-store';
import { decodeSummaries } from '../../backend/src/search/index-segment';
import { parseQuery } from '../../backend/src/search/query';
import { decodeCursor, searchIndex } from '../../backend/src/search/service';
import { openStore, type Store } from '../../backend/src/store';
import { forceIndexLayout, listArchiveTables, type IndexLayout } from '../../backend/src/store/postings';
import { corpusFiles, requireCorpus } from '../helpers/corpus';
import { testStore, type TestStore, dropSearchIndex } from '../helpers/db';
import { waitFor } from '../jobs/helpers';
import { expected, oracleOfEntries } from './oracle';

const QUERIES = [
  'kernel', 's390 kvm', '"signed-off-by"', '"the same"', 'from:linux.ibm.com', 'from:"heiko carstens"', 'to:kvm@vger.kernel.org',
  'subject:patch -subject:re', 'patch OR raid', 'vsi*', 'subject:(kvm OR pci) after:2026-07-01', 'before:2010-01-01 spam',
  'folder:Inbox/Projects', 'folder:inbox -folder:inbox/projects', 'has:attachment', 'size>16kb', '-kernel', '', 'zzyzx-nothing',
];
let files: string[] = [];
const stores: TestStore[] = [];

before(async () => {
  files = [...corpusFiles('lore-linux-s390').slice(0, 150), ...corpusFiles('spamassassin-easy_ham').slice(0, 100), ...corpusFiles('ruby-mail').slice(0, 20)];
});
after(async () => {
  for (const s of stores) await s.drop();
});

async function entriesOf(paths: string[], salt = ''): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  for (const [i, path] of paths.entries()) {
    const bytes = readFileSync(path);
    const m = await parseMessage(() => Readable.from([bytes]));
    const sha = createHash('sha256').update(salt).update(bytes).digest('hex');
    const folder = ['Inbox', 'Inbox/Projects', 'Sent Items', 'Archive'][i % 4] as string;
    out.push(entryFor({ sha256: sha, folder, receivedAt: m.date ?? new Date(Date.UTC(2020, 0, 1, 0, 0, i)), size: bytes.length, hasAttachments: m.hasAttachments }, m));
  }
  return out;
}

async function checkAll(store: TestStore, archiveId: string, entries: IndexEntry[], label: string): Promise<void> {
  const oracle = oracleOfEntries(archiveId, entries);
  for (const q of QUERIES) {
    const want = expected(oracle, parseQuery(q));
    const got: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const r = await searchIndex(store, [archiveId], parseQuery(q), { limit: 40, cursor: cursor ? decodeCursor(cursor) : null });
      if (page === 0) assert.equal(r.total, want.length, `${label} ${q}: total`);
      got.push(...r.value.map((v) => v.id));
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    assert.deepEqual([...got].sort(), want, `${label}: ${q}`);
  }
}

for (const layout of ['partitioned', 'shared'] as IndexLayout[]) {
  test(`${layout} layout: batches of every size, then merges, answer like a brute-force scan`, async (t) => {
    if (!requireCorpus(t)) return;
    const store = await testStore(`search_index_${layout}`);
    stores.push(store);
    forceIndexLayout(store, layout);
    const entries = await entriesOf(files);
    const archive = `archive-${layout}`;
    // Small batches (one document each), then big ones (partitioned tables), as ingest and backfill write them.
    for (let i = 0; i < 24; i += 3) await indexBatch(store, archive, entries.slice(i, i + 3));
    await indexBatch(store, archive, entries.slice(24, 150));
    await indexBatch(store, archive, entries.slice(150));
    const ctx = await indexCtx(store, archive);
    const state = await readIndexState(ctx);
    assert.equal(state.batches.length, 10);
    assert.ok(state.batches.some((b) => b.seg.kind === 'packed') && state.batches.some((b) => b.seg.kind === 'bucketed'));
    await checkAll(store, archive, entries, 'before merging');
    assert.ok(await mergeStep(ctx), 'ten batches call for a merge');
    clearIndexCache();
    const merged = await readIndexState(ctx);
    assert.equal(merged.batches.length, 0);
    await checkAll(store, archive, entries, 'after merging');
    const more = await entriesOf(files.slice(0, 30), 'second copies');
    for (let i = 0; i < more.length; i += 3) await indexBatch(store, archive, more.slice(i, i + 3));
    await compactIndex(store, archive, { force: true });
    assert.equal((await readIndexState(ctx)).manifest.segs.length, 1);
    clearIndexCache();
    await checkAll(store, archive, [...entries, ...more], 'after compacting');
  });
}

/** A second connection to the test's database that counts the `find` commands on index segment tables. */
async function watchSegmentReads(store: TestStore): Promise<{ store: Store; reads: () => number }> {
  let reads = 0;
  const watched = await openStore({ uri: process.env.MONGODB_URI!, dbName: store.dbName, observeCommand: (command, collection) => void (command === 'find' && collection === 'sx_*_seg' && reads++) });
  return { store: watched, reads: () => reads };
}

/** The same messages again under other hashes (so many, fast: parsed once). */
const copiesOf = (entries: IndexEntry[], salt: string): IndexEntry[] => entries.map((e) => ({ ...e, sha256: createHash('sha256').update(salt).update(e.sha256).digest('hex') }));

for (const layout of ['partitioned', 'shared'] as IndexLayout[]) {
  test(`${layout} layout: a merge reads a segment of several partitions once each, in order`, async (t) => {
    if (!requireCorpus(t)) return;
    const store = await testStore(`search_index_parts_${layout}`);
    stores.push(store);
    forceIndexLayout(store, layout);
    const parsed = await entriesOf(files);
    const big = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'j', 'k', 'l', 'm'].flatMap((salt) => copiesOf(parsed, salt));
    const archive = `parts-${layout}`;
    await indexBatch(store, archive, big);
    const ctx = await indexCtx(store, archive);
    const [batch] = (await readIndexState(ctx)).batches;
    assert.ok(batch!.seg.parts > 1, `the batch's segment spans several partitions (${batch!.seg.parts})`);
    const more = copiesOf(parsed.slice(0, 30), 'i');
    await indexBatch(store, archive, more);
    const inputs = (await readIndexState(ctx)).batches.map((b) => b.seg);
    const watched = await watchSegmentReads(store);
    try {
      forceIndexLayout(watched.store, layout);
      clearIndexCache();
      // The shared layout's merges read every partition's range as the whole segment, and stopped at "terms out of order".
      await compactIndex(watched.store, archive, { force: true });
    } finally {
      await watched.store.close();
    }
    const partitionReads = watched.reads();
    assert.equal((await readIndexState(ctx)).manifest.segs.length, 1);
    if (layout === 'partitioned') {
      const parts = inputs.filter((s) => s.kind === 'bucketed').reduce((n, s) => n + s.parts, 0);
      assert.equal(partitionReads, parts, `one read of each partition of the segments merged (${partitionReads} reads of ${parts}): its meta, columns, summaries and records together`);
    }
    clearIndexCache();
    await checkAll(store, archive, [...big, ...more], 'after merging');
  });
}

type StoredDoc = { _id: string } & Record<string, unknown>;

/** The documents of an archive's live segments (partitioned layout) whose ids start with `kind`, in id order. */
async function liveDocs(store: TestStore, archive: string, kind: string): Promise<{ coll: string; doc: StoredDoc }[]> {
  const ctx = await indexCtx(store, archive);
  const out: { coll: string; doc: StoredDoc }[] = [];
  const { manifest, batches } = await readIndexState(ctx);
  const live = [...manifest.segs, ...batches.map((b) => b.seg)].map((seg) => `sx_${ctx.key}_${seg.id}_`);
  // Tables of segments a merge replaced stay for a grace period; only the live ones count.
  for (const coll of (await listArchiveTables(store, ctx.key)).filter((c) => live.some((prefix) => c.startsWith(prefix)))) {
    for (const doc of await store.searchDb.collection<StoredDoc>(coll).find({ _id: { $gte: kind, $lt: `${kind}\uffff` } }, { promoteBuffers: true, sort: { _id: 1 } }).toArray()) out.push({ coll, doc });
  }
  return out;
}

/** One segment of the sample's first 120 messages, partitioned: the old-form tests rewrite it in place. */
async function sampleIndex(name: string): Promise<{ store: TestStore; archive: string; entries: IndexEntry[] }> {
  const store = await testStore(`search_index_${name}`);
  stores.push(store);
  forceIndexLayout(store, 'partitioned');
  const entries = await entriesOf(files.slice(0, 120));
  const archive = `archive-${name}`;
  await indexBatch(store, archive, entries);
  return { store, archive, entries };
}

/** Indexes 80 more messages and merges the archive into one segment (which rewrites the old one); every message indexed. */
async function mergeWithMore(store: TestStore, archive: string, entries: IndexEntry[]): Promise<IndexEntry[]> {
  const more = await entriesOf(files.slice(120, 200));
  await indexBatch(store, archive, more);
  await compactIndex(store, archive, { force: true });
  clearIndexCache();
  return [...entries, ...more];
}

test('an index written before term buckets were compressed still answers, and a merge rewrites it compressed', async (t) => {
  if (!requireCorpus(t)) return;
  const { store, archive, entries } = await sampleIndex('old_buckets');
  const ctx = await indexCtx(store, archive);
  const buckets = () => liveDocs(store, archive, '3b|');
  const written = await buckets();
  assert.ok(written.length > 0 && written.every(({ doc }) => doc.z && !doc.t), 'buckets are written compressed');
  // As an earlier version wrote them: the records as they are, under `t`.
  // In the search database: on FerretDB it is not the main one (until now this rewrote nothing there).
  for (const { coll, doc } of written) await store.searchDb.collection<{ _id: string }>(coll).replaceOne({ _id: doc._id }, { t: inflateRawSync(doc.z as Buffer) });
  assert.ok((await buckets()).every(({ doc }) => doc.t && !doc.z), 'the buckets are now in the old form');
  clearIndexCache();
  await checkAll(store, archive, entries, 'old buckets');
  // Merged with a newer batch, the old segment is rewritten in the new form.
  const all = await mergeWithMore(store, archive, entries);
  assert.equal((await readIndexState(ctx)).manifest.segs.length, 1, 'one segment left');
  assert.ok((await buckets()).every(({ doc }) => doc.z && !doc.t), 'rewritten compressed');
  await checkAll(store, archive, all, 'after merging the old buckets');
});

test('an index whose summaries were written 16 a block, as JSON, still answers, and a merge rewrites them in the new form', async (t) => {
  if (!requireCorpus(t)) return;
  const { store, archive, entries } = await sampleIndex('old_summaries');
  const written = await liveDocs(store, archive, '1d|');
  assert.equal(written.length, Math.ceil(entries.length / 32), 'summaries are written 32 a block');
  assert.ok(written.every(({ doc }) => doc.s && !doc.d), '…with their hashes as bytes beside the deflated JSON');
  const [meta] = await liveDocs(store, archive, '0meta');
  assert.equal(meta!.doc.docBlock, 32);
  // As an earlier version wrote them: 16 a block, each the deflated JSON of its summaries, and no block size in the meta.
  const summaries = written.flatMap(({ doc }) => decodeSummaries(doc));
  const coll = store.searchDb.collection<StoredDoc>(written[0]!.coll);
  assert.ok(written.every((w) => w.coll === coll.collectionName) && meta!.coll === coll.collectionName, 'one partition (the test rewrites it in place)');
  await coll.deleteMany({ _id: { $gte: '1d|', $lt: '1d|\uffff' } });
  const legacy = Array.from({ length: Math.ceil(summaries.length / 16) }, (_, i) => ({ _id: `1d|${String(i).padStart(8, '0')}`, d: deflateRawSync(Buffer.from(JSON.stringify(summaries.slice(i * 16, i * 16 + 16)))) }));
  await coll.insertMany(legacy);
  await coll.updateOne({ _id: '0meta' }, { $set: { docBlocks: legacy.length }, $unset: { docBlock: '' } });
  clearIndexCache();
  await checkAll(store, archive, entries, 'old summaries');
  const subjects = new Map(entries.map((e) => [`${archive}:${e.sha256}`, e.subject]));
  const page = await searchIndex(store, [archive], parseQuery(''), { limit: 120 });
  assert.deepEqual(page.value.map((v) => v.subject), page.value.map((v) => subjects.get(v.id)?.slice(0, 300)), 'every result shows its own subject');
  // Merged with a newer batch, the old segment is rewritten in the new form.
  const all = await mergeWithMore(store, archive, entries);
  assert.ok((await liveDocs(store, archive, '1d|')).every(({ doc }) => doc.s && !doc.d), 'rewritten in the new form');
  await checkAll(store, archive, all, 'after merging the old summaries');
});

test('a merge keeps nothing it read in the search cache: archiving does not fill memory with segments it replaces', async (t) => {
  if (!requireCorpus(t)) return;
  const store = await testStore('search_index_merge_cache');
  stores.push(store);
  const entries = await entriesOf(files.slice(0, 60));
  const archive = 'merge-cache';
  // A bucketed segment and packed batches: both kinds of input a merge reads.
  await indexBatch(store, archive, entries.slice(0, 40));
  for (let i = 40; i < 60; i += 2) await indexBatch(store, archive, entries.slice(i, i + 2));
  const ctx = await indexCtx(store, archive);
  const segmentData = () => cachedKeys().filter((k) => k.includes(`|${ctx.key}|`) && /\|(packed|meta|cols|d\d+)$/.test(k));
  clearIndexCache();
  assert.ok(await mergeStep(ctx), 'eleven batches call for a merge');
  assert.deepEqual(segmentData(), []);
  // A search still caches what it reads, and finds every message in the merged segment.
  const page = await searchIndex(store, [archive], parseQuery(''), { limit: 100 });
  assert.equal(page.total, 60);
  assert.ok(segmentData().length > 0, 'a search caches the segment it read');
});

test('a search read again takes its term buckets from memory: no bucket is read from the database twice', async (t) => {
  if (!requireCorpus(t)) return;
  const store = await testStore('search_bucket_cache');
  stores.push(store);
  await indexBatch(store, 'buckets', await entriesOf(files.slice(0, 40)));
  const watched = await watchSegmentReads(store);
  try {
    clearIndexCache();
    const q = parseQuery('kernel OR s390');
    const first = await searchIndex(watched.store, ['buckets'], q, { limit: 10 });
    assert.ok(first.total > 0 && watched.reads() > 0, 'the first search reads the segment from the database');
    const readsBefore = watched.reads();
    const again = await searchIndex(watched.store, ['buckets'], q, { limit: 10 });
    assert.equal(watched.reads(), readsBefore, 'the same search again reads nothing from the database');
    assert.deepEqual(again.value.map((v) => v.id), first.value.map((v) => v.id));
  } finally {
    await watched.store.close();
  }
});

test('a message indexed twice (a retried ingest) is listed once, and once in totals after a merge', async (t) => {
  if (!requireCorpus(t)) return;
  const store = await testStore('search_index_dupes');
  stores.push(store);
  const entries = await entriesOf(files.slice(0, 12));
  await indexBatch(store, 'dupes', entries);
  await indexBatch(store, 'dupes', entries.slice(0, 4));
  const page = await searchIndex(store, ['dupes'], parseQuery(''), { limit: 100 });
  assert.equal(new Set(page.value.map((v) => v.id)).size, page.value.length);
  assert.equal(page.value.length, 12);
  await compactIndex(store, 'dupes', { force: true });
  const merged = await searchIndex(store, ['dupes'], parseQuery(''), { limit: 100 });
  assert.equal(merged.total, 12);
});

test('a batch whose writer died is skipped after the abandon delay; batches after it stay searchable', async (t) => {
  if (!requireCorpus(t)) return;
  const store = await testStore('search_index_abandon');
  stores.push(store);
  const entries = await entriesOf(files.slice(0, 20));
  const ctx = await indexCtx(store, 'abandon');
  await indexBatch(store, 'abandon', entries.slice(0, 5));
  const { reserveBatch } = await import('../../backend/src/search/index-manifest');
  await reserveBatch(ctx); // a writer that reserved a number and died
  await indexBatch(store, 'abandon', entries.slice(5, 10));
  const r = await searchIndex(store, ['abandon'], parseQuery(''), { limit: 100 });
  assert.equal(r.total, 10, 'a batch committed after a stuck reservation is found');
  const later = () => Date.now() + 11 * 60_000;
  for (let i = 0; i < 10; i++) await indexBatch(store, 'abandon', entries.slice(10 + i, 11 + i));
  assert.ok(await mergeStep(ctx, { now: later }));
  const state = await readIndexState(ctx);
  assert.equal(state.batches.length, 0);
  assert.equal(state.manifest.segs.reduce((n, s) => n + s.n, 0), 20);
  assert.equal((await searchIndex(store, ['abandon'], parseQuery(''), { limit: 100 })).total, 20);
});

test('ingest indexes before it returns; a blob already stored for another archive is indexed with its text', async (t) => {
  if (!requireCorpus(t)) return;
  const store = await testStore('search_index_ingest');
  stores.push(store);
  const bytes = readFileSync(files[0]!);
  const source = (n: string) => ({ kind: 'import' as const, file: n });
  const first = await ingestMessage(store, { archiveId: 'one', folder: 'Inbox', source: source('a'), content: Readable.from([bytes]) });
  assert.equal(first.status, 'archived');
  const q = parseQuery('"signed-off-by"');
  assert.equal((await searchIndex(store, ['one'], q)).total, 1);
  const again = await ingestMessage(store, { archiveId: 'one', folder: 'Inbox', source: source('b'), content: Readable.from([bytes]) });
  assert.equal(again.status, 'duplicate');
  const second = await ingestMessage(store, { archiveId: 'two', folder: 'Inbox', source: source('c'), content: Readable.from([bytes]) });
  assert.equal(second.status, 'archived');
  assert.equal((await searchIndex(store, ['two'], q)).total, 1, 'the text comes from the stored message document');
  await flushIndex(store);
  await compactIndex(store, 'one', { force: true });
  assert.equal((await searchIndex(store, ['one'], q)).total, 1, 'the duplicate ingest was not indexed again');
});

test('an archive whose index was lost is searchable again after a reindex from its blobs', async (t) => {
  if (!requireCorpus(t)) return;
  const store = await testStore('search_index_backfill');
  stores.push(store);
  for (const [i, path] of files.slice(0, 40).entries()) {
    await ingestMessage(store, { archiveId: 'old', folder: 'Inbox', source: { kind: 'import', file: `f${i}` }, content: Readable.from([readFileSync(path)]) });
  }
  await flushIndex(store);
  const before = (await searchIndex(store, ['old'], parseQuery('kernel'))).total;
  await dropSearchIndex(store);
  clearIndexCache();
  assert.equal((await searchIndex(store, ['old'], parseQuery(''))).total, 0);
  assert.ok(await startReindex(store));
  const worker = startWorker({ store, owner: 'reindex', handlers: reindexHandlers(store), leaseMs: 5_000, pollMs: 20 });
  try {
    await waitFor('the reindex to finish', async () => (await reindexStatus(store))?.status === 'succeeded', 60_000);
  } finally {
    await worker.stop();
  }
  assert.equal((await searchIndex(store, ['old'], parseQuery(''))).total, 40);
  assert.ok(before > 10);
  assert.equal((await searchIndex(store, ['old'], parseQuery('kernel'))).total, before, 'the same messages are found as before the loss');
});

test('words of a text attachment and its name are found, and only there', async (t) => {
  const dir = requireCorpus(t);
  if (!dir) return;
  const store = await testStore('search_index_attachment');
  stores.push(store);
  // A SpamAssassin message with the package spec of fluxbox attached as text/plain.
  const bytes = readFileSync(`${dir}/spamassassin-easy_ham/01053.9f4c2fea143d25bf2680c444e547df55`);
  await ingestMessage(store, { archiveId: 'att', folder: 'Inbox', source: { kind: 'import', file: 'x' }, content: Readable.from([bytes]) });
  const count = async (q: string) => (await searchIndex(store, ['att'], parseQuery(q))).total;
  assert.equal(await count('"derived window manager"'), 1, 'a phrase of the attachment text');
  assert.equal(await count('body:derived'), 0, 'the word is not in the body');
  assert.equal(await count('filename:fluxbox.spec'), 1);
  assert.equal(await count('filename:spec'), 1);
  assert.equal(await count('has:attachment'), 1);
});

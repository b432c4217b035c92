/**
 * The full-text index of the archives (MISSION M10): how it is stored, written and read.
 *
 * Why this shape. FerretDB 1.24 on SQLite, the test and demo database, uses no index for any
 * query: a lookup by `_id` scans its table until the row turns up (its `_id` index is declared
 * on `_ferretdb_sjson->"_id"` while queries filter on `->'$._id'`, so SQLite never uses it), and
 * any other filter decodes every document of the collection in Go. Measured here: about 1.5 ms
 * for a lookup in a small table, growing with the rows and bytes stored before the row (16 MB:
 * 20–200 ms), plus about 0.1 ms per KB returned. A posting document per (archive, word) in one
 * collection would cost a table scan per word, and an ingest would touch hundreds of them. So
 * the index is a log of immutable segments, as in Lucene, cut into small tables:
 *
 *  - A segment indexes a set of messages, numbered by ordinal in result order (received time
 *    descending, then ingest order descending). Per message it keeps columns (date, docNo,
 *    size, attachment flag, folder) and a result summary (subject, sender, folder, the first
 *    600 characters of the text); per term (normalised word, compound, address part, and word
 *    pair for phrases) one delta-encoded ordinal list per field (subject, from, to/cc/bcc,
 *    attachment name, body, attachment text). Term records sit in term order, front-coded, in
 *    buckets of about 12 KB (deflated when stored: about 30 % smaller); the first term of each bucket forms the directory, so a word costs
 *    one lookup per segment and a prefix (`invoic*`) reads the few consecutive buckets its words
 *    sort into: the term dictionary is the index itself. Word pairs sort apart from words, so
 *    that a prefix never wades through "memory barrier", "memory leak", …
 *  - A big segment is written in partitions of at most 256 rows / 1 MB, each its own collection
 *    on FerretDB (a lookup scans one small table), all in one collection on MongoDB, where the
 *    `_id` index serves them (store/postings.ts). Every read is an `_id` equality, or reads a
 *    whole partition when merging.
 *  - Ingest writes a batch: the messages that reached this process's indexer for the archive
 *    while the previous batch was being written (group commit), as one compressed document
 *    when small. The index worker tokenizes and encodes it (index-build.ts); this thread writes
 *    what the worker hands back. A batch is numbered by inserting a reservation and becomes
 *    searchable by inserting its commit record (index-manifest.ts): no document ever has two
 *    writers, as FerretDB's updates are unlocked read-modify-write. `ingestMessage` returns
 *    after the commit, so a message is findable once its run reports it archived.
 *  - Merges (index-merge.ts) fold batches and smaller segments into bigger ones in the
 *    background (O(log N) segments, each message rewritten O(log N) times), publish the result
 *    as the next manifest version by insert, and drop what they replaced after a grace period.
 *
 * Reading (service.ts): the manifest head and the batches committed since, then per segment the
 * buckets of the query's terms (in parallel), evaluated as bitsets over ordinals (plan.ts): AND,
 * OR, exclusion and the column filters are word operations, totals are exact counts, and pages
 * are cut by a cursor on the (date, archive, docNo) sort key, which new mail and merges leave
 * in place: no gaps, no repeats. Columns, directories, small segments and summaries are
 * immutable and cached in memory (index-cache.ts); posting lists are read for every search.
 * `npm run bench:search`: 100,000 messages in 3 segments, 133 collections, ~2 KB per message;
 * p50 15 ms, p95 54 ms on this 2-core machine (test/bench/search.bench.ts).
 *
 * Known limits: phrases of three or more words match as overlapping word pairs in one field
 * (verifying them against the full text would scan the message collection per candidate on
 * FerretDB), so their totals are marked estimated; snippets come from the stored excerpt; a
 * message moved to another folder after archiving keeps its old folder in the index.
 */
import { Limiter } from '../limiter';
import type { Store } from '../store';
import { itemId } from '../store/items';
import { getMessageDoc, type MessageContent, type MessageDoc, type MessageMeta } from '../store/messages';
import { archiveKey, getDoc, indexLayout, insertDocs, insertDoc, freshPart, marksPart, registerIndexedArchive } from '../store/postings';
import { partWriter, type IndexCtx } from './index-bucketed';
import { buildInWorker, type BuiltBatch } from './index-build';
import { abandonBatch, commitBatch, reserveBatch } from './index-manifest';
import { MERGE_MESSAGES, compact, mergeStep, newSegmentId } from './index-merge';
import { attachmentNames } from '../ingest/attachment-role';
import type { IndexEntry } from './index-segment';

export type { IndexEntry } from './index-segment';
export { clearIndexCache } from './index-cache';

/** Messages per batch: docNo = batch × MAX_BATCH + position. */
export const MAX_BATCH = 4096;
/** A merge is attempted this long after the last batch of a quiet archive. */
const IDLE_MERGE_MS = 5_000;
/**
 * While batches keep coming, a merge waits for this many (or MERGE_MESSAGES messages): merging
 * during a burst rewrote the same messages two or three times over and took a fifth of the
 * backend's CPU from the filing it competed with (journal benchmark profile). Searches meanwhile
 * read a few more batches; the idle merge folds them in once the burst is over.
 */
const BUSY_MERGE_BATCHES = 24;

type IndexStore = Pick<Store, 'db' | 'searchDb' | 'conn'>;

export async function indexCtx(store: Pick<Store, 'searchDb'>, archiveId: string): Promise<IndexCtx> {
  return { store, layout: await indexLayout(store), archiveId, key: archiveKey(archiveId) };
}

const registered = new Set<string>();

/**
 * Indexes one batch now and makes it searchable (the path of backfill and benchmarks). Throws the
 * first error of a message that could not be indexed; the others are indexed all the same.
 */
export async function indexBatch(store: Pick<Store, 'searchDb'>, archiveId: string, entries: readonly IndexEntry[]): Promise<void> {
  const ctx = await indexCtx(store, archiveId);
  for (let i = 0; i < entries.length; i += MAX_BATCH) {
    const batch = entries.slice(i, i + MAX_BATCH);
    const failed = await writeBatch(ctx, batch);
    await markIndexed(ctx, batch.filter((e) => !failed.has(e)));
    for (const err of failed.values()) throw err;
  }
}

/** Entries the index worker could not build even alone, with its error. */
type Failed = Map<IndexEntry, unknown>;

/** Writes `entries` as one batch, or as several when the worker cannot build them together; adds to `failed` those it could not. */
async function writeBatch(ctx: IndexCtx, entries: readonly IndexEntry[], failed: Failed = new Map()): Promise<Failed> {
  if (entries.length === 0) return failed;
  const regKey = `${ctx.store.searchDb.databaseName}|${ctx.archiveId}`;
  if (!registered.has(regKey)) {
    await registerIndexedArchive(ctx.store, ctx.archiveId);
    registered.add(regKey);
  }
  // Lost only to a merge that declared the batch abandoned after ABANDON_MS: write it again.
  while (!(await writeAs(ctx, await reserveBatch(ctx), entries, failed)));
  return failed;
}

/**
 * Builds and commits `entries` as batch `seq`; false when a merge declared it abandoned first.
 * A batch the worker cannot build (its terms outgrew the worker's heap, a message its tokenizer
 * fails on) is built again in halves, the first under the same number, so that only a message
 * that fails alone fails, and the messages it came with are indexed.
 */
async function writeAs(ctx: IndexCtx, seq: number, entries: readonly IndexEntry[], failed: Failed): Promise<boolean> {
  let built: BuiltBatch;
  try {
    built = await buildInWorker({ entries, docNo0: seq * MAX_BATCH, segId: newSegmentId() });
  } catch (err) {
    if (entries.length === 1) {
      failed.set(entries[0]!, err);
      await abandonBatch(ctx, seq);
      return true;
    }
    const half = Math.ceil(entries.length / 2);
    if (!(await writeAs(ctx, seq, entries.slice(0, half), failed))) return false;
    await writeBatch(ctx, entries.slice(half), failed);
    return true;
  }
  if (built.kind === 'packed') {
    await insertDoc(ctx.store, freshPart(ctx.layout, ctx.key), { _id: built.info.id, z: built.z });
  } else {
    const write = partWriter(ctx, built.info.id);
    for (const { partition, docs, sizes } of built.writes) await write(partition, docs, sizes);
  }
  return commitBatch(ctx, seq, built.info);
}

/**
 * Marks messages as indexed, after their commit: a crash in between leaves an indexed message
 * without its mark, which a retried ingest indexes again and the next merge deduplicates.
 */
async function markIndexed(ctx: IndexCtx, entries: readonly IndexEntry[]): Promise<void> {
  await insertDocs(ctx.store, marksPart(ctx.layout, ctx.key), entries.map((e) => ({ _id: e.sha256 })), { ignoreDuplicates: true });
}

/**
 * Text one batch tokenizes at most (entries beyond it wait for the next batch): whole bodies are
 * indexed now, and a batch's terms are held in memory until its segment is written.
 */
const MAX_BATCH_CHARS = 8 * 1024 * 1024;

/** How many waiting entries the next batch takes: at least one, at most MAX_BATCH or MAX_BATCH_CHARS of text. */
function batchLength(queue: readonly Waiting[]): number {
  let chars = 0;
  for (let i = 0; i < Math.min(queue.length, MAX_BATCH); i++) {
    const e = queue[i]!.entry;
    chars += e.body.length + (e.alternativeText?.length ?? 0) + e.attachmentText.reduce((n, t) => n + t.length, 0);
    if (chars > MAX_BATCH_CHARS && i > 0) return i;
  }
  return Math.min(queue.length, MAX_BATCH);
}

interface Waiting {
  entry: IndexEntry;
  done: (err?: unknown) => void;
}

/** Per archive, in this process: entries waiting for the next batch, and the merge state. */
class ArchiveWriter {
  private queue: Waiting[] = [];
  private writing: Promise<void> | null = null;
  private merging: Promise<void> | null = null;
  private sinceMerge = { batches: 0, messages: 0 };
  private idle: NodeJS.Timeout | null = null;
  /**
   * Messages queued or written and not yet marked indexed. A second add of one (the same message
   * archived twice at once, as a journal batch may) gets the first one's answer: its "already
   * indexed?" check could not see the mark yet, and would index the message twice.
   */
  private readonly unmarked = new Map<string, Promise<void>>();

  constructor(private readonly ctx: IndexCtx) {}

  add(entry: IndexEntry): Promise<void> {
    const known = this.unmarked.get(entry.sha256);
    if (known) return known;
    const added = new Promise<void>((resolve, reject) => {
      this.queue.push({ entry, done: (err) => (err ? reject(err) : resolve()) });
      this.kick();
    });
    this.unmarked.set(entry.sha256, added);
    return added;
  }

  /**
   * One batch at a time; whatever arrives meanwhile forms the next one. The first batch starts
   * after the current turn of the event loop, so that the copies one ingest adds together (a
   * crawl page, a journal batch) share it instead of the first going alone.
   */
  private kick(): void {
    if (this.writing) return;
    this.writing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain()).finally(() => {
      this.writing = null;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      // The batch is taken once a slot is free: what queued while waiting joins it.
      const release = await buildSlots.acquire();
      const batch = this.queue.splice(0, batchLength(this.queue));
      const entries = batch.map((w) => w.entry);
      let failed: Failed;
      try {
        failed = await writeBatch(this.ctx, entries);
      } catch (err) {
        batch.forEach((w) => w.done(err));
        this.forget(entries);
        continue;
      } finally {
        release();
      }
      // Searchable from here: the ingests go on while the marks are written.
      batch.forEach((w) => w.done(failed.get(w.entry)));
      this.sinceMerge.batches++;
      this.sinceMerge.messages += entries.length;
      await markIndexed(this.ctx, entries.filter((e) => !failed.has(e))).catch(reportBackgroundError);
      this.forget(entries);
      // Checked per batch: a queue that never empties (a long crawl) must not put merges off for good.
      if (this.sinceMerge.batches >= BUSY_MERGE_BATCHES || this.sinceMerge.messages >= MERGE_MESSAGES) this.merge();
    }
    if (this.sinceMerge.batches > 0) this.scheduleIdleMerge();
  }

  private forget(entries: readonly IndexEntry[]): void {
    for (const e of entries) this.unmarked.delete(e.sha256);
  }

  private scheduleIdleMerge(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.merge(), IDLE_MERGE_MS);
    this.idle.unref();
  }

  merge(): void {
    if (this.merging) return;
    this.sinceMerge = { batches: 0, messages: 0 };
    this.merging = mergeSlots
      .run(async () => {
        try {
          while (await mergeStep(this.ctx));
        } catch (err) {
          reportBackgroundError(err);
        }
      })
      .finally(() => (this.merging = null));
  }

  /** Waits for the batches and merges under way; the idle merge is dropped (the store may close). */
  async settle(): Promise<void> {
    while (this.writing || this.merging) await (this.writing ?? this.merging);
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
  }
}

/**
 * Merges this process runs at once, whatever the number of archives. A merge holds a few MB (a
 * partition of each input, the one it writes, the columns); archives crawled together reach
 * their merge points together, and twenty at once made the archive benchmark's memory peak.
 */
const mergeSlots = new Limiter(2);

/**
 * Batches this process builds and writes at once, whatever the number of archives. A batch's
 * terms, postings and encoded parts are held until its commit, and twenty archives crawled at
 * once built twenty. Measured (BENCH_USERS=20 BENCH_MESSAGES=600 npm run bench:archive, one run
 * each): unlimited 160.4 msg/s at a 327 MB peak, 8 slots 160.4 msg/s at 300 MB, 4 slots 132 msg/s
 * at 289 MB (the ingests waiting for their commits held the mailboxes' download slots). Batches
 * grow while they wait, so fewer are written.
 */
const buildSlots = new Limiter(8);

const writers = new WeakMap<object, Map<string, ArchiveWriter>>();

async function writerFor(store: Pick<Store, 'searchDb'>, archiveId: string): Promise<ArchiveWriter> {
  let byArchive = writers.get(store.searchDb);
  if (!byArchive) writers.set(store.searchDb, (byArchive = new Map()));
  let w = byArchive.get(archiveId);
  if (!w) {
    const ctx = await indexCtx(store, archiveId);
    w = byArchive.get(archiveId) ?? new ArchiveWriter(ctx);
    byArchive.set(archiveId, w);
  }
  return w;
}

/**
 * Merges and marks that fail are made up for later (the next merge; a retried ingest indexes an
 * unmarked message again and merges deduplicate); a closed store (shutdown) is not worth a word.
 */
function reportBackgroundError(err: unknown): void {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  if (/not ?connected|closed|topology|interrupted/i.test(text)) return;
  console.error(`[search-index] background index work failed: ${text}`);
}

/** Waits for this process's pending batches and merges (tests, benchmarks, shutdown). */
export async function flushIndex(store: Pick<Store, 'searchDb'>, archiveId?: string): Promise<void> {
  const byArchive = writers.get(store.searchDb);
  if (!byArchive) return;
  for (const [id, w] of byArchive) if (!archiveId || id === archiveId) await w.settle();
}

/** Merges an archive's index as far as the policy goes, or into one segment with `force`; `purge` rewrites segments holding deleted messages. */
export async function compactIndex(store: Pick<Store, 'searchDb'>, archiveId: string, opts: { force?: boolean; purge?: boolean } = {}): Promise<void> {
  await flushIndex(store, archiveId);
  await compact(await indexCtx(store, archiveId), opts);
}

export interface ArchivedItem {
  archiveId: string;
  sha256: string;
  folder: string;
  receivedAt: Date;
  size: number;
  hasAttachments: boolean;
}

type Content = MessageContent | MessageMeta | MessageDoc;

export function entryFor(item: Omit<ArchivedItem, 'archiveId'>, content: Content, copies = 1): IndexEntry {
  const from = content.from?.[0];
  const text = content as { bodyText?: string; alternativeText?: string; attachmentText?: string[] };
  return {
    sha256: item.sha256,
    receivedAt: item.receivedAt,
    folder: item.folder,
    size: item.size,
    hasAttachments: item.hasAttachments,
    subject: content.subject ?? '',
    from: from ? { name: from.name ?? '', address: from.address ?? '' } : null,
    moreFrom: (content.from ?? []).slice(1).map((a) => ({ name: a.name ?? '', address: a.address ?? '' })),
    to: [...(content.to ?? []), ...(content.cc ?? []), ...(content.bcc ?? [])].map((a) => ({ name: a.name ?? '', address: a.address ?? '' })),
    attachmentNames: attachmentNames(content.attachments),
    body: text.bodyText ?? '',
    alternativeText: text.alternativeText ?? '',
    attachmentText: text.attachmentText ?? [],
    copies,
  };
}

/**
 * The ingest path's call, after the item is stored: indexes a newly archived message, or one
 * that was stored before but never indexed (an ingest that crashed in between). Resolves once
 * the message is searchable. `copies`: how many archives this ingest indexes the message into.
 */
export async function indexArchivedItem(store: IndexStore, item: ArchivedItem, content: Content, outcome: 'inserted' | 'existing', copies = 1): Promise<void> {
  const ctx = await indexCtx(store, item.archiveId);
  if (outcome === 'existing' && (await getDoc(store, marksPart(ctx.layout, ctx.key), item.sha256))) return;
  let source: Content = content;
  if (!('bodyText' in content) || content.bodyText === undefined) {
    // The blob was already stored for another archive: its text is in the message document.
    source = (await getMessageDoc(store.conn, item.sha256)) ?? content;
  }
  await (await writerFor(store, item.archiveId)).add(entryFor(item, source, copies));
}

/** The id a search result carries: the item id of store/items.ts. */
export const resultId = itemId;

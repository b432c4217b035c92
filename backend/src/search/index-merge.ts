/**
 * Merging segments, so that a search reads a few large segments rather than many batches.
 * Policy: once enough batches wait, fold them in together with each existing segment (smallest
 * first) no larger than RATIO times what is merged so far. Segment sizes then grow geometrically: an
 * archive of N messages has O(log N) segments, and each message is rewritten O(log N) times.
 * A merge streams its inputs (term order, ordinal order), so its memory stays small whatever
 * the segment sizes; it drops a message indexed twice (a retried ingest) by its hash, and
 * every message a deletion names (index-tomb.ts). A segment with many deleted messages is
 * rewritten on its own, so that deletions do not slow searches down for long.
 */
import { randomBytes } from 'node:crypto';
import { deleteDocs, dropPart, freshPart, listArchiveTables, segmentPart, tombPart } from '../store/postings';
import { BucketedWriter } from './index-bucket-writer';
import { openSegment, partWriter, type IndexCtx, type RecordBlock, type SegInfo, type SegmentView, type TombInfo } from './index-bucketed';
import { FIELD_CODES, ByteReader, MergedTerm, type ByteWriter, TermRecordWalker, appendList, decodeListInto, type FieldCode, type TermRecord } from './index-codec';
import { mergeableBatches, pruneMeta, publishManifest, readIndexState, tryMergeLock, type Manifest } from './index-manifest';
import { ColumnsBuilder, byTerm, compareKeys, type Columns, type Summary } from './index-segment';
import { HashSet } from './hash-set';
import { deadBits, deadDocNos, tombsFor } from './index-tomb';

const RATIO = 1;
/** Batches waiting before a merge is worth it (each costs searches one lookup per word)… */
const MERGE_BATCHES = 8;
/** …or messages: a backfill's big batches are merged as they come. */
export const MERGE_MESSAGES = 1000;
/** Replaced segments stay readable this long for searches that started before the merge. */
export const RETIRE_GRACE_MS = 2 * 60_000;
/** Tables left behind by a merge that crashed are swept once this old. */
const ORPHAN_AGE_MS = 60 * 60_000;
/** A segment with at least this share of its messages deleted is rewritten without them. */
const DELETED_SHARE = 0.2;

export function newSegmentId(now = Date.now()): string {
  return `${now.toString(36)}${randomBytes(3).toString('hex')}`;
}

const segmentTime = (id: string) => parseInt(id.slice(0, -6), 36);

/** The segments to merge into one, or null when the index is fine as it is. */
export function chooseInputs(segs: readonly SegInfo[], batches: readonly SegInfo[], force = false): SegInfo[] | null {
  const waiting = batches.reduce((n, s) => n + s.n, 0);
  if (!force && batches.length < MERGE_BATCHES && waiting < MERGE_MESSAGES) return null;
  const inputs = [...batches];
  let acc = batches.reduce((n, s) => n + s.n, 0);
  for (const seg of [...segs].sort((a, b) => a.n - b.n)) {
    if (!force && seg.n > RATIO * Math.max(acc, 1)) break;
    inputs.push(seg);
    acc += seg.n;
  }
  return inputs.length > 1 || batches.length > 0 ? inputs : null;
}

/**
 * Writes the merge of `inputs` as one new segment, without the messages of `dead` (docNos);
 * `applied` says which deletions those are (all numbered up to it).
 */
export async function mergeSegments(ctx: IndexCtx, inputs: readonly SegInfo[], dead: ReadonlySet<number> = new Set(), applied = 0): Promise<SegInfo> {
  const views = await Promise.all(inputs.map((s) => openSegment(ctx, s, { keep: false, whole: true })));
  const cols = await Promise.all(views.map((v) => v.columns()));
  const segId = newSegmentId();
  const writer = new BucketedWriter(partWriter(ctx, segId), segId);
  const { remaps, columns } = await mergeOrder(views, cols, writer, dead);
  await writer.addColumns(columns);
  await mergeTerms(views, remaps, writer);
  const info = await writer.finish(columns.n, columns.folders);
  return applied > 0 ? { ...info, applied } : info;
}

/** Result order across the inputs; writes the summaries and returns old → new ordinals. */
async function mergeOrder(views: SegmentView[], cols: Columns[], writer: BucketedWriter, dead: ReadonlySet<number>): Promise<{ remaps: Int32Array[]; columns: Columns }> {
  const total = cols.reduce((n, c) => n + c.n, 0);
  const remaps = cols.map((c) => new Int32Array(c.n).fill(-1));
  const summaries = await Promise.all(views.map((v) => BlockCursor.open(v.summaryBlocks())));
  const pos = cols.map(() => 0);
  const builder = new ColumnsBuilder(total);
  const seen = new HashSet(total);
  let ord = 0;
  for (;;) {
    let best = -1;
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i] as Columns;
      const p = pos[i] as number;
      if (p >= c.n) continue;
      const b = best >= 0 ? (cols[best] as Columns) : null;
      const bp = best >= 0 ? (pos[best] as number) : 0;
      if (!b || compareKeys(c.date[p] as number, c.docNo[p] as number, b.date[bp] as number, b.docNo[bp] as number) < 0) best = i;
    }
    if (best < 0) break;
    const c = cols[best] as Columns;
    const p = pos[best] as number;
    pos[best] = p + 1;
    const cursor = summaries[best] as BlockCursor<Summary>;
    const s = cursor.head;
    if (!s) throw new Error('segment has fewer summaries than messages');
    await cursor.next();
    if (dead.has(c.docNo[p] as number) || !seen.add(s.sha)) continue;
    (remaps[best] as Int32Array)[p] = ord;
    builder.set(ord, c.date[p] as number, c.docNo[p] as number, c.size[p] as number, (c.flags[p] as number) === 1, c.folders[c.folder[p] as number] ?? '');
    await writer.addSummary(s);
    ord++;
  }
  const b = builder.cols;
  const columns: Columns = { n: ord, date: b.date.subarray(0, ord), docNo: b.docNo.subarray(0, ord), size: b.size.subarray(0, ord), flags: b.flags.subarray(0, ord), folder: b.folder.subarray(0, ord), folders: b.folders };
  return { remaps, columns };
}

let scratch = new Uint32Array(1 << 16);

/** `scratch` with room for `n` ordinals, the first `keep` of them kept. */
function scratchFor(n: number, keep: number): Uint32Array {
  if (scratch.length < n) {
    const bigger = new Uint32Array(Math.max(scratch.length * 2, n));
    bigger.set(scratch.subarray(0, keep));
    scratch = bigger;
  }
  return scratch;
}

/**
 * A merge input's term records one at a time, read where they lie: in a bucket's bytes, or
 * decoded before (a packed segment). `next` returns a promise only when it has to read the next
 * block, so a merge awaits once a bucket instead of once a record.
 */
class RecordCursor {
  term: string | null = null;
  private walker: TermRecordWalker | null = null;
  private records: readonly TermRecord[] = [];
  private i = 0;

  private constructor(private readonly blocks: AsyncIterator<RecordBlock>) {}

  static async open(blocks: AsyncIterator<RecordBlock>): Promise<RecordCursor> {
    const cursor = new RecordCursor(blocks);
    await cursor.read();
    return cursor;
  }

  /**
   * Field c's list of the current record, through `remap`, into `out` from `n` on (scratchFor
   * makes room); the new count.
   */
  decodeField(c: number, remap: Int32Array, n: number): number {
    if (this.walker) {
      const length = (this.walker.to[c] as number) - (this.walker.from[c] as number);
      return length === 0 ? n : this.walker.decodeList(c, remap, scratchFor(n + length, n), n);
    }
    const list = (this.records[this.i] as TermRecord).lists[FIELD_CODES[c] as FieldCode];
    return list ? decodeListInto(new ByteReader(list), list.length, remap, scratchFor(n + list.length, n), n) : n;
  }

  next(): Promise<void> | undefined {
    if (this.walker ? this.walker.advance() : ++this.i < this.records.length) return void this.show();
    return this.read();
  }

  private show(): void {
    this.term = this.walker ? this.walker.term : (this.records[this.i] as TermRecord).term;
  }

  private async read(): Promise<void> {
    for (;;) {
      const r = await this.blocks.next();
      if (r.done) return void (this.term = null);
      if (Buffer.isBuffer(r.value)) [this.walker, this.records] = [new TermRecordWalker(r.value), []];
      else [this.walker, this.records, this.i] = [null, r.value, 0];
      if (this.walker ? this.walker.advance() : this.records.length > 0) return this.show();
    }
  }
}

/**
 * Items of a stream of blocks one at a time: `next` returns a promise only when it has to read
 * the next block, so a merge awaits once a block instead of once an item.
 */
class BlockCursor<T> {
  head: T | null = null;
  private block: readonly T[] = [];
  private i = 0;

  private constructor(private readonly blocks: AsyncIterator<readonly T[]>) {}

  static async open<T>(blocks: AsyncIterator<readonly T[]>): Promise<BlockCursor<T>> {
    const cursor = new BlockCursor(blocks);
    await cursor.read();
    return cursor;
  }

  next(): Promise<void> | undefined {
    if (++this.i >= this.block.length) return this.read();
    this.head = this.block[this.i] as T;
    return undefined;
  }

  private async read(): Promise<void> {
    for (;;) {
      const r = await this.blocks.next();
      if (r.done) return void (this.head = null);
      if (r.value.length === 0) continue;
      [this.block, this.i, this.head] = [r.value, 0, r.value[0] as T];
      return;
    }
  }
}

/** Every term of the inputs in term order, its lists merged field by field into one reused MergedTerm. */
async function mergeTerms(views: SegmentView[], remaps: Int32Array[], writer: BucketedWriter): Promise<void> {
  const cursors = await Promise.all(views.map((v) => RecordCursor.open(v.recordBlocks())));
  const at: number[] = [];
  const merged = new MergedTerm();
  for (let term = smallestHead(cursors, at); term !== null; term = smallestHead(cursors, at)) {
    merged.reset(term);
    for (let c = 0; c < FIELD_CODES.length; c++) mergeField(cursors, at, remaps, c, merged.lists[c] as ByteWriter);
    // An index, not for-of: an iterator held across an await is an object and a result per step.
    for (let k = 0; k < at.length; k++) {
      const reading = (cursors[at[k] as number] as RecordCursor).next();
      if (reading) await reading;
    }
    const writing = merged.empty ? undefined : writer.addTerm(merged);
    if (writing) await writing;
  }
}

/** Field c of the term at the cursors in `at`: every input's ordinals mapped to the new segment, ascending. */
function mergeField(cursors: readonly RecordCursor[], at: readonly number[], remaps: readonly Int32Array[], c: number, out: ByteWriter): void {
  let n = 0;
  let parts = 0;
  for (const i of at) {
    const before = n;
    n = (cursors[i] as RecordCursor).decodeField(c, remaps[i] as Int32Array, n);
    if (n > before) parts++;
  }
  if (n === 0) return;
  // Each input's remap keeps its order, so one input's list is sorted already.
  if (parts > 1) scratch.subarray(0, n).sort();
  appendList(out, scratch, n);
}

/**
 * The smallest term at the cursors' heads, and in `at` the cursors whose head it is; null when
 * every cursor is done. One pass: a merge takes in a few dozen inputs and a few hundred
 * thousand terms.
 */
function smallestHead(cursors: readonly RecordCursor[], at: number[]): string | null {
  let term: string | null = null;
  at.length = 0;
  for (let i = 0; i < cursors.length; i++) {
    const head = (cursors[i] as RecordCursor).term;
    if (head === null) continue;
    if (term !== null && head !== term) {
      if (byTerm(head, term) > 0) continue;
      at.length = 0;
    }
    term = head;
    at.push(i);
  }
  return term;
}

/** Removes what replaced segments left: packed batches' documents, bucketed segments' tables. */
async function dropSegments(ctx: IndexCtx, segs: readonly SegInfo[], tombs: readonly TombInfo[] = []): Promise<void> {
  if (tombs.length) await deleteDocs(ctx.store, tombPart(ctx.layout, ctx.key), tombs.map((t) => t.id));
  const packed = segs.filter((s) => s.kind === 'packed').map((s) => s.id);
  if (packed.length) await deleteDocs(ctx.store, freshPart(ctx.layout, ctx.key), packed);
  for (const seg of segs) {
    if (seg.kind !== 'bucketed') continue;
    if (ctx.layout === 'shared') await dropPart(ctx.store, segmentPart(ctx.layout, ctx.key, seg.id, 0));
    else for (let p = 0; p < seg.parts; p++) await dropPart(ctx.store, segmentPart(ctx.layout, ctx.key, seg.id, p));
  }
}

/** Tables of segments no manifest knows, left by merges or batches that died half-way. */
async function sweepOrphans(ctx: IndexCtx, known: ReadonlySet<string>, now: number): Promise<void> {
  if (ctx.layout !== 'partitioned') return;
  for (const table of await listArchiveTables(ctx.store, ctx.key)) {
    const segId = table.split('_')[2];
    if (!segId || ['meta', 'marks', 'fresh', 'tomb'].includes(segId) || known.has(segId)) continue;
    const born = segmentTime(segId);
    if (Number.isFinite(born) && now - born > ORPHAN_AGE_MS) await dropPart(ctx.store, { coll: table, prefix: '' });
  }
}

export interface MergeResult {
  merged: number;
  segments: number;
}

/**
 * Segments to rewrite for their deleted messages: those with DELETED_SHARE of them deleted, or
 * any deleted at all with `purge` (an erasure, whose text must leave the database).
 */
async function segmentsToPurge(ctx: IndexCtx, segs: readonly SegInfo[], tombs: readonly TombInfo[], purge: boolean): Promise<SegInfo[]> {
  const out: SegInfo[] = [];
  for (const seg of segs) {
    if (tombsFor(seg, tombs).length === 0) continue;
    const dead = await deadBits(ctx, seg, await (await openSegment(ctx, seg)).columns(), tombs);
    const count = dead?.count() ?? 0;
    if (count > 0 && (purge || count >= DELETED_SHARE * seg.n)) out.push(seg);
  }
  return out;
}

/**
 * One merge step if the policy asks for one (or always with `force`; `purge` rewrites every
 * segment holding deleted messages): merge, publish the next manifest version, then clean up.
 * Returns null when there was nothing to do or another merge won.
 */
export async function mergeStep(ctx: IndexCtx, opts: { force?: boolean; purge?: boolean; now?: () => number } = {}): Promise<MergeResult | null> {
  const now = opts.now ?? Date.now;
  const state = await readIndexState(ctx, { exact: true });
  const manifest = state.manifest;
  const batches = await mergeableBatches(ctx, state, now());
  const committed = batches.flatMap((b) => (b.seg ? [b.seg] : []));
  const w = batches.length > 0 ? (batches.at(-1) as { seq: number }).seq : manifest.w;
  // The deletions this step knows in full: those folded in before, and those it folds in now.
  const tombs = [...manifest.tomb, ...batches.flatMap((b) => (b.del ? [b.del] : []))];
  const purged = await segmentsToPurge(ctx, manifest.segs, tombs, opts.purge ?? false);
  const chosen = chooseInputs(manifest.segs, committed, opts.force);
  // A rewrite for deletions takes the waiting batches along: the watermark moves past them.
  const inputs = purged.length > 0 ? [...new Map([...(chosen ?? committed), ...purged].map((s) => [s.id, s])).values()] : chosen;
  const retiredDue = manifest.retired.filter((r) => now() - r.at >= RETIRE_GRACE_MS);
  const tombsDue = manifest.tombRetired.filter((r) => now() - r.at >= RETIRE_GRACE_MS);
  // Batches are folded in by a merge, or skipped when none of them is a segment (abandoned, or deletions).
  const advance = batches.length > 0 && (inputs !== null || committed.length === 0);
  if (!inputs && !advance && retiredDue.length === 0 && tombsDue.length === 0) return null;
  if (!(await tryMergeLock(ctx, manifest.v, now()))) return null;
  let merged: SegInfo | null = null;
  const inputIds = new Set((inputs ?? []).map((s) => s.id));
  const reuse = inputs?.length === 1 && inputs[0]!.kind === 'bucketed' && !purged.includes(inputs[0]!);
  if (inputs && inputs.length > 0) merged = reuse ? inputs[0]! : await mergeSegments(ctx, inputs, await deadDocNos(ctx, tombs), w);
  const keep = manifest.segs.filter((s) => !inputIds.has(s.id));
  const retiring = (inputs ?? []).filter((s) => s !== merged).map((seg) => ({ seg, at: now() }));
  const segs = merged ? [...keep, merged] : keep;
  // A deletion is needed while a segment written before it was applied may still hold its messages.
  const folded = advance ? tombs : manifest.tomb;
  const stillNeeded = folded.filter((t) => segs.some((s) => (s.applied ?? 0) < t.seq));
  const next: Manifest = {
    v: manifest.v + 1,
    w: advance ? w : manifest.w,
    segs,
    retired: [...manifest.retired.filter((r) => !retiredDue.includes(r)), ...retiring],
    tomb: stillNeeded,
    tombRetired: [...manifest.tombRetired.filter((r) => !tombsDue.includes(r)), ...folded.filter((t) => !stillNeeded.includes(t)).map((tomb) => ({ tomb, at: now() }))],
  };
  if (!(await publishManifest(ctx, next))) {
    if (merged && !inputIds.has(merged.id)) await dropSegments(ctx, [merged]);
    return null;
  }
  await dropSegments(ctx, retiredDue.map((r) => r.seg), tombsDue.map((r) => r.tomb));
  await pruneMeta(ctx, next, manifest);
  const known = new Set([...next.segs, ...next.retired.map((r) => r.seg)].map((s) => s.id));
  for (const b of (await readIndexState(ctx, { exact: true })).batches) known.add(b.seg.id);
  await sweepOrphans(ctx, known, now());
  return { merged: inputs?.length ?? 0, segments: next.segs.length };
}

/** Merges until the policy is satisfied (or into one segment with `force`; see mergeStep for `purge`). */
export async function compact(ctx: IndexCtx, opts: { force?: boolean; purge?: boolean } = {}): Promise<void> {
  if (opts.force || opts.purge) await mergeStep(ctx, opts);
  for (let i = 0; i < 64 && (await mergeStep(ctx)); i++);
}

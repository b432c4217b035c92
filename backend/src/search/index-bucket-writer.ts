/**
 * Writes a bucketed segment (index-bucketed.ts has the layout) through a `WritePart`: no database
 * here, so that the index worker (index-build.ts) can encode a batch's segment off the main thread.
 */
import { deflateRawSync } from 'node:zlib';
import type { IndexDoc } from '../store/postings';
import { TimeSlice } from '../time-slice';
import { ByteWriter, TermRecordWriter, encodeCounts, encodeStrings, termRecordBytes, type MergedTerm, type TermRecord } from './index-codec';
import { COLUMN_CHUNK, DOC_BLOCK, byTerm, encodeColumns, encodeSummaries, summaryBytes, type Columns, type SegmentData, type Summary } from './index-segment';
import type { SegInfo } from './index-bucketed';

export const PART_ROWS = 256;
export const PART_BYTES = 1024 * 1024;
export const BUCKET_BYTES = 12 * 1024;

export const pad = (i: number, width = 8) => String(i).padStart(width, '0');

/**
 * A bucket's term records, deflated (`z`): they shrink by about 30 % (the posting varints are
 * dense; the front-coded terms are not), which a lookup pays back in fewer bytes read (FerretDB
 * reads a partition's rows to find one) and an inflate of ~12 KB. Buckets written before were
 * stored as they are (`t`).
 */
const compressBucket = (records: Buffer): Buffer => deflateRawSync(records, { level: 1 });

/**
 * Where a bucketed segment's documents go, partition by partition: the database, or (in the index
 * worker, index-build.ts) a list the main thread writes.
 */
export type WritePart = (partition: number, docs: IndexDoc[], sizes?: number[]) => Promise<void>;

/** Collects a bucketed segment's documents in `_id` order and writes them partition by partition. */
class PartitionSink {
  private readonly first: IndexDoc[] = [];
  private pending: IndexDoc[] = [];
  private pendingSizes: number[] = [];
  private pendingBytes = 0;
  private partition = 0;
  private rows = 0;
  private bytes = 0;
  readonly bounds: string[] = [];
  written = 0;

  constructor(private readonly write: WritePart) {}

  async add(doc: IndexDoc, size: number): Promise<void> {
    if (this.rows > 0 && (this.rows >= PART_ROWS || this.bytes + size > PART_BYTES)) {
      await this.flush();
      this.partition++;
      this.rows = 0;
      this.bytes = 0;
    }
    if (this.rows === 0) this.bounds.push(doc._id);
    this.rows++;
    this.bytes += size;
    this.written += size;
    // The first partition waits for the meta document, which must be its first row (read first).
    if (this.partition === 0) {
      this.first.push(doc);
      return;
    }
    this.pending.push(doc);
    this.pendingSizes.push(size);
    this.pendingBytes += size;
    if (this.pendingBytes >= 2 * PART_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    await this.write(this.partition, this.pending, this.pendingSizes);
    this.pending = [];
    this.pendingSizes = [];
    this.pendingBytes = 0;
  }

  async finish(meta: IndexDoc): Promise<number> {
    await this.flush();
    await this.write(0, [meta, ...this.first]);
    return this.partition + 1;
  }
}

/**
 * Writes a bucketed segment: summaries in ordinal order, then the columns, then term records in
 * term order (the order of their ids).
 */
export class BucketedWriter {
  private readonly sink: PartitionSink;
  private docs: Summary[] = [];
  private docBlocks = 0;
  private bucket = new TermRecordWriter(new ByteWriter());
  private bucketFirst: string | null = null;
  private bucketTerms = 0;
  private readonly dir: string[] = [];
  private readonly dirTerms: number[] = [];
  private columnChunks = 0;
  private lastTerm: string | null = null;
  /** Writing a segment's terms (from a batch or a merge) serves the event loop as it goes. */
  private readonly slice = new TimeSlice();

  constructor(
    write: WritePart,
    readonly segId: string,
  ) {
    this.sink = new PartitionSink(write);
  }

  async addSummary(s: Summary): Promise<void> {
    this.docs.push(s);
    if (this.docs.length === DOC_BLOCK) await this.flushDocs();
  }

  private async flushDocs(): Promise<void> {
    if (this.docs.length === 0) return;
    const block = encodeSummaries(this.docs);
    await this.sink.add({ _id: `1d|${pad(this.docBlocks++)}`, ...block }, summaryBytes(block) + 40);
    this.docs = [];
  }

  async addColumns(cols: Columns): Promise<void> {
    await this.flushDocs();
    for (let from = 0; from < cols.n; from += COLUMN_CHUNK) {
      const c = encodeColumns(cols, from, Math.min(cols.n, from + COLUMN_CHUNK));
      await this.sink.add({ _id: `2c|${pad(this.columnChunks++)}`, c }, c.length + 40);
    }
  }

  /**
   * A promise only when the term fills a bucket or the time slice is spent: merges add hundreds of
   * thousands. A MergedTerm is written before the promise resolves: the caller may reuse it then.
   */
  addTerm(rec: TermRecord | MergedTerm): Promise<void> | undefined {
    if (this.lastTerm !== null && byTerm(this.lastTerm, rec.term) >= 0) throw new Error(`terms out of order: ${this.lastTerm} then ${rec.term}`);
    this.lastTerm = rec.term;
    if (this.bucketFirst !== null && this.bucket.out.length + termRecordBytes(rec) > BUCKET_BYTES) return this.flushBucket().then(() => this.append(rec));
    return this.append(rec);
  }

  private append(rec: TermRecord | MergedTerm): Promise<void> | undefined {
    this.bucketFirst ??= rec.term;
    this.bucket.write(rec);
    this.bucketTerms++;
    return this.slice.spent ? this.slice.yield() : undefined;
  }

  private async flushBucket(): Promise<void> {
    if (this.bucketFirst === null) return;
    const z = compressBucket(this.bucket.out.result());
    await this.sink.add({ _id: `3b|${pad(this.dir.length)}`, z }, z.length + 40);
    this.dir.push(this.bucketFirst);
    this.dirTerms.push(this.bucketTerms);
    this.bucket = new TermRecordWriter(new ByteWriter());
    this.bucketFirst = null;
    this.bucketTerms = 0;
  }

  async finish(n: number, folders: string[]): Promise<SegInfo> {
    await this.flushDocs();
    await this.flushBucket();
    const meta = { _id: '0meta', n, folders, dir: encodeStrings(this.dir), dirTerms: encodeCounts(this.dirTerms), bounds: this.sink.bounds, docBlocks: this.docBlocks, docBlock: DOC_BLOCK, chunks: this.columnChunks };
    const parts = await this.sink.finish(meta);
    return { id: this.segId, n, kind: 'bucketed', parts, bytes: this.sink.written };
  }
}

/** Writes an in-memory segment as a bucketed one. */
export async function writeBucketed(write: WritePart, segId: string, seg: SegmentData): Promise<SegInfo> {
  const w = new BucketedWriter(write, segId);
  for (const s of seg.summaries) await w.addSummary(s);
  await w.addColumns(seg.columns);
  for (const rec of seg.records) {
    // As in merges: an await only when the writer has one (a batch has tens of thousands of terms).
    const writing = w.addTerm(rec);
    if (writing) await writing;
  }
  return w.finish(seg.columns.n, seg.columns.folders);
}


/**
 * A batch's segment, built off the main thread. Tokenizing a batch's text, sorting its postings
 * and encoding and compressing its documents took about a fifth of the backend's main thread in
 * the archive and journal benchmarks, the thread that also parses mail, serves the API and runs
 * the gateway. The index worker (index-worker.ts) does that part and hands back the documents;
 * the main thread only writes them, in the order `BucketedWriter` gives them. This module is the
 * main thread's side: what goes to the worker and back, and the worker's pool.
 */
import { availableParallelism } from 'node:os';
import type { IndexDoc } from '../store/postings';
import { WorkerPool } from '../workers/pool';
import type { SegInfo } from './index-bucketed';
import type { IndexEntry } from './index-segment';

export interface BuildRequest {
  entries: readonly IndexEntry[];
  /** The batch's first docNo: entries[i] is numbered docNo0 + i. */
  docNo0: number;
  segId: string;
}

/** One write of a bucketed segment: documents of one partition, with their sizes for the driver's batches. */
export interface PartWrite {
  partition: number;
  docs: IndexDoc[];
  sizes?: number[];
}

/** A built batch: one compressed document, or a bucketed segment's writes in the order they go. */
export type BuiltBatch = { kind: 'packed'; info: SegInfo; z: Uint8Array } | { kind: 'bucketed'; info: SegInfo; writes: PartWrite[] };

/**
 * A batch of the largest size (MAX_BATCH_CHARS of text) is tokenized and encoded in a second or
 * two; a worker still busy after this is stuck, and is ended (its batch is built again in
 * halves, index-store.ts).
 */
const BUILD_LIMIT_MS = 120_000;

let shared: WorkerPool<BuildRequest, BuiltBatch> | undefined;

/**
 * One worker per core but one, at most two: the main thread keeps a core for parsing, the
 * database driver and the API. A batch whose terms need more than 512 MB ends its worker, not
 * the process.
 */
function indexPool(): WorkerPool<BuildRequest, BuiltBatch> {
  return (shared ??= new WorkerPool({ module: 'index-worker', size: Math.max(1, Math.min(2, availableParallelism() - 1)), heapMb: 512, name: 'index worker' }));
}

/** Builds a batch's segment in the index worker. */
export function buildInWorker(request: BuildRequest): Promise<BuiltBatch> {
  return indexPool().run(request, { timeLimitMs: BUILD_LIMIT_MS });
}

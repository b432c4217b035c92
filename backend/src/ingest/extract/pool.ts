import { availableParallelism } from 'node:os';
import { WorkerPool } from '../../workers/pool';
import type { DocumentText } from './document';
import type { ExtractRequest } from './protocol';

let shared: WorkerPool<ExtractRequest, DocumentText> | undefined;

/**
 * The process's pool for attachment text (PDF parsing, inflating zips): one worker per core but
 * one, at least one and at most two, so extraction never takes every core of a small host from
 * the ingest thread. A hostile document that needs more than 384 MB of heap ends its worker.
 */
export function extractionPool(): WorkerPool<ExtractRequest, DocumentText> {
  return (shared ??= new WorkerPool({
    module: 'extract-worker',
    size: Math.max(1, Math.min(2, availableParallelism() - 1)),
    heapMb: 384,
    name: 'extraction worker',
  }));
}

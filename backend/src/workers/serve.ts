import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import type { WorkerReady, WorkerReply, WorkerRequest } from './protocol';
import { ownThreadId } from './thread-stats';

/** What this worker's V8 heap holds, sent with each answer. */
const heapBytes = () => getHeapStatistics().total_heap_size;

/**
 * The worker side of pool.ts: one request at a time, each answered with the handler's value or
 * its error's message; the pool ends the thread when one runs over its time. Call it once the
 * module has loaded what it needs, so that a job's time limit measures the job, not start-up.
 */
export function serveRequests<Req, Res>(handle: (request: Req) => Promise<Res>): void {
  const port = parentPort;
  if (!port) throw new Error('a pool worker module runs as a worker thread of workers/pool.ts');
  port.on('message', ({ id, request }: WorkerRequest<Req>) => {
    handle(request).then(
      (value) => port.postMessage({ id, ok: true, value, heapBytes: heapBytes() } satisfies WorkerReply<Res>),
      (err: unknown) => port.postMessage({ id, ok: false, error: err instanceof Error ? err.message : String(err), heapBytes: heapBytes() } satisfies WorkerReply<Res>),
    );
  });
  port.postMessage({ ready: true, tid: ownThreadId() } satisfies WorkerReady);
}

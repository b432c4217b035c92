/** What a pool posts to its worker threads, and what they answer. */
export interface WorkerRequest<Req> {
  id: number;
  request: Req;
}

/** An answer, with what the worker's V8 heap holds after it (total_heap_size, for the memory metrics). */
export type WorkerReply<Res> = ({ id: number; ok: true; value: Res } | { id: number; ok: false; error: string }) & { heapBytes: number };

/** A worker's first message: it is ready for requests, and which kernel thread it is (for the CPU metrics). */
export interface WorkerReady {
  ready: true;
  tid: number | null;
}

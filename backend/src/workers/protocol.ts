/** What a pool posts to its worker threads, and what they answer. */
export interface WorkerRequest<Req> {
  id: number;
  request: Req;
}

export type WorkerReply<Res> = { id: number; ok: true; value: Res } | { id: number; ok: false; error: string };

/** A worker's first message: it is ready for requests, and which kernel thread it is (for the CPU metrics). */
export interface WorkerReady {
  ready: true;
  tid: number | null;
}

/** What a pool posts to its worker threads, and what they answer. */
export interface WorkerRequest<Req> {
  id: number;
  request: Req;
}

export type WorkerReply<Res> = { id: number; ok: true; value: Res } | { id: number; ok: false; error: string };

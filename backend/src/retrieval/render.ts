import { availableParallelism } from 'node:os';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { WorkerJobError, WorkerPool, WorkerTimeoutError } from '../workers/pool';
import type { RenderRequest, RenderedBodies } from './render-worker';

/**
 * Rendering a message for the view (the MIME walk to its bodies, then sanitising the HTML) runs
 * in a worker thread with a time and heap budget: one hostile message must not hold the event
 * loop that serves the API, the archiving workers and the SMTP gateway, and whatever it costs
 * past the budget ends in a clear answer instead of a stalled server.
 */
export const RENDER_BUDGET = {
  /** Wall time of one rendering, from when a worker takes it; real mail needs well under a second. */
  timeLimitMs: 10_000,
  /** Heap of a render worker. */
  heapMb: 256,
  /** Raw bytes of the text and HTML parts read; past them the rest of the body is left out. */
  maxTextPartBytes: 8 * 1024 * 1024,
};

/** The message cannot be shown within the budget: the reader should download it instead. */
export class MessageTooComplexError extends Error {
  readonly code = 'message_too_complex';
  constructor(readonly reason: string) {
    super('This message is too complex to display; download it (.eml) and open it in a mail program.');
    this.name = 'MessageTooComplexError';
  }
}

let shared: WorkerPool<RenderRequest, RenderedBodies> | undefined;

function renderPool(): WorkerPool<RenderRequest, RenderedBodies> {
  return (shared ??= new WorkerPool({
    module: 'render-worker',
    size: Math.max(1, Math.min(2, availableParallelism() - 1)),
    heapMb: RENDER_BUDGET.heapMb,
    name: 'message render worker',
  }));
}

export interface RenderOptions {
  /** The view URL of each inline part the message lists, by bare Content-ID. */
  cidUrls: Record<string, string>;
  allowRemote: boolean;
  timeLimitMs?: number;
}

/**
 * The sanitised HTML and the body parts' problems of the message `open` reads. The bytes stream
 * into the worker as they are read (a transferred web stream), so nothing holds the whole
 * message on this thread.
 */
export async function renderMessage(open: () => Readable, opts: RenderOptions): Promise<RenderedBodies> {
  const source = open();
  const message = Readable.toWeb(source) as ReadableStream<Uint8Array>;
  const request: RenderRequest = { message, cidUrls: opts.cidUrls, allowRemote: opts.allowRemote, maxTextPartBytes: RENDER_BUDGET.maxTextPartBytes };
  try {
    return await renderPool().run(request, { timeLimitMs: opts.timeLimitMs ?? RENDER_BUDGET.timeLimitMs, transfer: [message as never] });
  } catch (err) {
    throw overBudget(err) ? new MessageTooComplexError((err as Error).message) : err;
  } finally {
    source.destroy();
  }
}

/** Ran over its time, ran out of heap, or the sanitiser gave up on it: the message's doing. */
function overBudget(err: unknown): boolean {
  return err instanceof WorkerTimeoutError || err instanceof WorkerJobError || (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
}

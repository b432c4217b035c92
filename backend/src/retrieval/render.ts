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
  /**
   * Bytes of the original read for the view. The view's headers, plain text and attachment list
   * come from the stored document; only the HTML body is taken from the original, and mail puts
   * its bodies before its attachments. Past this the bytes are attachments, which the view never
   * shows: parsing a 100 MB attachment to skip it took longer than the reader waits.
   */
  maxMessageBytes: 16 * 1024 * 1024,
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
  /** The original's size in bytes; past RENDER_BUDGET.maxMessageBytes only its start is read. */
  size?: number;
}

/**
 * The sanitised HTML and the body parts' problems of the message `open` reads. The bytes stream
 * into the worker as they are read (a transferred web stream), so nothing holds the whole
 * message on this thread.
 */
export async function renderMessage(open: () => Readable, opts: RenderOptions): Promise<RenderedBodies> {
  const source = open();
  const cut = (opts.size ?? 0) > RENDER_BUDGET.maxMessageBytes;
  const read = cut ? Readable.from(firstBytes(source, RENDER_BUDGET.maxMessageBytes)) : source;
  const message = Readable.toWeb(read) as ReadableStream<Uint8Array>;
  const request: RenderRequest = { message, cidUrls: opts.cidUrls, allowRemote: opts.allowRemote, maxTextPartBytes: RENDER_BUDGET.maxTextPartBytes };
  try {
    const bodies = await renderPool().run(request, { timeLimitMs: opts.timeLimitMs ?? RENDER_BUDGET.timeLimitMs, transfer: [message as never] });
    if (!cut) return bodies;
    const mb = (n: number) => `${Math.round(n / (1024 * 1024))} MB`;
    const note = `The view read the first ${mb(RENDER_BUDGET.maxMessageBytes)} of this ${mb(opts.size ?? 0)} message; an HTML body after that is not shown here (download the message for all of it).`;
    return { ...bodies, errors: [note, ...bodies.errors] };
  } catch (err) {
    throw overBudget(err) ? new MessageTooComplexError((err as Error).message) : err;
  } finally {
    source.destroy();
  }
}

async function* firstBytes(source: Readable, limit: number): AsyncGenerator<Buffer> {
  let left = limit;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    if (chunk.length >= left) return yield chunk.subarray(0, left);
    left -= chunk.length;
    yield chunk;
  }
}

/** Ran over its time, ran out of heap, or the sanitiser gave up on it: the message's doing. */
function overBudget(err: unknown): boolean {
  return err instanceof WorkerTimeoutError || err instanceof WorkerJobError || (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
}

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DocumentText } from './document';
import type { DocKind, ExtractReply, ExtractRequest, Source } from './protocol';

export interface ExtractJob {
  kind: DocKind;
  source: Source;
  maxChars: number;
}

export interface RunOptions {
  /** Wall time from the moment a worker takes the job; the worker is ended when it runs over. */
  timeLimitMs: number;
  /** Aborting drops a waiting job, or ends the worker running it. */
  signal?: AbortSignal;
}

export class ExtractTimeoutError extends Error {
  constructor(ms: number) {
    super(`timed out after ${+(ms / 1000).toFixed(3)} s`);
  }
}

interface Job extends ExtractJob, RunOptions {
  resolve(doc: DocumentText): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | null;
  jobId: number;
  timer?: NodeJS.Timeout;
}

const BOOT = new URL('./worker-boot.mjs', import.meta.url);
/** Start-up (loading pdf.js) on a loaded machine; a worker not ready by then is broken. */
const BOOT_LIMIT_MS = 60_000;
/** A worker idle this long is ended, returning its memory. */
const IDLE_MS = 30_000;
/** The V8 heap of a worker: a hostile document that needs more ends the worker, not the process. */
const HEAP_MB = 384;

/**
 * Worker threads for CPU-heavy attachment text (PDF parsing, inflating zips), so the ingest
 * process's event loop never waits on them. Workers are started on demand, reused, and ended
 * (then replaced on demand) when a job runs over its time or is aborted: that is the only way to
 * stop synchronous code stuck in a hostile document.
 */
export class ExtractPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;

  constructor(private readonly size: number) {}

  run(job: ExtractJob, options: RunOptions): Promise<DocumentText> {
    return new Promise((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) return reject(reasonOf(signal));
      const onAbort = () => this.abort(entry);
      const settle = () => signal?.removeEventListener('abort', onAbort);
      const entry: Job = {
        ...job,
        ...options,
        resolve: (doc) => (settle(), resolve(doc)),
        reject: (err) => (settle(), reject(err)),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(entry);
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length) {
      const slot = this.slots.find((s) => s.ready && !s.job);
      if (!slot) {
        if (this.slots.length < this.size) this.spawn();
        return;
      }
      this.start(slot, this.queue.shift() as Job);
    }
  }

  private spawn(): void {
    const worker = new Worker(BOOT, {
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: HEAP_MB, maxYoungGenerationSizeMb: 32 },
    });
    const slot: Slot = { worker, ready: false, job: null, jobId: 0 };
    slot.timer = setTimeout(() => void this.end(slot, new Error('the extraction worker did not start')), BOOT_LIMIT_MS);
    worker.on('message', (msg: ExtractReply | 'ready') => (msg === 'ready' ? this.ready(slot) : this.reply(slot, msg)));
    worker.on('error', (err) => void this.end(slot, err));
    worker.on('exit', (code) => void this.end(slot, new Error(`the extraction worker exited (code ${code})`)));
    this.slots.push(slot);
  }

  private ready(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.ready = true;
    this.idle(slot);
    this.pump();
  }

  private start(slot: Slot, job: Job): void {
    clearTimeout(slot.timer);
    slot.job = job;
    slot.jobId = this.nextId++;
    slot.worker.ref();
    slot.timer = setTimeout(() => void this.end(slot, new ExtractTimeoutError(job.timeLimitMs)), job.timeLimitMs);
    const request: ExtractRequest = { id: slot.jobId, kind: job.kind, source: job.source, maxChars: job.maxChars };
    slot.worker.postMessage(request);
  }

  private reply(slot: Slot, msg: ExtractReply): void {
    const job = slot.job;
    if (!job || msg.id !== slot.jobId) return;
    slot.job = null;
    if (msg.ok) job.resolve({ text: msg.text, warning: msg.warning });
    else job.reject(new Error(msg.error));
    this.idle(slot);
    this.pump();
  }

  /** An idle worker does not keep the process alive, and is ended after a while. */
  private idle(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.worker.unref();
    slot.timer = setTimeout(() => void this.end(slot, new Error('idle')), IDLE_MS);
    slot.timer.unref();
  }

  private abort(job: Job): void {
    const waiting = this.queue.indexOf(job);
    if (waiting >= 0) {
      this.queue.splice(waiting, 1);
      job.reject(reasonOf(job.signal));
      return;
    }
    const slot = this.slots.find((s) => s.job === job);
    if (slot) void this.end(slot, reasonOf(job.signal));
  }

  /** Removes the slot, fails its job with `err`, and ends the thread. */
  private async end(slot: Slot, err: Error): Promise<void> {
    const at = this.slots.indexOf(slot);
    if (at < 0) return;
    this.slots.splice(at, 1);
    clearTimeout(slot.timer);
    const job = slot.job;
    slot.job = null;
    job?.reject(err);
    // A worker that cannot start will not start on the next try either: fail the waiting jobs
    // instead of starting workers in a loop.
    if (!slot.ready) for (const waiting of this.queue.splice(0)) waiting.reject(err);
    await slot.worker.terminate();
    this.pump();
  }
}

function reasonOf(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error(String(reason ?? 'aborted'));
}

let shared: ExtractPool | undefined;

/**
 * The process's pool: one worker per core but one, at least one and at most two, so extraction
 * never takes every core of a small host from the ingest thread.
 */
export function extractionPool(): ExtractPool {
  return (shared ??= new ExtractPool(Math.max(1, Math.min(2, availableParallelism() - 1))));
}

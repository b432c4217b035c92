import type { Transferable, Worker } from 'node:worker_threads';
import type { WorkerModule } from '../runtime-paths';
import { startThread } from './thread';
import type { WorkerReady, WorkerReply, WorkerRequest } from './protocol';
import { registerThreadGroup, threadCpuSeconds } from './thread-stats';

export interface PoolOptions {
  /** The worker's module (runtime-paths.ts); it calls `serveRequests` (serve.ts). */
  module: WorkerModule;
  /** Threads at most; they are started on demand. */
  size: number;
  /** The V8 heap of a worker: a hostile input that needs more ends the worker, not the process. */
  heapMb: number;
  /** Names the worker in errors ('the extraction worker exited'). */
  name: string;
  /** Start-up on a loaded machine (loading pdf.js, say); a worker not ready by then is broken. */
  bootLimitMs?: number;
}

export interface RunOptions {
  /** Wall time from the moment a worker takes the job; the worker is ended when it runs over. */
  timeLimitMs: number;
  /** Aborting drops a waiting job, or ends the worker running it. */
  signal?: AbortSignal;
  /** Moved to the worker with the request (a MessagePort, a ReadableStream, an ArrayBuffer). */
  transfer?: Transferable[];
}

export class WorkerTimeoutError extends Error {
  constructor(ms: number) {
    super(`timed out after ${+(ms / 1000).toFixed(3)} s`);
  }
}

/** The worker's handler failed on this request (the input's doing); the worker itself is fine. */
export class WorkerJobError extends Error {}

interface Job<Req, Res> extends RunOptions {
  request: Req;
  resolve(value: Res): void;
  reject(err: Error): void;
}

interface Slot<Req, Res> {
  worker: Worker;
  ready: boolean;
  job: Job<Req, Res> | null;
  jobId: number;
  timer?: NodeJS.Timeout;
  /** The worker's kernel thread, once it said (for its CPU time). */
  tid?: number | null;
  /** Its V8 heap as of its last answer. */
  heapBytes?: number;
}

/** A worker idle this long is ended, returning its memory. */
const IDLE_MS = 30_000;

/**
 * A worker's young generation. V8 grows it to the limit under a steady allocation rate, as the
 * index and extraction workers have while archiving, and each worker's is on top of the main
 * thread's heap. `bench:archive` (20 × 2,000), backend peak RSS: first runs in the same stretch
 * of the machine 305 MB at 32 and 287 MB at 16 (326 and 321 s); full runs 304 and 304 MB at 16
 * against 318 and 310 MB at 32 the session before.
 */
const YOUNG_MB = 16;

/**
 * Worker threads for CPU-heavy work on untrusted content (attachment text, rendering a message
 * for the view), so the event loop that serves the API, the archiving workers and the SMTP
 * gateway never waits on it. Workers are started on demand, reused, and ended (then replaced on
 * demand) when a job runs over its time or is aborted: the only way to stop synchronous code
 * stuck in a hostile input.
 */
export class WorkerPool<Req, Res> {
  private readonly slots: Slot<Req, Res>[] = [];
  private readonly queue: Job<Req, Res>[] = [];
  private nextId = 1;
  /** CPU seconds of the pool's threads that have ended. */
  private endedCpu = 0;
  /** The most its threads' heaps held together, as of their answers. */
  private peakHeap = 0;

  constructor(private readonly opts: PoolOptions) {
    registerThreadGroup({
      name: opts.name,
      cpuSeconds: () => this.slots.reduce((n, s) => n + this.cpuOf(s), this.endedCpu),
      heapBytes: () => ({ now: this.heapNow(), peak: this.peakHeap }),
    });
  }

  private heapNow(): number {
    return this.slots.reduce((n, s) => n + (s.heapBytes ?? 0), 0);
  }

  private cpuOf(slot: Slot<Req, Res>): number {
    return (slot.tid && threadCpuSeconds(slot.tid)) || 0;
  }

  run(request: Req, options: RunOptions): Promise<Res> {
    return new Promise((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) return reject(reasonOf(signal));
      const onAbort = () => this.abort(entry);
      const settle = () => signal?.removeEventListener('abort', onAbort);
      const entry: Job<Req, Res> = {
        request,
        ...options,
        resolve: (value) => (settle(), resolve(value)),
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
        if (this.slots.length < this.opts.size) this.spawn();
        return;
      }
      this.start(slot, this.queue.shift()!);
    }
  }

  private spawn(): void {
    const worker = startThread(this.opts.module, {
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: this.opts.heapMb, maxYoungGenerationSizeMb: YOUNG_MB },
    });
    const slot: Slot<Req, Res> = { worker, ready: false, job: null, jobId: 0 };
    slot.timer = setTimeout(() => void this.end(slot, new Error(`the ${this.opts.name} did not start`)), this.opts.bootLimitMs ?? 60_000);
    worker.on('message', (msg: WorkerReply<Res> | WorkerReady) => ('ready' in msg ? this.ready(slot, msg.tid) : this.reply(slot, msg)));
    worker.on('error', (err) => void this.end(slot, err));
    worker.on('exit', (code) => void this.end(slot, new Error(`the ${this.opts.name} exited (code ${code})`)));
    this.slots.push(slot);
  }

  private ready(slot: Slot<Req, Res>, tid: number | null): void {
    clearTimeout(slot.timer);
    slot.tid = tid;
    slot.ready = true;
    this.idle(slot);
    this.pump();
  }

  private start(slot: Slot<Req, Res>, job: Job<Req, Res>): void {
    clearTimeout(slot.timer);
    slot.job = job;
    slot.jobId = this.nextId++;
    slot.worker.ref();
    slot.timer = setTimeout(() => void this.end(slot, new WorkerTimeoutError(job.timeLimitMs)), job.timeLimitMs);
    const message: WorkerRequest<Req> = { id: slot.jobId, request: job.request };
    slot.worker.postMessage(message, job.transfer);
  }

  private reply(slot: Slot<Req, Res>, msg: WorkerReply<Res>): void {
    const job = slot.job;
    slot.heapBytes = msg.heapBytes;
    this.peakHeap = Math.max(this.peakHeap, this.heapNow());
    if (!job || msg.id !== slot.jobId) return;
    slot.job = null;
    if (msg.ok) job.resolve(msg.value);
    else job.reject(new WorkerJobError(msg.error));
    this.idle(slot);
    this.pump();
  }

  /** An idle worker does not keep the process alive, and is ended after a while. */
  private idle(slot: Slot<Req, Res>): void {
    clearTimeout(slot.timer);
    slot.worker.unref();
    slot.timer = setTimeout(() => void this.end(slot, new Error('idle')), IDLE_MS);
    slot.timer.unref();
  }

  private abort(job: Job<Req, Res>): void {
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
  private async end(slot: Slot<Req, Res>, err: Error): Promise<void> {
    const at = this.slots.indexOf(slot);
    if (at < 0) return;
    // Its last reading: once the thread has ended, /proc no longer has it.
    this.endedCpu += this.cpuOf(slot);
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

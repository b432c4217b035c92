import { createLogger, type Logger } from '../log';
import { keepRenewing } from '../lease-renewal';
import {
  claimNext,
  claimOf,
  complete,
  contributeProgress,
  enqueue,
  expireLeasesOf,
  fail,
  heartbeat,
  markCancelled,
  release,
  updateProgress,
  DATABASE_UNAVAILABLE,
  type Claim,
  type EnqueueInput,
  type Job,
  type JobError,
  onJobQueued,
  type WorkerStore,
} from '../store/jobs';
import { isDatabaseUnavailable, refusedByDatabase } from '../store/unavailable';
import { isDeadLocalOwner, workerName } from './owners';

export interface JobContext {
  job: Job;
  /** Aborted when the job is cancelled, its lease is lost or the worker stops; reason is a JobAbortedError. */
  signal: AbortSignal;
  logger: Logger;
  /** Sets paths of this job's `progress` and adds to counters in it. */
  progress(set?: Record<string, unknown>, inc?: Record<string, number>): Promise<void>;
  /** Adds counts to the parent job's `progress` (many children may do so at once). */
  addToParent(inc: Record<string, number>): Promise<void>;
  enqueueChild(input: Omit<EnqueueInput, 'parentId'>): Promise<Job>;
  /**
   * Whether the job runs again after its handler fails with `err`: a handler that acts on its
   * job's final failure (marks a request failed) asks this, since a failure for want of the
   * database is put off rather than counted (see `outageLimitMs`).
   */
  willRetry(err: unknown): boolean;
}

export type JobHandler = (ctx: JobContext) => Promise<unknown>;

export interface WorkerOptions {
  store: WorkerStore;
  /** Names this worker in leases; unique per worker. Default `host:pid:space:random` (owners.ts). */
  owner?: string;
  handlers: Record<string, JobHandler>;
  /** Jobs run at once (default 1). */
  concurrency?: number;
  /** How long a claim holds without a heartbeat (default 30 s); heartbeats every third of it. */
  leaseMs?: number;
  /** How often an idle worker looks for due jobs (default 1 s, with jitter). */
  pollMs?: number;
  /** Backoff before the first retry of a failed attempt; doubles with each attempt (default 5 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long `stop` waits for handlers to give up after their signal (default leaseMs). */
  stopTimeoutMs?: number;
  /**
   * How long a job whose handler keeps failing for want of the database (isDatabaseUnavailable)
   * is put off without counting attempts, from its first such failure (default 30 min). The bound
   * is there for a job whose own command takes the database down (FerretDB drops the connection
   * when it panics on one): it must end failed, not loop for ever. A handler with a bound of its
   * own defers itself (JobDeferredError), as the mailbox crawl does within the profile's timeout.
   */
  outageLimitMs?: number;
  logger?: Logger;
}

export interface Worker {
  readonly owner: string;
  /** Stops claiming, aborts running handlers (their jobs go back to the queue) and waits for them. */
  stop(): Promise<void>;
}

/** 'cut-off': every renewal of the lease failed because the database was unavailable. */
export type AbortCause = 'cancelled' | 'lease-lost' | 'cut-off' | 'stopping';

const ABORT_MESSAGES: Record<AbortCause, string> = {
  cancelled: 'The job was cancelled',
  'lease-lost': 'Another worker took over the job',
  'cut-off': 'The database was unavailable for a whole lease',
  stopping: 'The worker is stopping',
};

export class JobAbortedError extends Error {
  constructor(readonly why: AbortCause) {
    super(ABORT_MESSAGES[why]);
    this.name = 'AbortError';
  }
}

/**
 * Thrown by a handler that cannot go on yet (another job holds what it needs, the database is
 * away): the job goes back to the queue for `runAt`, and the attempt is not counted. With a `code`,
 * the reason becomes the job's error, for its next start to tell: the database may not take a note
 * now, but it will have to take the job back before the job starts again.
 */
export class JobDeferredError extends Error {
  constructor(
    readonly runAt: Date,
    reason: string,
    readonly code?: string,
  ) {
    super(reason);
    this.name = 'JobDeferredError';
  }
}

export function startWorker(options: WorkerOptions): Worker {
  const settings = {
    owner: options.owner ?? workerName(),
    concurrency: options.concurrency ?? 1,
    leaseMs: options.leaseMs ?? 30_000,
    pollMs: options.pollMs ?? 1_000,
    retryBaseMs: options.retryBaseMs ?? 5_000,
    retryMaxMs: options.retryMaxMs ?? 10 * 60_000,
    outageLimitMs: options.outageLimitMs ?? 30 * 60_000,
  };
  const log = (options.logger ?? createLogger('silent')).child({ worker: settings.owner });
  const types = Object.keys(options.handlers);
  const running = new Map<string, { abort(cause: AbortCause): void; done: Promise<void> }>();
  let stopping = false;
  let wake = () => {};
  const unsubscribe = onJobQueued(options.store.db, types, () => wake());

  const claimWhileFree = async () => {
    while (!stopping && running.size < settings.concurrency) {
      // A job stays in hand until its outcome is recorded: this worker never runs two attempts
      // of one job at once, nor takes over the job it is giving back after a database outage.
      const job = await claimNext(options.store, settings.owner, types, settings.leaseMs, [...running.keys()]);
      if (!job) return;
      const handle = runJob(job);
      running.set(job._id, handle);
      void handle.done.finally(() => {
        running.delete(job._id);
        wake();
      });
    }
  };

  const runJob = (job: Job) =>
    execute(job, options.handlers[job.type]!, { store: options.store, log, ...settings });

  const loop = (async () => {
    // A process that was killed on this machine left its jobs leased: take them over now.
    await expireLeasesOf(options.store, isDeadLocalOwner).then(
      (taken) => taken > 0 && log.warn({ taken }, 'jobs of a dead process on this machine are taken over'),
      (err: unknown) => log.error({ err }, 'looking for jobs of dead processes failed'),
    );
    while (!stopping) {
      await claimWhileFree().catch((err: unknown) => log.error({ err }, 'claiming jobs failed'));
      if (stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, settings.pollMs * (0.75 + Math.random() / 2));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();

  let stopped: Promise<void> | undefined;
  return {
    owner: settings.owner,
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        unsubscribe();
        wake();
        await loop;
        for (const job of running.values()) job.abort('stopping');
        const all = Promise.all([...running.values()].map((j) => j.done));
        const timeoutMs = options.stopTimeoutMs ?? settings.leaseMs;
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          all.then(() => false),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
        ]);
        clearTimeout(timer);
        if (timedOut) log.warn({ jobs: [...running.keys()] }, 'handlers ignored the stop signal; their leases will expire');
      })()),
  };
}

interface RunSettings {
  store: WorkerStore;
  log: Logger;
  leaseMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  outageLimitMs: number;
}

function execute(job: Job, handler: JobHandler, s: RunSettings) {
  const claim = claimOf(job);
  const log = s.log.child({ jobId: job._id, type: job.type, attempt: job.attempts });
  const controller = new AbortController();
  let abortCause: AbortCause | null = null;
  const abort = (cause: AbortCause) => {
    if (abortCause) return;
    abortCause = cause;
    controller.abort(new JobAbortedError(cause));
  };
  // Writes to one document go one at a time (FerretDB would lose concurrent ones), but the
  // lease's queue is separate so that a burst of progress never delays a heartbeat.
  const leaseWrites = new Serial();
  const progressWrites = new Serial();
  const parentWrites = new Serial();
  const lease = keepLease(claim, s, leaseWrites, abort, log);
  const outage = new Outage(job, s.outageLimitMs, s.leaseMs);

  const ctx: JobContext = {
    job,
    signal: controller.signal,
    logger: log,
    progress: async (set, inc) => {
      const held = await progressWrites.run(() => updateProgress(s.store, claim, { set, inc }));
      if (!held) abort('lease-lost');
    },
    addToParent: async (inc) => {
      if (!job.parentId) throw new Error(`Job ${job._id} has no parent`);
      controller.signal.throwIfAborted();
      await parentWrites.run(() => contributeProgress(s.store, job.parentId!, job._id, inc));
    },
    enqueueChild: async (input) => {
      controller.signal.throwIfAborted();
      return enqueue(s.store, { ...input, parentId: job._id });
    },
    willRetry: (err) => {
      const fate = fateOf(err, abortCause, outage);
      return fate === 'failed' ? job.attempts < job.maxAttempts : fate !== 'cancelled';
    },
  };

  const done = (async () => {
    const outcome = await Promise.resolve(ctx).then(handler).then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    lease.stop();
    outage.end(abortCause === 'cut-off');
    await Promise.all([progressWrites.idle(), parentWrites.idle()]).catch(() => undefined);
    await untilRecorded(() => leaseWrites.run(() => settle(job, claim, outcome, abortCause, outage, s, log)), log);
  })();
  return { abort, done };
}

/**
 * Records an outcome, trying again for as long as the database is unavailable: given up, the
 * outcome would be lost and the job run again as another attempt once its lease ran out.
 */
async function untilRecorded(record: () => Promise<void>, log: Logger): Promise<void> {
  for (let wait = 500; ; wait = Math.min(wait * 2, 5_000)) {
    try {
      return await record();
    } catch (err) {
      if (!isDatabaseUnavailable(err)) {
        log.error({ err }, 'recording the outcome of a job failed; its lease will expire and it runs again');
        return;
      }
      log.warn({ err }, 'the database is unavailable; recording the outcome of the job again shortly');
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };

/** What becomes of a job whose handler failed: one decision, for `settle` and for the handler's `willRetry`. */
type Fate = 'cancelled' | 'given-back' | 'cut-off' | 'deferred' | 'put-off' | 'failed';

function fateOf(error: unknown, cause: AbortCause | null, outage: Outage): Fate {
  if (cause === 'cancelled') return 'cancelled';
  if (cause === 'stopping' || cause === 'lease-lost') return 'given-back';
  if (cause === 'cut-off') return 'cut-off';
  if (error instanceof JobDeferredError) return 'deferred';
  return outage.putsOff(error) ? 'put-off' : 'failed';
}

async function settle(job: Job, claim: Claim, outcome: Outcome, cause: AbortCause | null, outage: Outage, s: RunSettings, log: Logger): Promise<void> {
  if (cause === 'lease-lost') {
    log.warn('lost the lease; another worker has the job now');
    return;
  }
  const recorded = outcome.ok ? await complete(s.store, claim, outcome.result) : await settleFailure(job, claim, outcome.error, fateOf(outcome.error, cause, outage), outage, s, log);
  if (!recorded) log.warn('the job was no longer leased to this worker; outcome dropped');
}

async function settleFailure(job: Job, claim: Claim, error: unknown, fate: Fate, outage: Outage, s: RunSettings, log: Logger): Promise<boolean> {
  switch (fate) {
    case 'cancelled':
      return markCancelled(s.store, claim);
    case 'given-back':
      return release(s.store, claim);
    case 'cut-off':
      log.warn('the database was unavailable for a whole lease; the job is given back, the attempt not counted');
      return release(s.store, claim, new Date(), outage.why(`The database was unavailable for a whole lease of attempt ${job.attempts}; it starts again, not counted as another attempt`));
    case 'deferred': {
      const deferral = error as JobDeferredError;
      log.debug({ runAt: deferral.runAt, reason: deferral.message }, 'job deferred');
      return release(s.store, claim, deferral.runAt, deferredWhy(deferral, job, outage));
    }
    case 'put-off': {
      const runAt = new Date(Date.now() + outage.waitMs());
      log.warn({ err: error, runAt }, 'the database was unavailable; the job is put off, the attempt not counted');
      return release(s.store, claim, runAt, outage.why(`The database was unavailable (${describe(error).message}) on attempt ${job.attempts}; put off until ${runAt.toISOString()}, not counted as an attempt`));
    }
    case 'failed': {
      const retry = job.attempts < job.maxAttempts;
      const retryAt = retry ? new Date(Date.now() + backoff(job.attempts, s)) : undefined;
      log.warn({ err: error, retryAt }, retry ? 'job attempt failed; will retry' : 'job failed');
      return fail(s.store, claim, describe(error), { retryAt });
    }
  }
}

/** A deferral's reason for the next start to tell; a reason told already by this start is cleared, so that the next does not tell it again. */
function deferredWhy(deferral: JobDeferredError, job: Job, outage: Outage): JobError | null | undefined {
  if (deferral.code === DATABASE_UNAVAILABLE) return outage.why(deferral.message);
  if (deferral.code) return { code: deferral.code, message: deferral.message };
  return job.error?.code === DATABASE_UNAVAILABLE ? null : undefined;
}

/**
 * A job's time without the database: since its first failure for want of it, carried in the
 * job's error (`since`) from one put-off to the next. An attempt that ran for a lease or longer
 * before failing again made progress in between, and starts a new outage; one cut off (every
 * renewal refused) did not. So the bound holds for a job that fails as soon as it starts, however
 * long the database has been back, and for one whose database is gone for good. Decided when the
 * handler ends: the outcome may only reach the database much later, when it is back.
 */
class Outage {
  private readonly started = Date.now();
  private ended: { at: number; cutOff: boolean } | null = null;

  constructor(
    private readonly job: Job,
    private readonly limitMs: number,
    private readonly leaseMs: number,
  ) {}

  /** The handler is done; `cutOff` when it was stopped because every renewal was refused. */
  end(cutOff: boolean): void {
    this.ended = { at: Date.now(), cutOff };
  }

  /** When the handler ended (or now, asked while it runs). */
  private get at(): number {
    return this.ended?.at ?? Date.now();
  }

  /** When this outage began, for the job's error. */
  private get since(): Date {
    const before = this.job.error?.code === DATABASE_UNAVAILABLE ? this.job.error.since : undefined;
    const continues = before !== undefined && (this.ended?.cutOff === true || this.at - this.started < this.leaseMs);
    return new Date(continues ? before : this.at);
  }

  /** Whether a failure with `err` is put off uncounted. */
  putsOff(err: unknown): boolean {
    return isDatabaseUnavailable(err) && this.at - this.since.getTime() < this.limitMs;
  }

  /** Half of the outage so far: 5 s at first, then growing with it, at most 5 minutes. */
  waitMs(): number {
    return Math.min(5 * 60_000, Math.max(5_000, (this.at - this.since.getTime()) / 2));
  }

  why(message: string): JobError {
    return { code: DATABASE_UNAVAILABLE, message, since: this.since };
  }
}

/** Exponential with equal jitter: half fixed, half random, so retries of many jobs spread out. */
function backoff(attempt: number, s: Pick<RunSettings, 'retryBaseMs' | 'retryMaxMs'>): number {
  const full = Math.min(s.retryMaxMs, s.retryBaseMs * 2 ** Math.max(0, attempt - 1));
  return full / 2 + (Math.random() * full) / 2;
}

function describe(error: unknown): JobError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { message: error.message || error.name, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { message: String(error) };
}

/**
 * Heartbeats as the lease asks (lease-renewal.ts). A heartbeat also carries cancel requests in. If
 * no heartbeat holds for a whole lease, the handler is stopped: by then another worker may have
 * taken the job over.
 */
function keepLease(claim: Claim, s: RunSettings, writes: Serial, abort: (cause: AbortCause) => void, log: Logger) {
  return keepRenewing({
    leaseMs: s.leaseMs,
    renew: async () => {
      const { held, cancelRequested } = await writes.run(() => heartbeat(s.store, claim, s.leaseMs));
      if (held && cancelRequested) abort('cancelled');
      return held;
    },
    // Every renewal refused by an unavailable database: no fault of the job, so settle gives it
    // back uncounted (unless another worker, which could reach the database, took it over).
    lost: (why, failures) => abort(why === 'expired' && refusedByDatabase(failures) ? 'cut-off' : 'lease-lost'),
    failed: (err) => log.warn({ err }, 'heartbeat failed; trying again shortly'),
  });
}

class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }

  idle(): Promise<unknown> {
    return this.tail;
  }
}

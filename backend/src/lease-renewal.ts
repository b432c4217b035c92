import { randomUUID } from 'node:crypto';

export type LeaseLoss = 'taken' | 'expired';

export interface LeaseRenewal {
  /** The lease's length: it runs out this long after the last renewal that was sent and held. */
  leaseMs: number;
  /** Extends the lease; false when another holder has it now. */
  renew(): Promise<boolean>;
  /**
   * Called once: another holder has the lease ('taken'), or no renewal held for a whole lease
   * ('expired'). `failures` are the errors of the renewals that ended since the last one held: none
   * when they hung or never went out (this process stalled), which tells a holder cut off from its
   * database from one that stopped.
   */
  lost(why: LeaseLoss, failures: readonly unknown[]): void;
  /** A renewal that threw (the database busy or away); it is tried again soon. */
  failed?(err: unknown): void;
}

/**
 * Renews a lease every third of its length until stopped, one renewal at a time. A renewal that
 * fails is tried again within a second rather than a third of the lease later: a database under
 * load fails renewals slowly (FerretDB answers SQLITE_BUSY only after its 10 s busy timeout), and
 * at a third's spacing two failures in a row used up a 30 s lease, so a busy minute cost the run
 * a restarted crawl. Past the lease without a renewal that held, the holder is told it lost it
 * even while a renewal still hangs: by then another holder may have taken over.
 */
export function keepRenewing(lease: LeaseRenewal): { stop(): void } {
  const every = Math.max(1, Math.floor(lease.leaseMs / 3));
  const soon = Math.max(1, Math.min(1000, Math.floor(every / 4)));
  let stopped = false;
  let next: NodeJS.Timeout | undefined;
  let expiry: NodeJS.Timeout | undefined;
  let failures: unknown[] = [];
  const end = (why: LeaseLoss) => {
    if (stopped) return;
    stop();
    lease.lost(why, failures);
  };
  const expireAt = (at: number) => {
    clearTimeout(expiry);
    expiry = setTimeout(() => end('expired'), Math.max(0, at - Date.now()));
  };
  const beat = async () => {
    const sentAt = Date.now();
    let wait = soon;
    try {
      if (!(await lease.renew())) return end('taken');
      expireAt(sentAt + lease.leaseMs);
      failures = [];
      wait = Math.max(0, sentAt + every - Date.now());
    } catch (err) {
      failures.push(err);
      lease.failed?.(err);
    }
    if (!stopped) next = setTimeout(() => void beat(), wait);
  };
  const stop = () => {
    stopped = true;
    clearTimeout(next);
    clearTimeout(expiry);
  };
  expireAt(Date.now() + lease.leaseMs);
  next = setTimeout(() => void beat(), every);
  return { stop };
}

/**
 * How long a command of a process holding leases of `leaseMs` may wait for an unavailable database
 * (the driver's server selection) before it fails: renewals refused during an outage must fail
 * within the lease, or a holder cut off from its database cannot be told from one that stalled
 * (jobs/worker.ts gives a cut-off job back uncounted). Within a third, as renewals go out every third.
 */
export function databaseWaitMs(leaseMs: number): number {
  return Math.min(10_000, Math.floor(leaseMs / 3));
}

/** A lock held by lease (store/leased-lock.ts). */
export interface Lease {
  acquire(owner: string, leaseMs: number): Promise<boolean>;
  /** False when the lease was lost (it expired and someone else took it). */
  renew(owner: string, leaseMs: number): Promise<boolean>;
  release(owner: string): Promise<void>;
}

/**
 * Runs `work` as the lock's one holder, renewing the lease as it goes; `{ held: false }` when
 * another holder has it. If the lease is lost (the database was unreachable past it), `work`'s
 * signal aborts: another holder may have started.
 */
export async function whileHolding<T>(lock: Lease, leaseMs: number, work: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<{ held: false } | { held: true; value: T }> {
  const owner = randomUUID();
  if (!(await lock.acquire(owner, leaseMs))) return { held: false };
  const lost = new AbortController();
  const renewal = keepRenewing({ leaseMs, renew: () => lock.renew(owner, leaseMs), lost: () => lost.abort(new Error('Lost the lock')) });
  try {
    return { held: true, value: await work(outer ? AbortSignal.any([outer, lost.signal]) : lost.signal) };
  } finally {
    renewal.stop();
    await lock.release(owner).catch(() => undefined);
  }
}

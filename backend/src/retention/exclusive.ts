import { randomUUID } from 'node:crypto';
import type { Store } from '../store';
import { keepRenewing } from '../lease-renewal';
import { acquireRetentionLock, releaseRetentionLock, renewRetentionLock } from '../store/retention-lock';

/** How long a run that died keeps others waiting. */
export const LOCK_MS = 60_000;

/** Another retention run holds the lock; the job is retried later. */
export class RetentionBusyError extends Error {
  readonly code = 'RETENTION_BUSY';
  constructor() {
    super('Another disposal or erasure is running; this one runs once it has finished');
  }
}

/**
 * Runs `work` as the only retention run of the deployment, renewing the lease as it goes. If the
 * lease is lost (the database was unreachable past it), `work`'s signal aborts: another run may
 * have started, and deletions must not overlap.
 */
export async function exclusively<T>(store: Store, work: (signal: AbortSignal) => Promise<T>, opts: { signal?: AbortSignal; lockMs?: number } = {}): Promise<T> {
  const owner = randomUUID();
  const leaseMs = opts.lockMs ?? LOCK_MS;
  const outer = opts.signal;
  if (!(await acquireRetentionLock(store, owner, leaseMs))) throw new RetentionBusyError();
  const lost = new AbortController();
  const renewal = keepRenewing({ leaseMs, renew: () => renewRetentionLock(store, owner, leaseMs), lost: () => lost.abort(new Error('Lost the retention lock')) });
  try {
    return await work(outer ? AbortSignal.any([outer, lost.signal]) : lost.signal);
  } finally {
    renewal.stop();
    await releaseRetentionLock(store, owner).catch(() => undefined);
  }
}

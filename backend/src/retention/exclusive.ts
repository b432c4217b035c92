import type { Store } from '../store';
import { whileHolding } from '../lease-renewal';
import { leasedLock } from '../store/leased-lock';

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
 * Runs `work` as the only retention run of the deployment (disposal or erasure): the check for
 * remaining references before bytes go assumes nobody else removes references meanwhile. If the
 * lease is lost, `work`'s signal aborts: another run may have started, and deletions must not overlap.
 */
export async function exclusively<T>(store: Store, work: (signal: AbortSignal) => Promise<T>, opts: { signal?: AbortSignal; lockMs?: number } = {}): Promise<T> {
  const run = await whileHolding(leasedLock(store, 'retention_lock', 'retention'), opts.lockMs ?? LOCK_MS, work, opts.signal);
  if (!run.held) throw new RetentionBusyError();
  return run.value;
}

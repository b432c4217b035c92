import { mongo } from 'mongoose';

/**
 * Whether an error says the database could not do it now, rather than that the request was wrong:
 * the connection dropped or no server could be reached (a restart, a failover, a network blip), the
 * driver labels it retryable (MongoDB's primary stepped down), or FerretDB on SQLite gave up waiting
 * for the database's one write lock after its 10 s busy timeout (a server error carrying SQLite's
 * `(SQLITE_BUSY)`). The same request succeeds later, so work that fails this way is put off, not
 * failed: an archive run must not give a mailbox up because the database restarted. Wrapped errors
 * are followed: our own keep the original as `cause`, and the driver's bulk writes (insertMany)
 * keep a network error as their `errorResponse`.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = wrapped(e), depth += 1) {
    if (e instanceof mongo.MongoNetworkError || e instanceof mongo.MongoServerSelectionError) return true;
    if (e instanceof mongo.MongoError && (e.hasErrorLabel('RetryableWriteError') || e.hasErrorLabel('ResetPool'))) return true;
    if (e instanceof mongo.MongoServerError && e.message.includes('(SQLITE_BUSY)')) return true;
  }
  return false;
}

function wrapped(e: Error): unknown {
  if (e instanceof mongo.MongoServerError && e.errorResponse instanceof Error) return e.errorResponse;
  return e.cause;
}

/** Whether a lease's renewals failed and every one for want of the database (lease-renewal.ts `lost`): a holder cut off, not one that stalled. */
export function refusedByDatabase(failures: readonly unknown[]): boolean {
  return failures.length > 0 && failures.every(isDatabaseUnavailable);
}

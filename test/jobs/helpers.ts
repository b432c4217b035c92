import { setTimeout as sleep } from 'node:timers/promises';
import { openStore, type Store } from '../../backend/src/store';
import type { Job } from '../../backend/src/store/jobs';
import type { JobContext } from '../../backend/src/jobs/worker';
import { createLogger, type Logger } from '../../backend/src/log';

/** Polls until `check` returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs = 5_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A second connection to the same database, as another backend process would have. */
export function secondConnection(dbName: string): Promise<Store> {
  return openStore({ uri: process.env.MONGODB_URI!, dbName });
}

/** Resolves never; rejects with the signal's reason once it aborts. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** A job context for calling a handler directly, as a worker holding the job would (on its attempt 1 of 3 unless told). */
export function handlerContext(fields: Partial<Job> & Pick<Job, '_id' | 'payload'>, signal = new AbortController().signal, logger: Logger = createLogger('silent')): JobContext {
  const job = { type: 'test', attempts: 1, maxAttempts: 3, lease: { owner: 'test', until: new Date(Date.now() + 60_000) }, ...fields } as Job;
  return {
    job,
    signal,
    logger,
    progress: async () => undefined,
    addToParent: async () => undefined,
    enqueueChild: async () => job,
    willRetry: () => job.attempts < job.maxAttempts,
  };
}

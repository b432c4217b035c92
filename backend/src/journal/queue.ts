import { randomUUID } from 'node:crypto';
import type { Store } from '../store';
import { enqueue, type Job } from '../store/jobs';

export const JOURNAL_REPORT_JOB = 'journal-report';
export const JOURNAL_MAINTENANCE_JOB = 'journal-maintenance';

/**
 * A database that is away costs a report job no attempt for 30 minutes (jobs/worker.ts
 * `outageLimitMs`); other trouble, or an outage beyond that, gets 10 attempts (about 40 minutes,
 * backoff doubling from 5 s) before the job fails. Its spooled reports stay, and the administrator
 * can retry them.
 */
const REPORT_ATTEMPTS = 10;

export const newJobKey = () => `journal:${randomUUID()}`;

/**
 * Queues processing of spooled reports: one job per batch the gateway wrote together, so the
 * job system's cost is shared by the batch. Idempotent by `key`: the gateway and the recovery
 * sweep may both queue a batch.
 */
export function queueReports(store: Pick<Store, 'db'>, spoolIds: string[], key: string): Promise<Job> {
  return enqueue(store, { type: JOURNAL_REPORT_JOB, key, payload: { spoolIds }, maxAttempts: REPORT_ATTEMPTS });
}

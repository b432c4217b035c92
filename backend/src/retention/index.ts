/**
 * Retention, legal hold and defensible deletion (MISSION M13): policies (rules.ts, policies.ts,
 * preview.ts), the disposal job (disposal.ts), holds (holds.ts), erasure on request (erasure.ts)
 * and cases (cases.ts). Every deletion goes through delete.ts, which the guard (guard.ts) vets.
 */
import type { ScheduledWork } from '../jobs/scheduler';
import type { JobHandler } from '../jobs/worker';
import { DISPOSAL_JOB, disposalHandler, INDEX_CLEANUP_JOB, indexCleanupHandler, type RetentionDeps } from './disposal';
import { ERASURE_JOB, erasureHandler } from './erasure';
import { getRetentionSettings } from './settings';

export { mailboxCopyMayGo } from './holds';

export function retentionHandlers(deps: RetentionDeps): Record<string, JobHandler> {
  return { [DISPOSAL_JOB]: disposalHandler(deps), [ERASURE_JOB]: erasureHandler(deps), [INDEX_CLEANUP_JOB]: indexCleanupHandler(deps) };
}

/** The disposal run's schedule, for the scheduler (none when it runs by hand only). */
export async function retentionSchedules(deps: Pick<RetentionDeps, 'store'>): Promise<ScheduledWork[]> {
  const { schedule } = await getRetentionSettings(deps.store);
  return schedule.kind === 'manual' ? [] : [{ schedule: { id: 'retention-disposal', ...schedule }, enqueue: { type: DISPOSAL_JOB, payload: {} } }];
}

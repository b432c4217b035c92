import { randomUUID } from 'node:crypto';
import { every } from '../jobs/every';
import type { JobHandler } from '../jobs/worker';
import { ingestMessage } from '../ingest';
import type { Logger } from '../log';
import type { Store } from '../store';
import { enqueue, getJob } from '../store/jobs';
import { getJournalProfile } from '../store/journal';
import { deletePending, listPending, type PendingDoc } from '../store/journal-records';
import { listSpool, purgeProcessedSpool } from '../store/journal-spool';
import type { JournalDeps } from './archive';
import { JOURNAL_MAINTENANCE_JOB, queueReports } from './queue';
import { ParticipantResolver } from './resolve';

/** Younger spool documents may belong to a batch whose job is being queued right now. */
const ORPHAN_AFTER_MS = 60_000;
/** Batches whose job this process has seen: each is looked up once, however long the backlog. */
const seenJobs = new Set<string>();

export interface MaintenanceResult {
  purged: number;
  requeued: number;
  pendingArchived: number;
  pendingExpired: number;
  pendingWaiting: number;
}

/**
 * The journal's periodic sweep, run as a job so that one process does it per interval: removes
 * processed reports from the spool, queues spooled reports whose job was never created, and
 * files pending (`create-at-sync`) addresses that the directory knows by now.
 */
export function journalMaintenanceHandler(deps: JournalDeps): JobHandler {
  return () => runJournalMaintenance(deps.store, deps.log);
}

export async function runJournalMaintenance(store: Store, log: Logger, now = new Date()): Promise<MaintenanceResult> {
  const result: MaintenanceResult = { purged: 0, requeued: 0, pendingArchived: 0, pendingExpired: 0, pendingWaiting: 0 };
  result.purged = await purgeProcessedSpool(store.conn);
  await requeueOrphans(store, now, result);
  await filePending(store, log, now, result);
  if (result.requeued || result.pendingArchived || result.pendingExpired) log.info(result, 'journal maintenance');
  return result;
}

/** Spooled reports whose batch never got its job (the process died between the insert and the enqueue). */
async function requeueOrphans(store: Store, now: Date, result: MaintenanceResult): Promise<void> {
  const batches = new Map<string, string[]>();
  for (const spooled of await listSpool(store.conn, { held: false }, 100_000)) {
    if (now.getTime() - spooled.receivedAt.getTime() < ORPHAN_AFTER_MS || seenJobs.has(spooled.jobKey)) continue;
    batches.set(spooled.jobKey, [...(batches.get(spooled.jobKey) ?? []), spooled._id]);
  }
  if (seenJobs.size > 100_000) seenJobs.clear();
  for (const [key, ids] of batches) {
    const job = await getJob(store, key);
    // A queued job may lack the state that makes it claimable (its enqueuer died half-way):
    // enqueueing the key again repairs that and changes nothing otherwise.
    if (!job || job.status === 'queued') await queueReports(store, ids, key);
    if (!job) result.requeued += ids.length;
    seenJobs.add(key);
  }
}

async function filePending(store: Store, log: Logger, now: Date, result: MaintenanceResult): Promise<void> {
  const pending = await listPending(store.conn);
  if (pending.length === 0) return;
  const resolver = new ParticipantResolver(store.conn);
  const byProfile = new Map<string, PendingDoc[]>();
  for (const p of pending) byProfile.set(p.profileId, [...(byProfile.get(p.profileId) ?? []), p]);
  for (const [profileId, entries] of byProfile) {
    const profile = await getJournalProfile(store.conn, profileId);
    const resolution = await resolver.resolve(entries.map((e) => e.address), profile?.internalDomains ?? [], true);
    for (const entry of entries) {
      const archiveIds = [...resolution.archives].filter(([, addresses]) => addresses.includes(entry.address)).map(([id]) => id);
      if (archiveIds.length > 0) {
        for (const archiveId of archiveIds) {
          await ingestMessage(store, {
            archiveId, folder: '', receivedAt: entry.receivedAt,
            source: { kind: 'journal', reportId: entry.reportId },
            content: store.blobs.open(entry.originalSha256),
          });
        }
        result.pendingArchived += 1;
      } else if (entry.expiresAt <= now) {
        result.pendingExpired += 1;
        log.warn({ reportId: entry.reportId, address: entry.address }, 'gave up waiting for the directory to know a journaled address');
      } else {
        result.pendingWaiting += 1;
        continue;
      }
      await deletePending(store.conn, entry._id);
    }
  }
}

/**
 * Asks for a sweep every `everyMs` from this process; the job key names the interval, so with
 * several processes one sweep runs per interval. A process also asks for one of its own at
 * start, when orphans of a crash are most likely.
 */
export function startJournalMaintenance(store: Store, log: Logger, everyMs = 60_000): { stop(): Promise<void> } {
  // Ahead of report jobs: with a backlog, the sweep is what keeps the spool small.
  const ask = (key: string) => enqueue(store, { type: JOURNAL_MAINTENANCE_JOB, key, maxAttempts: 1, priority: 10 });
  return every(
    everyMs,
    () => ask(`journal-maintenance:${Math.floor(Date.now() / everyMs)}`),
    (err) => log.warn({ err }, 'queueing the journal maintenance failed'),
    () => ask(`journal-maintenance:start:${randomUUID()}`),
  );
}

import { randomUUID } from 'node:crypto';
import type { ServiceDeps } from '../deps';
import { DATABASE_UNAVAILABLE, LEASE_EXPIRED, enqueue, requestCancel, type Job } from '../store/jobs';
import { JobAbortedError, JobDeferredError, type JobContext } from '../jobs/worker';
import { getDirectorySettings } from '../directory/settings';
import { syncDirectory } from '../directory/sync';
import { listArchiveUsers } from '../store/directory';
import { setIngestConcurrency } from '../ingest';
import { addRunMailbox, createRun, getRun, getRunMailbox, listRunMailboxes, setRunMailbox, updateRun, recordRunAttempt, recordRunError, type Run, type RunMailbox } from '../store/runs';
import { getProfile } from '../store/profiles';
import { isDatabaseUnavailable, refusedByDatabase } from '../store/unavailable';
import type { ProfileSettings } from './profile';
import { profileInputSchema } from './profile';
import { onlineArchiveTargets, resolveMailboxes } from './mailboxes';
import { betaGraph } from '../graph/client';
import { crawlMailbox, describe, isMailboxWide } from './crawl-mailbox';
import { crawlGroup } from '../groups/crawl';
import { Limiter } from '../limiter';
import { keepRenewing, type LeaseLoss } from '../lease-renewal';
import { MAILBOX_CONCURRENCY, shareSlots } from '../graph/mailbox-requests';
import { lockMailbox, renewMailboxLock, unlockMailbox } from '../store/mailbox-locks';
import { DEFAULT_RETRY, RetryClock, type RetryPolicy } from './owed';
import { RUN_JOB, concludeIfSettled, concludeSettledRuns, finishRunIfComplete, mailboxJobKey, runJobKey, scheduleCheck } from './conclude';
import { RunTally } from './tally';
import { crawlTeams } from '../teams/crawl';
import { isTeamsSource } from '../teams/profile';

export { RUN_JOB } from './conclude';
export const MAILBOX_JOB = 'archive-mailbox';
/** Messages of one mailbox downloaded or being stored at once: downloads run ahead of storing by this much. */
const MAILBOX_IN_FLIGHT = 2 * MAILBOX_CONCURRENCY;
const DEFAULT_LEASE_MS = 30_000;
/** How long a mailbox whose crawl found the database unavailable waits before it resumes. */
const DATABASE_RETRY_MS = 5_000;

/** The config is optional so that tools and tests can archive without a whole configuration. */
export type ArchivingDeps = Pick<ServiceDeps, 'store' | 'graph' | 'log'> & {
  config?: Pick<ServiceDeps['config'], 'JOB_LEASE_MS' | 'INGEST_CONCURRENCY'> &
    Partial<Pick<ServiceDeps['config'], 'DOWNLOAD_RETRY_BASE_MS' | 'DOWNLOAD_RETRY_ATTEMPTS' | 'DOWNLOAD_RETRY_WAIT_MS'>>;
};

export class RunConflictError extends Error {}

/** Creates a run of a stored profile and queues it; any worker of any process picks it up. */
export async function startRun(deps: Pick<ArchivingDeps, 'store'>, profileId: string, trigger: Run['trigger']): Promise<Run> {
  const profile = await getProfile<ProfileSettings>(deps.store.conn, profileId);
  if (!profile) throw new Error(`Profile ${profileId} not found`);
  const runId = randomUUID();
  await createRun(deps.store.conn, { _id: runId, profileId, profileName: profile.name, trigger, settings: profile.settings, jobId: runJobKey(runId) });
  await enqueue(deps.store, { type: RUN_JOB, key: runJobKey(runId), payload: { runId } });
  return (await getRun(deps.store.conn, runId))!;
}

export async function cancelRun(deps: ArchivingDeps, runId: string): Promise<boolean> {
  const { conn } = deps.store;
  const run = await getRun(conn, runId);
  if (!run?.jobId || !['queued', 'running'].includes(run.status)) return false;
  await requestCancel(deps.store, run.jobId);
  for (const m of await listRunMailboxes(conn, runId)) {
    if (m.status === 'queued' || m.status === 'running') await requestCancel(deps.store, mailboxJobKey(runId, m.mailboxId));
  }
  // A queued job that is cancelled never runs its handler: its mailbox is closed from the job's
  // state (a running one closes its own), and the run concludes once nothing runs any more.
  await concludeIfSettled(deps.store, runId);
  return true;
}

/**
 * Job handler of a run: plans it (optional directory sync, mailboxes) and fans out per mailbox,
 * then checks on it now and then until it is concluded (conclude.ts).
 */
export function runHandler(deps: ArchivingDeps) {
  return async (ctx: JobContext): Promise<unknown> => {
    const { runId, check } = ctx.job.payload as { runId: string; check?: number };
    if (check !== undefined) return checkRun(deps, runId, check);
    const { conn } = deps.store;
    const run = await getRun(conn, runId);
    if (!run) throw new Error(`Run ${runId} vanished`);
    if (run.status !== 'queued' && run.status !== 'running') return { status: run.status };
    const settings = profileInputSchema.parse(run.settings);
    await updateRun(conn, runId, { status: 'running', startedAt: run.startedAt ?? new Date() });
    deps.log.info({ runId, profile: run.profileName, trigger: run.trigger }, 'archiving run started');
    // Before planning, so that even a planning job that dies for good leaves a run that concludes.
    await scheduleCheck(deps.store, runId, 0, leaseMs(deps));
    try {
      await planRun(deps, run, settings, ctx);
    } catch (err) {
      if (ctx.signal.aborted) {
        if (wasCancelled(ctx)) await updateRun(conn, runId, { status: 'cancelled', finishedAt: new Date() });
        throw err;
      }
      // Planning adds nothing twice, so it simply starts again once the database is back.
      if (isDatabaseUnavailable(err)) throw putOff(err);
      await updateRun(conn, runId, { status: 'failed', error: describe(err), finishedAt: new Date() });
      return { status: 'failed' };
    }
    await finishRunIfComplete(conn, runId, deps.log);
    return { status: 'planned' };
  };
}

const leaseMs = (deps: ArchivingDeps) => deps.config?.JOB_LEASE_MS ?? DEFAULT_LEASE_MS;

async function checkRun(deps: ArchivingDeps, runId: string, n: number): Promise<unknown> {
  await concludeSettledRuns(deps.store, (id, err) => deps.log.warn({ err, runId: id }, 'concluding a settled run failed'));
  const run = await getRun(deps.store.conn, runId);
  const open = run?.status === 'queued' || run?.status === 'running';
  if (open) await scheduleCheck(deps.store, runId, n + 1, leaseMs(deps));
  return { check: n, status: run?.status ?? 'gone' };
}

async function planRun(deps: ArchivingDeps, run: Run, settings: ProfileSettings, ctx: JobContext): Promise<void> {
  const { conn } = deps.store;
  // Groups a groups profile (or its connection test) synchronised are no sync of the users.
  const neverSynced = !(await listArchiveUsers(conn, {})).some((u) => u.kind !== 'group');
  if (settings.syncDirectoryFirst || (neverSynced && settings.source.kind !== 'single-mailbox')) {
    const result = await syncDirectory(conn, deps.graph, await getDirectorySettings(conn));
    await updateRun(conn, run._id, { directorySync: result });
  }
  const primaries = await resolveMailboxes(deps.store, deps.graph, settings.source);
  const onlineArchives = settings.includeOnlineArchives && !isTeamsSource(settings.source) && settings.source.kind !== 'm365-groups';
  const targets = onlineArchives ? [...primaries, ...(await onlineArchiveTargets(deps.graph, primaries))] : primaries;
  await updateRun(conn, run._id, { mailboxCount: targets.length });
  // Idempotent keys: a worker taking over a half-planned run adds nothing twice.
  for (const t of targets) {
    await addRunMailbox(conn, { runId: run._id, mailboxId: t.mailboxId, upn: t.upn, archiveId: t.archiveId, ...(t.onlineArchiveOf ? { onlineArchiveOf: t.onlineArchiveOf } : {}) });
    await ctx.enqueueChild({ type: MAILBOX_JOB, key: mailboxJobKey(run._id, t.mailboxId), payload: { runId: run._id, mailboxId: t.mailboxId } });
  }
}

/**
 * Job handler: one mailbox of a run, bounded by the profile's timeout. The mailbox is locked
 * for the job (store/mailbox-locks.ts): a job of another run on the same mailbox waits, queued.
 * A failure that is not the mailbox's own (Graph or the network failed) makes the job try again
 * from what it committed; the last attempt's failure fails the mailbox. An unavailable database
 * is no attempt at all: the job is queued again, to resume once it is back, for as long as the
 * profile's timeout allows (then the mailbox ends timed out).
 */
export function mailboxHandler(deps: ArchivingDeps) {
  if (deps.config) setIngestConcurrency(deps.config.INGEST_CONCURRENCY);
  return async (ctx: JobContext): Promise<unknown> => {
    try {
      return await archiveMailbox(deps, ctx);
    } catch (err) {
      if (ctx.signal.aborted || !isDatabaseUnavailable(err)) throw err;
      throw putOff(err);
    }
  };
}

/** Work the database could not do now goes back to the queue for a moment, costing no attempt; the next start notes why. */
function putOff(err: unknown): JobDeferredError {
  return new JobDeferredError(new Date(Date.now() + DATABASE_RETRY_MS), `the database was unavailable (${describe(err)}); trying again in ${DATABASE_RETRY_MS / 1000} s`, DATABASE_UNAVAILABLE);
}

async function archiveMailbox(deps: ArchivingDeps, ctx: JobContext): Promise<unknown> {
  const { runId, mailboxId } = ctx.job.payload as { runId: string; mailboxId: string };
  const { conn } = deps.store;
  const run = await getRun(conn, runId);
  const target = await getRunMailbox(conn, runId, mailboxId);
  if (!run || !target) throw new Error(`Run ${runId} or its mailbox ${mailboxId} vanished`);
  const lease = leaseMs(deps);
  const lock = await lockMailbox(deps.store, mailboxId, ctx.job._id, lease);
  // Looked at again soon: the holder gives the lock back when it ends, long before its lease would run out.
  if (!lock.held) throw new JobDeferredError(new Date(Math.min(lock.until.getTime(), Date.now() + Math.max(1000, lease / 10))), `mailbox ${target.upn} is being crawled by ${lock.heldBy}`);
  // Not renewed for a whole lease (a stalled process, a database that refused every renewal), the
  // lock may go to another job: then stop, and queue again. Its reason: how it was lost, or the
  // last refusal when an unavailable database refused every renewal.
  const lockLost = new AbortController();
  const renewal = keepRenewing({
    leaseMs: lease,
    renew: () => renewMailboxLock(deps.store, mailboxId, ctx.job._id, lease),
    lost: (why, failures) => lockLost.abort(refusedByDatabase(failures) ? failures.at(-1) : why),
    failed: (err) => deps.log.warn({ err, mailboxId }, 'renewing the mailbox lock failed; trying again shortly'),
  });
  try {
    // A restart costs the run time (a takeover waits out the lease): the run names each one and
    // why. Only a note: a database too busy to take it must not fail the attempt.
    await recordRunAttempt(conn, runId, mailboxId, ctx.job.attempts, previousEnd(ctx.job)).catch((err: unknown) => deps.log.warn({ err, mailboxId }, 'could not record the attempt in the run'));
    // Put off or given back uncounted while the database was away (putOff; jobs/worker.ts): an
    // error of the run, settled as recovered when the mailbox ends well.
    if (ctx.job.error?.code === DATABASE_UNAVAILABLE) await recordRunError(conn, runId, mailboxId, { reason: ctx.job.error.message }).catch(() => undefined);
    return await crawlOne(deps, ctx, run, target, lockLost.signal);
  } catch (err) {
    if (!lockLost.signal.aborted || ctx.signal.aborted) throw err;
    const reason: unknown = lockLost.signal.reason;
    throw isDatabaseUnavailable(reason) ? putOff(reason) : new JobDeferredError(new Date(Date.now() + lease), lockLostReason(reason as LeaseLoss, target.upn));
  } finally {
    renewal.stop();
    await unlockMailbox(deps.store, mailboxId, ctx.job._id).catch(() => undefined);
  }
}

function lockLostReason(why: LeaseLoss, upn: string): string {
  return why === 'taken' ? `another job took the lock of mailbox ${upn}` : `the lock of mailbox ${upn} could not be renewed within its lease`;
}

async function crawlOne(deps: ArchivingDeps, ctx: JobContext, run: Run, target: RunMailbox, lockLost: AbortSignal): Promise<unknown> {
  const { conn } = deps.store;
  const { runId, mailboxId } = target;
  const settings = profileInputSchema.parse(run.settings);
  const deadline = (run.startedAt ?? new Date()).getTime() + settings.timeoutMinutes * 60_000;
  const timeout = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
  const signal = AbortSignal.any([ctx.signal, timeout, lockLost]);
  if (target.onlineArchiveOf) shareSlots(mailboxId, target.onlineArchiveOf);
  // A Teams profile's unit is a user's chats or a team's channels, a groups profile's a group: each crawled like a mailbox.
  const crawl = settings.source.kind === 'm365-groups' ? crawlGroup : isTeamsSource(settings.source) ? crawlTeams : crawlMailbox;
  try {
    await crawl({
      store: deps.store,
      // Online archives are reachable through the beta mail API only.
      graph: target.onlineArchiveOf ? betaGraph(deps.graph) : deps.graph,
      log: deps.log,
      signal,
      inFlight: new Limiter(MAILBOX_IN_FLIGHT),
      retry: retryPolicy(deps),
      retries: new RetryClock(null),
      runId,
      profileId: run.profileId,
      mailbox: { id: mailboxId, upn: target.upn, onlineArchive: Boolean(target.onlineArchiveOf) },
      archiveId: target.archiveId,
      settings,
      now: new Date(),
      tally: new RunTally(conn, runId, run.profileId, target),
    });
    await setRunMailbox(conn, runId, mailboxId, { status: 'done', finishedAt: new Date() });
    await finishRunIfComplete(conn, runId, deps.log);
    return { status: 'done', worker: ctx.job.lease?.owner };
  } catch (err) {
    if (lockLost.aborted) throw err;
    if (ctx.signal.aborted) {
      // A lost lease or a stopping worker is not the end: another worker resumes the mailbox.
      if (wasCancelled(ctx)) {
        await setRunMailbox(conn, runId, mailboxId, { status: 'cancelled', finishedAt: new Date() });
        await finishRunIfComplete(conn, runId, deps.log);
      }
      throw err;
    }
    // Not the mailbox's failure: the handler puts it off.
    if (!timeout.aborted && isDatabaseUnavailable(err)) throw err;
    const status = timeout.aborted ? 'timed-out' : 'failed';
    const reason = timeout.aborted ? `stopped after the profile's timeout of ${settings.timeoutMinutes} min; the next run continues` : describe(err);
    const again = !timeout.aborted && !isMailboxWide(err) && ctx.job.attempts < ctx.job.maxAttempts;
    await recordRunError(conn, runId, mailboxId, { reason: again ? `${reason} (attempt ${ctx.job.attempts} of ${ctx.job.maxAttempts}; trying again)` : reason });
    if (again) throw err;
    await setRunMailbox(conn, runId, mailboxId, { status, finishedAt: new Date() });
    await finishRunIfComplete(conn, runId, deps.log);
    return { status };
  }
}

function retryPolicy(deps: ArchivingDeps): RetryPolicy {
  const c = deps.config;
  return {
    baseMs: c?.DOWNLOAD_RETRY_BASE_MS ?? DEFAULT_RETRY.baseMs,
    maxAttempts: c?.DOWNLOAD_RETRY_ATTEMPTS ?? DEFAULT_RETRY.maxAttempts,
    waitMs: c?.DOWNLOAD_RETRY_WAIT_MS ?? DEFAULT_RETRY.waitMs,
  };
}

/** Why the attempt before this one ended, as the job system recorded it (a takeover records LEASE_EXPIRED). */
function previousEnd(job: Job): string {
  if (!job.error) return 'without an outcome';
  return job.error.code === LEASE_EXPIRED ? `${job.error.message} (the process was killed, stalled, or lost the database)` : job.error.message;
}

function wasCancelled(ctx: JobContext): boolean {
  const reason: unknown = ctx.signal.reason;
  return reason instanceof JobAbortedError && reason.why === 'cancelled';
}

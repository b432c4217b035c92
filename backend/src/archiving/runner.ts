import { randomUUID } from 'node:crypto';
import type { ServiceDeps } from '../deps';
import { enqueue, requestCancel } from '../store/jobs';
import { JobAbortedError, type JobContext } from '../jobs/worker';
import { getDirectorySettings } from '../directory/settings';
import { syncDirectory } from '../directory/sync';
import { listArchiveUsers } from '../store/directory';
import { addRunMailbox, createRun, getRun, listRunMailboxes, setRunMailbox, updateRun, recordRunError, type Run, type RunStatus } from '../store/runs';
import { getProfile } from '../store/profiles';
import type { ProfileSettings } from './profile';
import { profileInputSchema } from './profile';
import { resolveMailboxes } from './mailboxes';
import { crawlMailbox, describe } from './crawl-mailbox';
import { Limiter } from './limiter';

export const RUN_JOB = 'archive-run';
export const MAILBOX_JOB = 'archive-mailbox';
const MAILBOX_CONCURRENCY = 4;

export type ArchivingDeps = Pick<ServiceDeps, 'store' | 'graph' | 'log'>;

export class RunConflictError extends Error {}

/** Creates a run of a stored profile and queues it; any worker of any process picks it up. */
export async function startRun(deps: ArchivingDeps, profileId: string, trigger: Run['trigger']): Promise<Run> {
  const profile = await getProfile<ProfileSettings>(deps.store.conn, profileId);
  if (!profile) throw new Error(`Profile ${profileId} not found`);
  const runId = randomUUID();
  await createRun(deps.store.conn, { _id: runId, profileId, profileName: profile.name, trigger, settings: profile.settings });
  const job = await enqueue(deps.store, { type: RUN_JOB, key: `run:${runId}`, payload: { runId } });
  await updateRun(deps.store.conn, runId, { jobId: job._id });
  return (await getRun(deps.store.conn, runId))!;
}

export async function cancelRun(deps: ArchivingDeps, runId: string): Promise<boolean> {
  const { conn } = deps.store;
  const run = await getRun(conn, runId);
  if (!run?.jobId || !['queued', 'running'].includes(run.status)) return false;
  await requestCancel(deps.store, run.jobId);
  for (const m of await listRunMailboxes(conn, runId)) {
    if (m.status !== 'queued' && m.status !== 'running') continue;
    await requestCancel(deps.store, mailboxJobKey(runId, m.mailboxId));
    // A queued job that is cancelled never runs its handler: close its mailbox here.
    if (m.status === 'queued') await setRunMailbox(conn, runId, m.mailboxId, { status: 'cancelled', finishedAt: new Date() });
  }
  if (run.status === 'queued') await updateRun(conn, runId, { status: 'cancelled', finishedAt: new Date() });
  await finishRunIfComplete(conn, runId);
  return true;
}

const mailboxJobKey = (runId: string, mailboxId: string) => `mailbox:${runId}:${mailboxId}`;
const TERMINAL = new Set(['done', 'failed', 'cancelled', 'timed-out']);

/**
 * The last mailbox to finish concludes the run. Nobody waits inside a worker slot for the
 * others (that would deadlock a process whose slots are all waiting parents).
 */
async function finishRunIfComplete(conn: ArchivingDeps['store']['conn'], runId: string): Promise<void> {
  const run = await getRun(conn, runId);
  if (!run || run.status !== 'running') return;
  const mailboxes = await listRunMailboxes(conn, runId);
  if (mailboxes.length < run.mailboxCount || !mailboxes.every((m) => TERMINAL.has(m.status))) return;
  await updateRun(conn, runId, { status: concludeStatus(mailboxes), finishedAt: new Date() });
}

/** Job handler: plan the run (optional directory sync, mailboxes) and fan out per mailbox. */
export function runHandler(deps: ArchivingDeps) {
  return async (ctx: JobContext): Promise<unknown> => {
    const { runId } = ctx.job.payload as { runId: string };
    const { conn } = deps.store;
    const run = await getRun(conn, runId);
    if (!run) throw new Error(`Run ${runId} vanished`);
    if (run.status !== 'queued' && run.status !== 'running') return { status: run.status };
    const settings = profileInputSchema.parse(run.settings);
    await updateRun(conn, runId, { status: 'running', startedAt: run.startedAt ?? new Date() });
    try {
      await planRun(deps, run, settings, ctx);
    } catch (err) {
      if (ctx.signal.aborted) {
        if (wasCancelled(ctx)) await updateRun(conn, runId, { status: 'cancelled', finishedAt: new Date() });
        throw err;
      }
      await updateRun(conn, runId, { status: 'failed', error: describe(err), finishedAt: new Date() });
      return { status: 'failed' };
    }
    await finishRunIfComplete(conn, runId);
    return { status: 'planned' };
  };
}

async function planRun(deps: ArchivingDeps, run: Run, settings: ProfileSettings, ctx: JobContext): Promise<void> {
  const { conn } = deps.store;
  const neverSynced = (await listArchiveUsers(conn, {})).length === 0;
  if (settings.syncDirectoryFirst || (neverSynced && settings.source.kind !== 'single-mailbox')) {
    const result = await syncDirectory(conn, deps.graph, await getDirectorySettings(conn));
    await updateRun(conn, run._id, { directorySync: result });
  }
  const targets = await resolveMailboxes(deps.store, deps.graph, settings.source);
  await updateRun(conn, run._id, { mailboxCount: targets.length });
  // Idempotent keys: a worker taking over a half-planned run adds nothing twice.
  for (const t of targets) {
    await addRunMailbox(conn, { runId: run._id, mailboxId: t.mailboxId, upn: t.upn, archiveId: t.archiveId });
    await ctx.enqueueChild({ type: MAILBOX_JOB, key: mailboxJobKey(run._id, t.mailboxId), payload: { runId: run._id, mailboxId: t.mailboxId } });
  }
}

function concludeStatus(mailboxes: { status: string; failed: number; errorCount: number }[]): RunStatus {
  if (mailboxes.some((m) => m.status === 'cancelled')) return 'cancelled';
  const failed = mailboxes.filter((m) => m.status === 'failed' || m.status === 'timed-out').length;
  if (failed === 0) return mailboxes.some((m) => m.errorCount > 0) ? 'partial' : 'succeeded';
  return failed === mailboxes.length ? 'failed' : 'partial';
}

/** Job handler: one mailbox of a run, bounded by the profile's timeout. */
export function mailboxHandler(deps: ArchivingDeps) {
  return async (ctx: JobContext): Promise<unknown> => {
    const { runId, mailboxId } = ctx.job.payload as { runId: string; mailboxId: string };
    const { conn } = deps.store;
    const run = await getRun(conn, runId);
    const target = (await listRunMailboxes(conn, runId)).find((m) => m.mailboxId === mailboxId);
    if (!run || !target) throw new Error(`Run ${runId} or its mailbox ${mailboxId} vanished`);
    const settings = profileInputSchema.parse(run.settings);
    const deadline = (run.startedAt ?? new Date()).getTime() + settings.timeoutMinutes * 60_000;
    const timeout = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
    const signal = AbortSignal.any([ctx.signal, timeout]);
    try {
      await crawlMailbox({
        store: deps.store,
        graph: deps.graph,
        log: deps.log,
        signal,
        limiter: new Limiter(MAILBOX_CONCURRENCY),
        runId,
        profileId: run.profileId,
        mailbox: { id: mailboxId, upn: target.upn },
        archiveId: target.archiveId,
        settings,
        now: new Date(),
      });
      await setRunMailbox(conn, runId, mailboxId, { status: 'done', finishedAt: new Date() });
      await finishRunIfComplete(conn, runId);
      return { status: 'done', worker: ctx.job.lease?.owner };
    } catch (err) {
      if (ctx.signal.aborted) {
        // A lost lease or a stopping worker is not the end: another worker resumes the mailbox.
        if (wasCancelled(ctx)) {
          await setRunMailbox(conn, runId, mailboxId, { status: 'cancelled', finishedAt: new Date() });
          await finishRunIfComplete(conn, runId);
        }
        throw err;
      }
      const status = timeout.aborted ? 'timed-out' : 'failed';
      const reason = timeout.aborted ? `stopped after the profile's timeout of ${settings.timeoutMinutes} min; the next run continues` : describe(err);
      await recordRunError(conn, runId, mailboxId, { reason });
      await setRunMailbox(conn, runId, mailboxId, { status, finishedAt: new Date() });
      await finishRunIfComplete(conn, runId);
      return { status };
    }
  };
}

function wasCancelled(ctx: JobContext): boolean {
  const reason: unknown = ctx.signal.reason;
  return reason instanceof JobAbortedError && reason.why === 'cancelled';
}

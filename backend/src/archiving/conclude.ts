import type { Connection } from 'mongoose';
import type { Store } from '../store';
import type { Logger } from '../log';
import { enqueue, getJob, type Job } from '../store/jobs';
import { getRun, listActiveRuns, listRunMailboxes, recordRunError, setRunMailbox, updateRun, type MailboxStatus, type Run, type RunMailbox, type RunStatus } from '../store/runs';

export const RUN_JOB = 'archive-run';
export const runJobKey = (runId: string) => `run:${runId}`;
export const mailboxJobKey = (runId: string, mailboxId: string) => `mailbox:${runId}:${mailboxId}`;

const OPEN = new Set<RunStatus>(['queued', 'running']);
const TERMINAL = new Set<MailboxStatus>(['done', 'failed', 'cancelled', 'timed-out']);
const JOB_OVER = new Set<Job['status']>(['succeeded', 'failed', 'cancelled']);
/** A run this young may be between its insert and its job's; the sweep leaves it alone. */
const NEWBORN_MS = 2 * 60_000;
/** Checks on a run grow apart up to this many lease periods, so a long run adds few jobs. */
const MAX_CHECK_SPACING = 10;

/**
 * The last mailbox to finish concludes the run. Nobody waits inside a worker slot for the
 * others (that would deadlock a process whose slots are all waiting parents).
 */
export async function finishRunIfComplete(conn: Connection, runId: string, log?: Logger): Promise<void> {
  const run = await getRun(conn, runId);
  if (!run || run.status !== 'running') return;
  const mailboxes = await listRunMailboxes(conn, runId);
  if (mailboxes.length < run.mailboxCount || !mailboxes.every((m) => TERMINAL.has(m.status))) return;
  const status = concludeStatus(mailboxes);
  await updateRun(conn, runId, { status, finishedAt: new Date() });
  const archived = mailboxes.reduce((n, m) => n + (m.archived ?? 0), 0);
  log?.[status === 'succeeded' ? 'info' : 'warn']({ runId, profile: run.profileName, status, mailboxes: mailboxes.length, archived, errors: mailboxes.reduce((n, m) => n + (m.errorCount ?? 0), 0) }, 'archiving run finished');
}

/**
 * Concludes a run that is still open although its jobs have all ended: the conclusion by its
 * last mailbox was lost (a worker died between its steps, or on FerretDB a concurrent
 * read-modify-write of the run document undid it), or mailboxes were cancelled before their
 * job ever ran. A mailbox whose job ended without saying so takes its job's outcome (nobody
 * else writes it any more: its job never runs again). Idempotent: everything it writes is
 * derived from the jobs and the mailboxes. True once the run is concluded.
 */
export async function concludeIfSettled(store: Store, runId: string, now = new Date()): Promise<boolean> {
  const { conn } = store;
  const run = await getRun(conn, runId);
  if (!run || !OPEN.has(run.status)) return true;
  const planner = await getJob(store, run.jobId ?? runJobKey(runId));
  if (planner ? !JOB_OVER.has(planner.status) : now.getTime() - run.createdAt.getTime() < NEWBORN_MS) return false;
  const mailboxes = await listRunMailboxes(conn, runId);
  let working = false;
  for (const m of mailboxes) {
    if (TERMINAL.has(m.status)) continue;
    const job = await getJob(store, mailboxJobKey(runId, m.mailboxId));
    if (job && !JOB_OVER.has(job.status)) {
      working = true;
      continue;
    }
    const ended = endedAs(job);
    if (ended.reason) {
      await recordRunError(conn, runId, m.mailboxId, { reason: ended.reason });
      m.errorCount += 1;
    }
    await setRunMailbox(conn, runId, m.mailboxId, { status: ended.status, finishedAt: job?.finishedAt ?? now });
    m.status = ended.status;
  }
  if (working) return false;
  const planned = planner?.status === 'succeeded' && mailboxes.length >= run.mailboxCount;
  await updateRun(conn, runId, planned ? { status: concludeStatus(mailboxes), finishedAt: now } : unplanned(run, planner, mailboxes, now));
  return true;
}

/** The planning job ended without queueing every mailbox (or was never queued). */
function unplanned(run: Run, planner: Job | null, mailboxes: RunMailbox[], now: Date): Partial<Run> {
  const why = planner ? (planner.error?.message ?? `its planning job ended ${planner.status}`) : 'its job was never queued';
  const status: RunStatus = planner?.status === 'cancelled' ? 'cancelled' : mailboxes.some((m) => m.status === 'done') ? 'partial' : 'failed';
  return { status, finishedAt: now, error: run.error ?? `The run stopped before every mailbox was queued: ${why}` };
}

function endedAs(job: Job | null): { status: MailboxStatus; reason?: string } {
  if (!job) return { status: 'failed', reason: 'the run stopped before this mailbox was queued' };
  if (job.status === 'cancelled') return { status: 'cancelled' };
  if (job.status === 'failed') return { status: 'failed', reason: job.error?.message ?? 'the mailbox job failed' };
  const said = (job.result as { status?: MailboxStatus } | null)?.status;
  return { status: said && TERMINAL.has(said) ? said : 'done' };
}

/**
 * A run's status says whether anything is missing, not whether anything went wrong on the way:
 * errors that were overcome (a retried download, a folder crawled again) leave it succeeded.
 * Partial: a mailbox failed or stopped, or one lacks messages (owed, failed for good, a folder
 * not finished, a gap between Graph's count and the archive's).
 */
export function concludeStatus(mailboxes: Pick<RunMailbox, 'status' | 'missing'>[]): RunStatus {
  if (mailboxes.some((m) => m.status === 'cancelled')) return 'cancelled';
  const failed = mailboxes.filter((m) => m.status === 'failed' || m.status === 'timed-out').length;
  if (failed > 0) return failed === mailboxes.length ? 'failed' : 'partial';
  return mailboxes.some((m) => isMissingAnything(m.missing)) ? 'partial' : 'succeeded';
}

const isMissingAnything = (missing: RunMailbox['missing']) => Object.values(missing ?? {}).some((n) => n > 0);

/**
 * The sweep: every open run whose jobs have all ended is concluded. It runs with each check on
 * a run (below), so a run left open by a version without checks is healed by the next run.
 */
export async function concludeSettledRuns(store: Store, onError: (runId: string, err: unknown) => void): Promise<void> {
  for (const run of await listActiveRuns(store.conn)) {
    await concludeIfSettled(store, run._id).catch((err: unknown) => onError(run._id, err));
  }
}

/**
 * Queues check number `n` on an open run: a job (so it survives the process that queued it)
 * that sweeps and then queues the next check while the run stays open. Checks start two lease
 * periods apart (a worker that dies is noticed after one) and double up to a limit.
 */
export async function scheduleCheck(store: Store, runId: string, n: number, leaseMs: number): Promise<void> {
  const delay = 2 * leaseMs * Math.min(2 ** n, MAX_CHECK_SPACING);
  await enqueue(store, { type: RUN_JOB, key: `${runJobKey(runId)}:check:${n}`, payload: { runId, check: n }, runAt: new Date(Date.now() + delay), maxAttempts: 10 });
}

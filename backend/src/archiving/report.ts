import type { Connection } from 'mongoose';
import { getArchiveUser } from '../store/directory';
import { getPending, listFailedForGood, retryNow } from '../store/pending';
import { getProfile, listProfiles } from '../store/profiles';
import { getRun, hasActiveRun, listRunMailboxes, listRuns, sumMissing, type FolderCompleteness, type Missing, type Run } from '../store/runs';
import { statementOf } from './completeness';
import { startRun, type ArchivingDeps } from './runner';

/** Verdicts, worst first: the order the report lists folders in. */
const SEVERITY: Record<FolderCompleteness['verdict'], number> = { gaps: 0, 'catching-up': 1, complete: 2 };

export interface CompletenessRow extends FolderCompleteness {
  mailboxId: string;
  upn: string;
  statement: string;
}

export interface CompletenessReport {
  run: Pick<Run, '_id' | 'profileId' | 'profileName' | 'status' | 'startedAt' | 'finishedAt'>;
  missing: Missing;
  folders: { total: number; complete: number; catchingUp: number; gaps: number };
  /** One line for the whole run, for an auditor. */
  statement: string;
  rows: CompletenessRow[];
}

/** The completeness report a run kept: every mailbox's folders, gaps first. */
export async function completenessOfRun(conn: Connection, runId: string): Promise<CompletenessReport | null> {
  const run = await getRun(conn, runId);
  if (!run) return null;
  const mailboxes = await listRunMailboxes(conn, runId, { withFolders: true });
  const rows = mailboxes
    .flatMap((m) => (m.folders ?? []).map((f) => ({ ...f, mailboxId: m.mailboxId, upn: m.upn, statement: statementOf(m.upn, f) })))
    .sort((a, b) => SEVERITY[a.verdict] - SEVERITY[b.verdict] || a.upn.localeCompare(b.upn) || a.path.localeCompare(b.path));
  const count = (v: FolderCompleteness['verdict']) => rows.filter((r) => r.verdict === v).length;
  const folders = { total: rows.length, complete: count('complete'), catchingUp: count('catching-up'), gaps: count('gaps') };
  const inMailboxes = rows.reduce((n, r) => n + (r.inMailbox ?? 0), 0);
  const held = rows.reduce((n, r) => n + r.held, 0);
  const when = (run.finishedAt ?? run.startedAt ?? run.createdAt).toISOString().replace('T', ' ').slice(0, 16);
  const statement =
    `On ${when} UTC, run "${run.profileName}" checked ${plural(folders.total, 'folder')} in ${plural(mailboxes.length, 'mailbox', 'mailboxes')} holding ${plural(inMailboxes, 'item')} ` +
    `(Microsoft Graph); the archive holds ${held} of them. ${folders.complete} complete, ${folders.catchingUp} catching up, ${folders.gaps} with gaps.`;
  const { _id, profileId, profileName, status, startedAt, finishedAt } = run;
  return { run: { _id, profileId, profileName, status, startedAt, finishedAt }, missing: sumMissing(mailboxes), folders, statement, rows };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The report of a profile's newest run that has one (or of any profile's). */
export async function latestCompleteness(conn: Connection, profileId?: string): Promise<CompletenessReport | null> {
  for (const run of await listRuns(conn, { profileId, limit: 20 })) {
    if (run.status === 'queued') continue;
    const report = await completenessOfRun(conn, run._id);
    if (report && report.rows.length > 0) return report;
  }
  return null;
}

export interface FailedMessageView {
  id: string;
  profileId: string;
  profileName: string;
  mailbox: string;
  messageId: string;
  folder: string;
  subject: string;
  lastError: string;
  attempts: number;
  failedAt: Date | null;
}

/** Messages that failed for good, for the dashboard's "Needs attention" and the report. */
export async function listFailedMessages(conn: Connection, limit = 100): Promise<FailedMessageView[]> {
  const failed = await listFailedForGood(conn, limit);
  const profiles = new Map((await listProfiles(conn)).map((p) => [p._id, p.name]));
  const upns = new Map<string, string>();
  for (const id of new Set(failed.map((f) => f.mailboxId))) upns.set(id, (await getArchiveUser(conn, id))?.upn ?? id);
  return failed.map((f) => ({
    id: f._id,
    profileId: f.profileId,
    profileName: profiles.get(f.profileId) ?? f.profileId,
    mailbox: upns.get(f.mailboxId) ?? f.mailboxId,
    messageId: f.messageId,
    folder: f.folderPath,
    subject: f.subject ?? '',
    lastError: f.lastError ?? '',
    attempts: f.attempts ?? 0,
    failedAt: f.lastAttemptAt ?? null,
  }));
}

export class FailedMessageNotFoundError extends Error {}

/**
 * An administrator's "retry": the message is owed again with a fresh allowance of attempts, and
 * a run of its profile starts unless one is running (that one retries it, as it is due now).
 */
export async function retryFailedMessage(deps: ArchivingDeps, id: string): Promise<{ runId: string }> {
  const { conn } = deps.store;
  const item = await getPending(conn, id);
  if (!item || item.state !== 'failed' || !(await retryNow(conn, id))) throw new FailedMessageNotFoundError(`No message failed for good has id ${id}`);
  const active = await hasActiveRun(conn, item.profileId);
  if (active) return { runId: active._id };
  if (!(await getProfile(conn, item.profileId))) throw new FailedMessageNotFoundError(`The profile of message ${id} no longer exists`);
  return { runId: (await startRun(deps, item.profileId, 'manual'))._id };
}

import { Schema, type Connection } from 'mongoose';
import { modelFor } from './model';

/**
 * Archiving runs and their per-mailbox progress, one document per (run, mailbox) with a single
 * writer at a time: the worker holding the mailbox's job (FerretDB applies updates as unlocked
 * read-modify-write). Its counters are not increments but totals the crawl derives from what it
 * committed with each page's delta link (store/sync-state.ts) and with each batch of due pending
 * work (`pendingCounts`), so a retried page or batch is never counted twice.
 */
export const MAILBOX_COUNTERS = ['found', 'archived', 'alreadyArchived', 'filtered', 'deleted', 'failed', 'deferred', 'recovered', 'removedInMailbox', 'bytes'] as const;
export type MailboxCounter = (typeof MAILBOX_COUNTERS)[number];
export type Counts = Record<MailboxCounter, number>;

/** 'succeeded': nothing is missing; 'partial': something is (see each mailbox's `missing`). */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled';
export type MailboxStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'timed-out';

export interface Run {
  _id: string;
  profileId: string;
  profileName: string;
  trigger: 'manual' | 'schedule';
  status: RunStatus;
  /** The profile as it was when the run started; edits during a run do not change it. */
  settings: unknown;
  jobId: string | null;
  directorySync: unknown;
  error: string | null;
  mailboxCount: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** Per folder, what Graph says the mailbox holds beside what the archive accounts for (archiving/completeness.ts). */
export interface FolderCompleteness {
  folderId: string;
  path: string;
  /** Graph's `totalItemCount`; null when Graph did not say. */
  inMailbox: number | null;
  held: number;
  filtered: number;
  owed: number;
  failed: number;
  verdict: 'complete' | 'catching-up' | 'gaps';
  reason: string | null;
  checkedAt: Date;
}

/** A message that failed for good: what an administrator needs to find it and retry it. */
export interface FailedMessage {
  /** The pending item's id, for "retry". */
  id: string;
  messageId: string;
  folder: string;
  subject: string;
  lastError: string;
  attempts: number;
}

/** What the mailbox's archive lacks at the end of its crawl. */
export interface Missing {
  /** Messages owed: downloads waiting for a retry. */
  owed: number;
  /** Messages failed for good. */
  failed: number;
  /** Folders whose crawl did not finish in this run. */
  incompleteFolders: number;
  /** Folders where Graph counts more than the archive accounts for, though nothing is owed. */
  gapFolders: number;
}

/** An error of a mailbox's crawl, or a message a filter skipped that the run names. */
export interface RunNote {
  at: Date;
  folder?: string;
  messageId?: string;
  subject?: string;
  reason: string;
  /** Overcome later in the run: the folder or mailbox that failed was then crawled to its end. */
  recovered?: boolean;
}

export interface RunMailbox extends Counts {
  _id: string;
  runId: string;
  mailboxId: string;
  upn: string;
  archiveId: string;
  /** Set on an online archive (mailboxId is its `MBX:` id, crawled through Graph beta): the owner's primary mailbox id. */
  onlineArchiveOf?: string;
  status: MailboxStatus;
  currentFolder: string;
  foldersDone: number;
  foldersTotal: number;
  recentErrors: RunNote[];
  /** Errors not overcome (an error that was overcome moves to `recoveredErrors`). */
  errorCount: number;
  recoveredErrors: number;
  /** Messages a filter skipped that the run names (over the size limit), the first of them and their count. */
  recentSkips?: RunNote[];
  skipCount?: number;
  /** Attempts a worker started at this mailbox in this run (0 before the first). */
  attempts?: number;
  /** Attempts after the first (a takeover of a stalled or killed worker's, a retry after an error), the first of them and their count. */
  recentRestarts?: RunNote[];
  restartCount?: number;
  /** Set when the mailbox's crawl ends: what is missing, and the completeness report. */
  missing?: Missing | null;
  folders?: FolderCompleteness[];
  failedMessages?: FailedMessage[];
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number;
  /** Messages Graph counted in the selected folders when the mailbox's first archive started (its time left). */
  expected?: number | null;
  /** What the run's due pending work counted so far (crawl-mailbox.ts). */
  pendingCounts?: Partial<Counts>;
  /** Pending items of the last committed batch, whose removal a crash may have cut short. */
  pendingDone?: string[];
}

const runSchema = new Schema<Run>(
  {
    _id: String,
    profileId: String,
    profileName: String,
    trigger: String,
    status: String,
    settings: Schema.Types.Mixed,
    jobId: { type: String, default: null },
    directorySync: { type: Schema.Types.Mixed, default: null },
    error: { type: String, default: null },
    mailboxCount: { type: Number, default: 0 },
    createdAt: Date,
    startedAt: { type: Date, default: null },
    finishedAt: { type: Date, default: null },
  },
  { versionKey: false, autoIndex: false, collection: 'runs', minimize: false },
);
runSchema.index({ profileId: 1, createdAt: -1 });
runSchema.index({ status: 1 });

const note = new Schema<RunNote>({ at: Date, folder: String, messageId: String, subject: String, reason: String, recovered: Boolean }, { _id: false });
const counterFields = Object.fromEntries(MAILBOX_COUNTERS.map((c) => [c, { type: Number, default: 0 }]));
const mailboxSchema = new Schema<RunMailbox>(
  {
    _id: String,
    runId: String,
    mailboxId: String,
    upn: String,
    archiveId: String,
    onlineArchiveOf: { type: String, default: undefined },
    status: String,
    currentFolder: { type: String, default: '' },
    foldersDone: { type: Number, default: 0 },
    foldersTotal: { type: Number, default: 0 },
    recentErrors: { type: [note], default: [] },
    errorCount: { type: Number, default: 0 },
    recoveredErrors: { type: Number, default: 0 },
    recentSkips: { type: [note], default: [] },
    skipCount: { type: Number, default: 0 },
    attempts: { type: Number, default: 0 },
    recentRestarts: { type: [note], default: [] },
    restartCount: { type: Number, default: 0 },
    missing: { type: Schema.Types.Mixed, default: null },
    folders: { type: Schema.Types.Mixed, default: undefined },
    failedMessages: { type: Schema.Types.Mixed, default: undefined },
    startedAt: { type: Date, default: null },
    finishedAt: { type: Date, default: null },
    durationMs: { type: Number, default: 0 },
    expected: { type: Number, default: null },
    ...counterFields,
    pendingCounts: { type: Schema.Types.Mixed, default: {} },
    pendingDone: { type: [String], default: [] },
  },
  { versionKey: false, autoIndex: false, collection: 'run_mailboxes' },
);
mailboxSchema.index({ runId: 1, upn: 1 });

const runs = modelFor<Run>('Run', runSchema);
const runMailboxes = modelFor<RunMailbox>('RunMailbox', mailboxSchema);
const MAX_ERRORS_KEPT = 50;

/** The job id is known up front (the job's key), so nothing writes the run while its job starts. */
export async function createRun(conn: Connection, run: Pick<Run, '_id' | 'profileId' | 'profileName' | 'trigger' | 'settings' | 'jobId'>): Promise<void> {
  await runs(conn).updateOne(
    { _id: run._id },
    { $setOnInsert: { ...run, status: 'queued', createdAt: new Date(), error: null, directorySync: null, mailboxCount: 0 } },
    { upsert: true },
  );
}

export async function updateRun(conn: Connection, runId: string, set: Partial<Omit<Run, '_id'>>): Promise<void> {
  await runs(conn).updateOne({ _id: runId }, { $set: set });
}

export async function getRun(conn: Connection, runId: string): Promise<Run | null> {
  return runs(conn).findById(runId).lean<Run>();
}

export async function listRuns(conn: Connection, filter: { profileId?: string; limit?: number } = {}): Promise<Run[]> {
  const q = filter.profileId ? { profileId: filter.profileId } : {};
  return runs(conn).find(q).sort({ createdAt: -1 }).limit(filter.limit ?? 50).lean<Run[]>();
}

/** Runs not concluded yet, for the sweep that concludes those whose jobs have all ended. */
export async function listActiveRuns(conn: Connection): Promise<Run[]> {
  return runs(conn).find({ status: { $in: ['queued', 'running'] } }).lean<Run[]>();
}

export async function hasActiveRun(conn: Connection, profileId: string): Promise<Run | null> {
  return runs(conn).findOne({ profileId, status: { $in: ['queued', 'running'] } }).lean<Run>();
}

const mailboxKey = (runId: string, mailboxId: string) => `${runId}:${mailboxId}`;

/** Idempotent: a re-planned run (after a crash) keeps the counters already reported. */
export async function addRunMailbox(conn: Connection, m: Pick<RunMailbox, 'runId' | 'mailboxId' | 'upn' | 'archiveId' | 'onlineArchiveOf'>): Promise<void> {
  await runMailboxes(conn).updateOne(
    { _id: mailboxKey(m.runId, m.mailboxId) },
    { $setOnInsert: { ...m, status: 'queued' } },
    { upsert: true },
  );
}

export async function setRunMailbox(
  conn: Connection,
  runId: string,
  mailboxId: string,
  set: Partial<Pick<RunMailbox, 'status' | 'currentFolder' | 'foldersDone' | 'foldersTotal' | 'startedAt' | 'finishedAt' | 'durationMs' | 'expected'>>,
): Promise<void> {
  await runMailboxes(conn).updateOne({ _id: mailboxKey(runId, mailboxId) }, { $set: set });
}

/** Publishes a mailbox's counters, as totals the crawl derived from its committed progress. */
export async function setRunMailboxCounts(
  conn: Connection,
  runId: string,
  mailboxId: string,
  counts: Counts,
  pending?: { counts: Partial<Counts>; done: string[] },
): Promise<void> {
  const set = pending ? { ...counts, pendingCounts: pending.counts, pendingDone: pending.done } : counts;
  await runMailboxes(conn).updateOne({ _id: mailboxKey(runId, mailboxId) }, { $set: set });
}

export async function getRunMailbox(conn: Connection, runId: string, mailboxId: string): Promise<RunMailbox | null> {
  return runMailboxes(conn).findById(mailboxKey(runId, mailboxId)).lean<RunMailbox>();
}

/** Keeps the first errors of a mailbox for the run log; the count keeps going. */
export function recordRunError(conn: Connection, runId: string, mailboxId: string, error: Omit<RunNote, 'at' | 'recovered'>): Promise<void> {
  return recordNote(conn, runId, mailboxId, error, 'recentErrors', 'errorCount');
}

/** The same for messages a filter skipped that the run names (they are no errors). */
export function recordRunSkip(conn: Connection, runId: string, mailboxId: string, skip: Omit<RunNote, 'at' | 'recovered'>): Promise<void> {
  return recordNote(conn, runId, mailboxId, skip, 'recentSkips', 'skipCount');
}

/**
 * Counts a worker's start at a mailbox. A start after the first is a restart, kept with why the
 * attempt before it ended (`previousEnd`); an attempt resumed after a graceful stop or a deferral
 * keeps its number and is counted once.
 */
export async function recordRunAttempt(conn: Connection, runId: string, mailboxId: string, attempt: number, previousEnd: string): Promise<void> {
  const _id = mailboxKey(runId, mailboxId);
  const counted = await runMailboxes(conn).updateOne({ _id, $or: [{ attempts: { $exists: false } }, { attempts: { $lt: attempt } }] }, { $set: { attempts: attempt } });
  if (counted.modifiedCount === 0 || attempt <= 1) return;
  await recordNote(conn, runId, mailboxId, { reason: `attempt ${attempt} resumed from what was committed; attempt ${attempt - 1} ended: ${previousEnd}` }, 'recentRestarts', 'restartCount');
}

type NoteList = { recentErrors: 'errorCount'; recentSkips: 'skipCount'; recentRestarts: 'restartCount' };

async function recordNote<L extends keyof NoteList>(conn: Connection, runId: string, mailboxId: string, note: Omit<RunNote, 'at'>, list: L, count: NoteList[L]): Promise<void> {
  const _id = mailboxKey(runId, mailboxId);
  const entry = { at: new Date(), ...note, reason: note.reason.slice(0, 500) };
  const pushed = await runMailboxes(conn).updateOne({ _id, [count]: { $lt: MAX_ERRORS_KEPT } }, { $push: { [list]: entry }, $inc: { [count]: 1 } });
  if (pushed.matchedCount === 0) await runMailboxes(conn).updateOne({ _id }, { $inc: { [count]: 1 } });
}

/**
 * At the end of a mailbox's crawl: errors it overcame (`resolved`) are marked recovered and move
 * from `errorCount` to `recoveredErrors`. Errors past the kept ones stay counted as errors.
 */
export async function settleRunErrors(conn: Connection, runId: string, mailboxId: string, resolved: (e: RunNote) => boolean): Promise<void> {
  const doc = await getRunMailbox(conn, runId, mailboxId);
  if (!doc) return;
  let newly = 0;
  const errors = (doc.recentErrors ?? []).map((e) => (e.recovered || !resolved(e) ? e : (newly++, { ...e, recovered: true })));
  if (newly === 0) return;
  await runMailboxes(conn).updateOne(
    { _id: mailboxKey(runId, mailboxId) },
    { $set: { recentErrors: errors, errorCount: Math.max(0, doc.errorCount - newly), recoveredErrors: (doc.recoveredErrors ?? 0) + newly } },
  );
}

/** The mailbox's completeness report and what it lacks, written once its crawl ends. */
export async function setRunMailboxCompleteness(
  conn: Connection,
  runId: string,
  mailboxId: string,
  report: Pick<RunMailbox, 'folders' | 'failedMessages'> & { missing: Missing },
): Promise<void> {
  await runMailboxes(conn).updateOne({ _id: mailboxKey(runId, mailboxId) }, { $set: report });
}

/** The run's mailboxes, without the per-folder report (`withFolders` adds it). */
export async function listRunMailboxes(conn: Connection, runId: string, opts: { withFolders?: boolean } = {}): Promise<RunMailbox[]> {
  const projection = opts.withFolders ? { pendingDone: 0, pendingCounts: 0 } : { pendingDone: 0, pendingCounts: 0, folders: 0 };
  const found = await runMailboxes(conn).find({ runId }, projection).sort({ upn: 1 }).lean<RunMailbox[]>();
  // An upserted row has no lists until its first note: lean() applies no schema defaults.
  return found.map((m) => ({ ...m, recentErrors: m.recentErrors ?? [], recentSkips: m.recentSkips ?? [] }));
}

/** Adds up what a run's mailboxes lack. */
export function sumMissing(mailboxes: Pick<RunMailbox, 'missing'>[]): Missing {
  const total: Missing = { owed: 0, failed: 0, incompleteFolders: 0, gapFolders: 0 };
  for (const m of mailboxes) for (const k of Object.keys(total) as (keyof Missing)[]) total[k] += m.missing?.[k] ?? 0;
  return total;
}

export function sumCounts(mailboxes: Partial<Counts>[]): Counts {
  const total = Object.fromEntries(MAILBOX_COUNTERS.map((c) => [c, 0])) as Counts;
  for (const m of mailboxes) for (const c of MAILBOX_COUNTERS) total[c] += m[c] ?? 0;
  return total;
}

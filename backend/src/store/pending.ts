import { Schema, type Connection } from 'mongoose';
import { modelFor } from './model';

/**
 * Work a delta crawl cannot finish now and would never see again, since delta links report only
 * changes: a message too young for the profile's age filter, one whose download failed (owed,
 * retried on a schedule until a cap on attempts, then failed for good and shown until an
 * administrator retries it), or one archived but too young for the deletion rule. Handled by a
 * later page or run once due.
 */
export interface PendingItem {
  _id: string;
  kind: 'archive' | 'delete';
  /** For 'archive': waiting for the age filter, retrying a failed download, or failed for good. */
  state?: PendingState;
  profileId: string;
  mailboxId: string;
  messageId: string;
  folderId: string;
  folderPath: string;
  receivedAt: Date;
  /** Null once failed for good: nothing retries it until an administrator asks. */
  dueAt: Date | null;
  sha256: string | null;
  subject?: string;
  /** Failed downloads so far. */
  attempts?: number;
  lastError?: string;
  lastAttemptAt?: Date;
}

export type PendingState = 'waiting' | 'retrying' | 'failed';

const schema = new Schema<PendingItem>(
  {
    _id: String,
    kind: String,
    state: String,
    profileId: String,
    mailboxId: String,
    messageId: String,
    folderId: String,
    folderPath: String,
    receivedAt: Date,
    dueAt: { type: Date, default: null },
    sha256: { type: String, default: null },
    subject: String,
    attempts: Number,
    lastError: String,
    lastAttemptAt: Date,
  },
  { versionKey: false, autoIndex: false, collection: 'pending_items' },
);
schema.index({ profileId: 1, mailboxId: 1, dueAt: 1 });
schema.index({ state: 1 });

const pending = modelFor<PendingItem>('PendingItem', schema);
const key = (p: Pick<PendingItem, 'kind' | 'profileId' | 'mailboxId' | 'messageId'>) => `${p.kind}:${p.profileId}:${p.mailboxId}:${p.messageId}`;

export async function addPending(conn: Connection, item: Omit<PendingItem, '_id'>): Promise<void> {
  const _id = key(item);
  await pending(conn).updateOne({ _id }, { $set: { ...item, _id } }, { upsert: true });
}

/** A failed download: one more attempt counted; `schedule` says when to retry, or null for never. */
export async function owePending(
  conn: Connection,
  item: Omit<PendingItem, '_id' | 'kind' | 'state' | 'dueAt' | 'sha256' | 'attempts' | 'lastAttemptAt'>,
  schedule: (attempts: number) => Date | null,
  now = new Date(),
): Promise<PendingItem> {
  const _id = key({ ...item, kind: 'archive' });
  const { subject, ...fields } = item;
  const counted = await pending(conn).findOneAndUpdate(
    { _id },
    { $set: { ...fields, ...(subject ? { subject } : {}), kind: 'archive', sha256: null, lastAttemptAt: now }, $inc: { attempts: 1 } },
    { upsert: true, returnDocument: 'after' },
  ).lean<PendingItem>();
  const dueAt = schedule(counted!.attempts ?? 1);
  const state: PendingState = dueAt ? 'retrying' : 'failed';
  await pending(conn).updateOne({ _id }, { $set: { state, dueAt } });
  return { ...counted!, state, dueAt };
}

export async function duePending(conn: Connection, profileId: string, mailboxId: string, now: Date, limit = 500): Promise<PendingItem[]> {
  return pending(conn).find({ profileId, mailboxId, dueAt: { $lte: now } }).sort({ dueAt: 1 }).limit(limit).lean<PendingItem[]>();
}

/** When the mailbox's next owed download is due, if any is scheduled. */
export async function nextRetry(conn: Connection, profileId: string, mailboxId: string): Promise<Date | null> {
  const next = await pending(conn).findOne({ profileId, mailboxId, state: 'retrying' }).sort({ dueAt: 1 }).lean<PendingItem>();
  return next?.dueAt ?? null;
}

/** The mailbox's messages that are owed (retrying) or failed for good. */
export async function listOwed(conn: Connection, profileId: string, mailboxId: string): Promise<PendingItem[]> {
  return pending(conn).find({ profileId, mailboxId, state: { $in: ['retrying', 'failed'] } }).lean<PendingItem[]>();
}

/** Messages that failed for good, across profiles, oldest failure first. */
export async function listFailedForGood(conn: Connection, limit: number): Promise<PendingItem[]> {
  return pending(conn).find({ state: 'failed' }).sort({ lastAttemptAt: 1 }).limit(limit).lean<PendingItem[]>();
}

export async function countFailedForGood(conn: Connection): Promise<number> {
  return pending(conn).countDocuments({ state: 'failed' });
}

export async function getPending(conn: Connection, id: string): Promise<PendingItem | null> {
  return pending(conn).findById(id).lean<PendingItem>();
}

/** An administrator's "retry": owed again now, with a fresh allowance of attempts. */
export async function retryNow(conn: Connection, id: string, now = new Date()): Promise<boolean> {
  const res = await pending(conn).updateOne({ _id: id, state: 'failed' }, { $set: { state: 'retrying', dueAt: now, attempts: 0 } });
  return res.matchedCount === 1;
}

export async function removePending(conn: Connection, id: string): Promise<void> {
  await pending(conn).deleteOne({ _id: id });
}

/**
 * A message that left its folder (deleted or moved) no longer needs pending work there. Only
 * work filed under that folder: a message moved to a folder crawled earlier has its work there.
 */
export async function forgetPendingMessage(conn: Connection, ids: { profileId: string; mailboxId: string; folderId: string }, messageId: string): Promise<void> {
  await pending(conn).deleteMany({ ...ids, messageId });
}

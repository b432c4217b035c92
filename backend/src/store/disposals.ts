import type { mongo } from 'mongoose';
import { deleteWhereIn, findWhereIn, updateWhereIn } from './bulk';
import type { Store } from './connection';
import { insertManyOnce } from './insert-once';

/**
 * What retention and erasure delete, written before and after they do (MISSION M13):
 *  - `retention_intents`: a message about to be deleted. Written before anything goes, removed
 *    once everything went and the log entry is written, so a crash in between leaves the intent
 *    for the next run to finish. Small: only the batch at hand.
 *  - `retention_log`: one entry per deleted message, kept for good (it outlives the message):
 *    which message (archive, SHA-256, dates, size), why (policies or erasure request), when, and
 *    whether its stored bytes went too. No subject, no addresses: nothing of the message's content.
 *  - `blob_releases`: a blob whose last reference retention removed, while its bytes are being
 *    deleted and for a while after. An ingest that adds a reference to the same bytes meanwhile
 *    sees it (store/items.ts), so that no record is left without its bytes.
 */
export interface Intent {
  /** `<archive>:<sha256>@<archivedAt ms>`: one per archived life of a message. */
  _id: string;
  archiveId: string;
  sha256: string;
  receivedAt: Date;
  archivedAt: Date;
  size: number;
  kind: 'disposal' | 'erasure';
  /** The policies that made it due, or the erasure request. */
  ref: string[];
  batch: string;
  at: Date;
}

export interface LogEntry extends Intent {
  doneAt: Date;
  /** Whether the stored bytes went too ('kept': another archive still holds the message). */
  blob: 'erased' | 'kept';
}

export interface BlobRelease {
  _id: string;
  at: Date;
  released: boolean;
}

type Db = Pick<Store, 'db'>;
const intents = (store: Db) => store.db.collection<Intent>('retention_intents');
const log = (store: Db) => store.db.collection<LogEntry>('retention_log');
const releases = (store: Db) => store.db.collection<BlobRelease>('blob_releases');

export async function addIntents(store: Db, list: Intent[]): Promise<void> {
  await insertManyOnce(intents(store), list);
}

export async function listIntents(store: Db): Promise<Intent[]> {
  return intents(store).find({}).toArray();
}

/** Intents given up (their message came under a hold before it was gone). */
export async function dropIntents(store: Db, ids: readonly string[]): Promise<void> {
  await deleteWhereIn(intents(store), ids);
}

/** Logs what a batch deleted, then forgets its intents. */
export async function finishBatch(store: Db, batch: string, entries: LogEntry[]): Promise<void> {
  await insertManyOnce(log(store), entries);
  await intents(store).deleteMany({ batch });
}

export interface LogQuery {
  kind?: LogEntry['kind'];
  ref?: string;
  archiveId?: string;
  /** Entries deleted before this time (paging, newest first). */
  before?: Date;
  limit: number;
}

/** Newest first. Scans the log on FerretDB: an administrator's occasional read. */
export async function findLog(store: Db, q: LogQuery): Promise<LogEntry[]> {
  const filter: mongo.Filter<LogEntry> = {};
  if (q.kind) filter.kind = q.kind;
  if (q.ref) filter.ref = q.ref;
  if (q.archiveId) filter.archiveId = q.archiveId;
  if (q.before) filter.doneAt = { $lt: q.before };
  return log(store).find(filter).sort({ doneAt: -1, _id: 1 }).limit(q.limit).toArray();
}

/** Every entry of one erasure request or policy, in `_id` order (a certificate). */
export function logOf(store: Db, ref: string): mongo.FindCursor<LogEntry> {
  return log(store).find({ ref }).sort({ _id: 1 });
}

/** Marks blobs as being released (again, for one released before and stored again since). */
export async function fenceBlobs(store: Db, sha256s: readonly string[], at = new Date()): Promise<void> {
  await insertManyOnce(releases(store), sha256s.map((_id) => ({ _id, at, released: false })));
  await updateWhereIn(releases(store), sha256s, { $set: { at, released: false } });
}

export async function markReleased(store: Db, sha256s: readonly string[]): Promise<void> {
  await updateWhereIn(releases(store), sha256s, { $set: { released: true } });
}

/** The release marks of these blobs that are not settled yet or were settled recently. */
export async function releasesOf(store: Db, sha256s: readonly string[]): Promise<BlobRelease[]> {
  return findWhereIn(releases(store), sha256s);
}

/** Blobs whose release did not go ahead (still referenced) are simply unmarked. */
export async function unfenceBlobs(store: Db, sha256s: readonly string[]): Promise<void> {
  await deleteWhereIn(releases(store), sha256s);
}

/** Released marks older than `before`: no ingest that began before a release is still under way. */
export async function pruneReleases(store: Db, before: Date): Promise<number> {
  return (await releases(store).deleteMany({ released: true, at: { $lt: before } })).deletedCount;
}

import type { mongo } from 'mongoose';
import type { Store } from './connection';
import { createIndexesOf } from './collection-repair';
import { insertManyOnce, insertOnce } from './insert-once';

/**
 * What retention and erasure delete, written before and after they do (MISSION M13). FerretDB
 * 1.24 writes every document a statement changes on its own (a few milliseconds each), so the
 * bookkeeping is one document per batch wherever it can be:
 *  - `retention_intents`: a batch of messages about to be deleted, and why. Written before
 *    anything goes, removed once everything went and the log entries are written, so a crash in
 *    between leaves it for the next run to finish.
 *  - `retention_log`: one entry per deleted message, kept for good (it outlives the message):
 *    which message (archive, SHA-256, dates, size), why (policies or erasure request), when, and
 *    whether its stored bytes went too. No subject, no addresses: nothing of the message's content.
 *  - `blob_releases`: the blobs of a batch whose last reference retention removed, while their
 *    bytes are being deleted and for a while after. An ingest that adds a reference to the same
 *    bytes meanwhile sees it (store/items.ts), so that no record is left without its bytes.
 */
export interface IntentEntry {
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

export interface IntentBatch {
  _id: string;
  archiveId: string;
  at: Date;
  entries: IntentEntry[];
}

export interface LogEntry extends IntentEntry {
  doneAt: Date;
  /** Whether the stored bytes went too ('kept': another archive still holds the message). */
  blob: 'erased' | 'kept';
}

export interface BlobRelease {
  /** `<group>:<n>`: a release group's blobs, a few thousand per document. */
  _id: string;
  group: string;
  shas: string[];
  at: Date;
  released: boolean;
}

type Db = Pick<Store, 'db'>;
const indexed = new WeakMap<object, Set<string>>();
/** A collection with its indexes asked for once per database handle (FerretDB 1.24 accepts them and ignores them). */
function withIndexes<T extends mongo.Document>(store: Db, name: string, keys: Record<string, 1 | -1>[]): mongo.Collection<T> {
  const done = indexed.get(store.db) ?? new Set<string>();
  indexed.set(store.db, done);
  if (!done.has(name)) {
    done.add(name);
    createIndexesOf(store.db, name, keys.map((key) => ({ key }))).catch(() => done.delete(name));
  }
  return store.db.collection<T>(name);
}
const intents = (store: Db) => store.db.collection<IntentBatch>('retention_intents');
const log = (store: Db) => withIndexes<LogEntry>(store, 'retention_log', [{ doneAt: -1 }, { ref: 1 }]);
/** The ingest asks for release marks by blob on every batch of items it adds. */
const releases = (store: Db) => withIndexes<BlobRelease>(store, 'blob_releases', [{ shas: 1 }]);

export async function addIntents(store: Db, batch: IntentBatch): Promise<void> {
  await insertOnce(intents(store), batch);
}

export async function listIntents(store: Db): Promise<IntentBatch[]> {
  return intents(store).find({}).toArray();
}

/** What is left of a batch once some of its messages are to stay after all. */
export async function keepIntents(store: Db, batch: string, entries: IntentEntry[]): Promise<void> {
  if (entries.length === 0) await intents(store).deleteOne({ _id: batch });
  else await intents(store).updateOne({ _id: batch }, { $set: { entries } });
}

/** Logs what a batch deleted, then forgets its intents. */
export async function finishBatch(store: Db, batch: string, entries: LogEntry[]): Promise<void> {
  await insertManyOnce(log(store), entries);
  await intents(store).deleteOne({ _id: batch });
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

const MARK_SHAS = 20_000;

/** Marks blobs as being released, a few thousand per document. */
export async function fenceBlobs(store: Db, group: string, shas: readonly string[], at = new Date()): Promise<void> {
  const docs: BlobRelease[] = [];
  for (let i = 0; i < shas.length; i += MARK_SHAS) docs.push({ _id: `${group}:${i / MARK_SHAS}`, group, shas: shas.slice(i, i + MARK_SHAS), at, released: false });
  await insertManyOnce(releases(store), docs);
}

export async function markReleased(store: Db, group: string): Promise<void> {
  await releases(store).updateMany({ group }, { $set: { released: true } });
}

/**
 * Marks a crashed run left unsettled: their bytes may or may not be gone. Settled, an ingest that
 * meets one checks for the message document, which goes before the bytes do.
 */
export async function settleStaleFences(store: Db): Promise<void> {
  await releases(store).updateMany({ released: false }, { $set: { released: true } });
}

/** The release marks naming any of these blobs. */
export async function releasesOf(store: Db, sha256s: readonly string[]): Promise<BlobRelease[]> {
  if (sha256s.length === 0) return [];
  return releases(store).find({ shas: { $in: [...new Set(sha256s)] } }).toArray();
}

export async function releaseById(store: Db, batch: string): Promise<BlobRelease | null> {
  return releases(store).findOne({ _id: batch });
}

/** Released marks older than `before`: no ingest that began before a release is still under way. */
export async function pruneReleases(store: Db, before: Date): Promise<number> {
  return (await releases(store).deleteMany({ released: true, at: { $lt: before } })).deletedCount;
}

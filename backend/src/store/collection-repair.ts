import { createHash, randomBytes } from 'node:crypto';
import { mongo } from 'mongoose';
import { insertNew, insertOnce } from './insert-once';
import type { Store } from './connection';
import { collectionKey, databasesOf, isFerretDB } from './server-kind';

const { BSON } = mongo;
/** Where a repair keeps the documents that had taken an `_id` twice (`copyMissing`). */
const REPAIR_DUPLICATES = 'repair_duplicates';

/**
 * FerretDB 1.24 (SQLite) creates a collection in two statements: `CREATE TABLE`, then a row in
 * its registry naming the table (backends/sqlite/metadata/registry.go, collectionCreate). Killed
 * between them, it leaves a table its registry does not know; after the restart, every write to
 * that collection tries to create the table again and fails ("table … already exists") for good.
 * The search index creates tables as archives and segments appear (`sx_<archive>_meta`, …), so a
 * crash of the database could leave an archive whose index can never be written again.
 */
export function isOrphanTableError(err: unknown): boolean {
  return err instanceof mongo.MongoServerError && /collectionCreate\].*table .* already exists/.test(err.message);
}

/**
 * Gives `name` a table again: a stand-in collection is created (a fresh table) and renamed to
 * `name`, which FerretDB does in its registry alone, so the collection now lives in the stand-in's
 * table. The orphan (empty: the crash came before any row) stays unused. Two processes repairing
 * at once: the second rename finds the name taken, and its stand-in goes.
 */
export async function repairOrphanTable(db: mongo.Db, name: string): Promise<void> {
  const standIn = `${name}_repair_${randomBytes(4).toString('hex')}`;
  await db.createCollection(standIn);
  try {
    await db.renameCollection(standIn, name);
  } catch (err) {
    await db.dropCollection(standIn).catch(() => undefined);
    if (!(err instanceof mongo.MongoServerError && err.code === 48)) throw err;
  }
}

/** Runs a write to collection `name`; if an orphaned table refuses it, repairs and writes once more. */
export async function withOrphanRepair<T>(db: mongo.Db, name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!isOrphanTableError(err)) throw err;
    await repairOrphanTable(db, name);
    return write();
  }
}

/*
 * FerretDB 1.24 gives a new collection its unique `_id_` index in a third statement, after the
 * registry row (collectionCreate, then indexesCreate). Killed or shut down between them, it keeps a
 * collection without the index: the registry row says none, SQLite has none, and every insert that
 * this store lets the unique key decide (insert-first, locks, chunks, claims) then succeeds twice.
 * Such a collection is rebuilt: its documents are copied into a stand-in, which FerretDB creates
 * with the index, and the stand-in takes the name. What was written in the meantime is copied
 * over after the swap, and a stand-in or original left by a repair cut short is finished by the
 * next sweep. MongoDB creates a collection with its `_id` index atomically: a no-op there.
 * FerretDB 1.24 cannot rename a collection whose name has a dot (handlerparams.SplitNamespace wants
 * exactly one in a namespace): GridFS's `messages.*` are reported, not rebuilt. Their chunks stay
 * unique by GridFS's own `{files_id, n}` index, which is created apart from the collection.
 */
const REBUILD = '_rebuild_';
const UNINDEXED = '_unindexed_';
/** Documents copied per insert. */
const COPY_BATCH = 500;

export interface IdIndexRepairs {
  /** Collections rebuilt with their `_id` index. */
  rebuilt: string[];
  /** Documents that shared an `_id` with one copied before them and differed from it: kept in `repair_duplicates`. */
  duplicates: number;
  /** Collections without their `_id` index that FerretDB cannot rename, left as they are. */
  unrepairable: string[];
}

/** Rebuilds every collection of the store's databases that lacks its unique `_id` index, and finishes repairs cut short. */
export async function restoreIdIndexes(store: Pick<Store, 'db' | 'searchDb'>, signal?: AbortSignal): Promise<IdIndexRepairs> {
  const repairs: IdIndexRepairs = { rebuilt: [], duplicates: 0, unrepairable: [] };
  if (!(await isFerretDB(store.db))) return repairs;
  for (const db of databasesOf(store)) await restoreIdIndexesOf(db, repairs, signal);
  return repairs;
}

async function restoreIdIndexesOf(db: mongo.Db, repairs: IdIndexRepairs, signal?: AbortSignal): Promise<void> {
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => !n.startsWith('system.'));
  for (const name of names.filter((n) => n.includes(UNINDEXED))) {
    signal?.throwIfAborted();
    repairs.duplicates += await mergeInto({ db, name: name.slice(0, name.lastIndexOf(UNINDEXED)) }, { db, name });
  }
  for (const name of names.filter((n) => n.includes(REBUILD))) await db.dropCollection(name).catch(() => undefined);
  for (const name of names.filter((n) => !n.includes(UNINDEXED) && !n.includes(REBUILD))) {
    signal?.throwIfAborted();
    if ((await hasIdIndex(db, name)) !== false) continue;
    if (name.includes('.')) {
      repairs.unrepairable.push(name);
      continue;
    }
    repairs.duplicates += await rebuild(db, name);
    repairs.rebuilt.push(name);
  }
}

/** Whether the collection has its `_id` index; null when there is no such collection. */
export async function hasIdIndex(db: mongo.Db, name: string): Promise<boolean | null> {
  try {
    return (await db.collection(name).listIndexes().toArray()).some((index) => index.name === '_id_');
  } catch (err) {
    if (err instanceof mongo.MongoServerError && err.code === 26) return null;
    throw err;
  }
}

async function rebuild(db: mongo.Db, name: string): Promise<number> {
  const suffix = randomBytes(4).toString('hex');
  const standIn = `${name}${REBUILD}${suffix}`;
  await db.createCollection(standIn);
  await createIndexesOf(db, standIn, await secondaryIndexes(db.collection(name)));
  let duplicates = await copyMissing({ db, name }, { db, name: standIn }, name);
  const original = `${name}${UNINDEXED}${suffix}`;
  await db.renameCollection(name, original);
  try {
    await db.renameCollection(standIn, name);
  } catch (err) {
    // A write in the moment between the renames created the name afresh (with its index): merge.
    if (!(err instanceof mongo.MongoServerError && err.code === 48)) throw err;
    duplicates += await mergeInto({ db, name }, { db, name: standIn });
  }
  return duplicates + (await mergeInto({ db, name }, { db, name: original }));
}

/** A collection of a database (a copy may go from one database to another). */
export interface CollectionAt {
  db: mongo.Db;
  name: string;
}

/** Copies what `from` holds and `to` lacks, then drops `from`. */
export async function mergeInto(to: CollectionAt, from: CollectionAt): Promise<number> {
  const duplicates = await copyMissing(from, to);
  await from.db.dropCollection(from.name);
  return duplicates;
}

/**
 * Copies every document of `from` into `to`, where the `_id` is not taken already. One that meets
 * a different document under its `_id` (two writers both won an insert while the index was
 * missing) is kept in `repair_duplicates` (of `to`'s database) under the collection's name, never
 * dropped unseen; returns how many.
 */
async function copyMissing(from: CollectionAt, to: CollectionAt, collection = to.name): Promise<number> {
  let duplicates = 0;
  const target = to.db.collection(to.name);
  const cursor = from.db.collection(from.name).find({}, { batchSize: COPY_BATCH });
  let batch: mongo.Document[] = [];
  const flush = async () => {
    const taken = await insertNew(target, batch);
    for (const i of taken) {
      const doc = batch[i]!;
      const kept = await target.findOne({ _id: doc._id });
      if (kept && Buffer.from(BSON.serialize(kept)).equals(BSON.serialize(doc))) continue;
      // Keyed by content: the same duplicate met again (the original is copied twice) is kept once.
      const _id = createHash('sha256').update(collection).update(BSON.serialize(doc)).digest('hex');
      if (await insertOnce(to.db.collection<mongo.Document>(REPAIR_DUPLICATES), { _id, collection, at: new Date(), doc })) duplicates += 1;
    }
    batch = [];
  };
  for await (const doc of cursor) {
    batch.push(doc);
    if (batch.length >= COPY_BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  return duplicates;
}

/**
 * Removes the copies a repair kept aside (above) of messages deleted for good: of their archive
 * records (`items`: item ids), and, for blobs no archive holds any more (`blobs`), of their message
 * documents, files and chunks (a re-encryption's copies too). A disposal or an erasure must not leave a copy of the message in a
 * corner of the database. In the search database, a kept copy is a compressed part of an
 * archive's index that cannot be matched to a message: every one of the archives (`archives`) goes,
 * as the index is derived data (the copy that won its `_id` stays in the index). The collections
 * are empty unless a repair found a duplicate, so the statements cost nothing.
 */
export async function forgetRepairCopies(store: Pick<Store, 'db' | 'searchDb'>, gone: { items: readonly string[]; blobs: readonly string[]; archives: readonly string[] }): Promise<void> {
  if (gone.items.length + gone.blobs.length === 0) return;
  const ids = [...gone.items, ...gone.blobs];
  const blobs = gone.blobs.length > 0 ? [{ 'doc.files_id': { $in: gone.blobs } }, { 'doc.sha256': { $in: gone.blobs } }, ...copiesOf(gone.blobs)] : [];
  await store.db.collection(REPAIR_DUPLICATES).deleteMany({ $or: [{ 'doc._id': { $in: ids } }, ...blobs] });
  if (store.searchDb === store.db || gone.archives.length === 0) return;
  // Archive keys are hex digits: nothing in them to escape.
  await store.searchDb.collection(REPAIR_DUPLICATES).deleteMany({ collection: { $regex: `^sx_(${gone.archives.map(collectionKey).join('|')})_` } });
}

/**
 * The chunks a re-encryption wrote under a copy id (`<blob id>~<key id>`, store/blobs.ts). Blob ids
 * are hex; 200 to a pattern keep each under MongoDB's 32 KB limit on a regular expression.
 */
function copiesOf(blobs: readonly string[]): { 'doc.files_id': { $regex: string } }[] {
  const out = [];
  for (let i = 0; i < blobs.length; i += 200) out.push({ 'doc.files_id': { $regex: `^(${blobs.slice(i, i + 200).join('|')})~` } });
  return out;
}

/** A collection's indexes other than `_id_`, as `createIndexes` takes them (a backup's, a rebuild's). */
export async function secondaryIndexes(coll: mongo.Collection): Promise<mongo.IndexDescription[]> {
  return (await coll.listIndexes().toArray()).filter((i) => i.name !== '_id_').map(({ v: _v, ns: _ns, ...spec }) => spec as mongo.IndexDescription);
}

/**
 * Creates a collection's indexes (and the collection, the first time), repairing an orphaned
 * table. One command per index: FerretDB 1.24 drops the connection (it panics) when one
 * `createIndexes` names several indexes that exist already.
 */
export async function createIndexesOf(db: mongo.Db, name: string, indexes: mongo.IndexDescription[]): Promise<void> {
  await withOrphanRepair(db, name, async () => {
    for (const { key, ...options } of indexes) await db.collection(name).createIndex(key, options);
  });
}

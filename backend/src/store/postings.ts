import { mongo } from 'mongoose';
import type { Store } from './connection';
import { deleteWhereIn } from './bulk';
import { insertOnce, isDuplicateKey } from './insert-once';
import { collectionKey, collectionLayout, collectionsNamed, dropCollectionIfAny, forceCollectionLayout, type CollectionLayout } from './server-kind';
import { collectionDataBytes } from './operations';
import { mergeInto, withOrphanRepair } from './collection-repair';

/**
 * Storage of the search index: immutable documents read by `_id` only (backend/src/search/
 * index-store.ts explains the design).
 *
 * FerretDB 1.24 (SQLite) finds a document by `_id` by scanning its table until the row turns up
 * (its `_id` index is built on `_ferretdb_sjson->"_id"`, queries filter on `->'$._id'`, so
 * SQLite never uses it), and any other filter decodes every document in Go. A lookup therefore
 * costs in proportion to the rows and bytes stored before the row in the same table. The
 * 'partitioned' layout gives each part of the index a small table of its own, so a lookup scans
 * at most about a megabyte. MongoDB answers `_id` from its B-tree whatever the collection size:
 * the 'shared' layout keeps everything in three collections, parts told apart by an `_id` prefix.
 */
export type IndexLayout = CollectionLayout;

/** Where documents of one part of the index live: a collection, and a prefix of their `_id`. */
export interface Part {
  coll: string;
  prefix: string;
}

export interface IndexDoc {
  _id: string;
  [field: string]: unknown;
}

/** The index's documents live in the store's search database (store/connection.ts `searchDb`). */
type Db = Pick<Store, 'searchDb'>;
type MainDb = Pick<Store, 'db'>;

const SHARED = { meta: 'search_meta', marks: 'search_marks', data: 'search_data' } as const;
const ARCHIVES = 'search_archives';
/** FerretDB's layout is partitioned: it scans a collection for any lookup, so each archive's index gets tables of its own. */
export function indexLayout(store: Db): Promise<IndexLayout> {
  return collectionLayout(store.searchDb);
}

/** Tests exercise the MongoDB layout on FerretDB too. */
export function forceIndexLayout(store: Db, layout: IndexLayout): void {
  forceCollectionLayout(store.searchDb, layout);
}

/** A short, collection-name-safe key for an archive id (object ids, `manual:<upn>`). */
export const archiveKey = collectionKey;

export function metaPart(layout: IndexLayout, key: string): Part {
  return layout === 'shared' ? { coll: SHARED.meta, prefix: `${key}|` } : { coll: `sx_${key}_meta`, prefix: '' };
}

export function marksPart(layout: IndexLayout, key: string): Part {
  return layout === 'shared' ? { coll: SHARED.marks, prefix: `${key}|` } : { coll: `sx_${key}_marks`, prefix: '' };
}

/** Small segments (one document each) of an archive share one part. */
export function freshPart(layout: IndexLayout, key: string): Part {
  return layout === 'shared' ? { coll: SHARED.data, prefix: `${key}|fresh|` } : { coll: `sx_${key}_fresh`, prefix: '' };
}

/** Deletions (lists of docNos) of an archive's index. */
export function tombPart(layout: IndexLayout, key: string): Part {
  return layout === 'shared' ? { coll: SHARED.data, prefix: `${key}|tomb|` } : { coll: `sx_${key}_tomb`, prefix: '' };
}

export function segmentPart(layout: IndexLayout, key: string, segmentId: string, partition: number): Part {
  return layout === 'shared'
    ? { coll: SHARED.data, prefix: `${key}|${segmentId}|` }
    : { coll: `sx_${key}_${segmentId}_${partition}`, prefix: '' };
}

const collection = (store: Db, part: Part) => store.searchDb.collection<IndexDoc>(part.coll);
/** A write that may be a table's first: FerretDB may have to be given the table again (store/collection-repair.ts). */
const writeTo = <T>(store: Db, part: Part, op: (c: mongo.Collection<IndexDoc>) => Promise<T>) => withOrphanRepair(store.searchDb, part.coll, () => op(collection(store, part)));

/** Binary fields come back as Buffers; everything else as stored. */
function fromDb(part: Part, doc: IndexDoc): IndexDoc {
  const out: IndexDoc = { ...doc, _id: doc._id.slice(part.prefix.length) };
  for (const [k, v] of Object.entries(out)) if (v instanceof mongo.Binary) out[k] = Buffer.from(v.buffer);
  return out;
}

function toDb(part: Part, doc: IndexDoc): IndexDoc {
  return { ...doc, _id: part.prefix + doc._id };
}

export async function getDoc(store: Db, part: Part, id: string): Promise<IndexDoc | null> {
  const doc = await collection(store, part).findOne({ _id: part.prefix + id });
  return doc ? fromDb(part, doc) : null;
}

/** Documents by id, in one command; missing ones are absent from the map. */
export async function getDocs(store: Db, part: Part, ids: readonly string[]): Promise<Map<string, IndexDoc>> {
  const docs = await collection(store, part).find({ _id: { $in: ids.map((id) => part.prefix + id) } }).toArray();
  return new Map(docs.map((d) => fromDb(part, d)).map((d) => [d._id, d]));
}

/** False when a document with this `_id` exists: inserts decide every contested step. */
export async function insertDoc(store: Db, part: Part, doc: IndexDoc): Promise<boolean> {
  return writeTo(store, part, (c) => insertOnce(c, toDb(part, doc)));
}

const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const MAX_BATCH_DOCS = 500;

/** Inserts in batches of a few megabytes; with `ignoreDuplicates`, existing ids are skipped. */
export async function insertDocs(store: Db, part: Part, docs: readonly IndexDoc[], opts: { ignoreDuplicates?: boolean; sizes?: readonly number[] } = {}): Promise<void> {
  let batch: IndexDoc[] = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    try {
      await writeTo(store, part, (c) => c.insertMany(batch, { ordered: !opts.ignoreDuplicates }));
    } catch (err) {
      const writeErrors = (err as { writeErrors?: { code?: number }[] }).writeErrors;
      const onlyDuplicates = opts.ignoreDuplicates && (isDuplicateKey(err) || (writeErrors?.length && writeErrors.every((e) => e.code === 11000)));
      if (!onlyDuplicates) throw err;
    }
    batch = [];
    bytes = 0;
  };
  for (const [i, doc] of docs.entries()) {
    batch.push(toDb(part, doc));
    bytes += opts.sizes?.[i] ?? 1024;
    if (bytes >= MAX_BATCH_BYTES || batch.length >= MAX_BATCH_DOCS) await flush();
  }
  await flush();
}

/** Only for documents with one writer (the manifest head, written by the merge that won its version). */
export async function replaceDoc(store: Db, part: Part, doc: IndexDoc): Promise<void> {
  const stored = toDb(part, doc);
  await writeTo(store, part, (c) => c.replaceOne({ _id: stored._id }, stored, { upsert: true }));
}

/** A few ids one by one (an `_id` equality each), many in a few statements (store/bulk.ts). */
export async function deleteDocs(store: Db, part: Part, ids: readonly string[]): Promise<void> {
  if (ids.length > 8) {
    await deleteWhereIn(collection(store, part), ids.map((id) => part.prefix + id));
    return;
  }
  for (const id of ids) await collection(store, part).deleteOne({ _id: part.prefix + id });
}

/** Ids from `from` up to `to` (to the end when undefined). */
export interface IdRange {
  from: string;
  to: string | undefined;
}

/** A part's documents, or those with ids in the range: a table's are all its own; a prefix's are a range. */
function partFilter(part: Part, ids?: IdRange): mongo.Filter<IndexDoc> {
  if (!part.prefix) return {};
  return { _id: { $gte: part.prefix + (ids?.from ?? ''), $lt: part.prefix + (ids?.to ?? '\uffff') } };
}

/**
 * Every document of a part in `_id` order (one scan of a small table, or an index range); with
 * `ids`, those of the part whose ids fall in [from, to): one partition of a segment, where one
 * collection holds them all (the shared layout).
 */
export async function readPart(store: Db, part: Part, ids?: IdRange): Promise<IndexDoc[]> {
  const docs = await collection(store, part).find(partFilter(part, ids)).toArray();
  return docs.map((d) => fromDb(part, d)).sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
}

/** Ids of a part's documents (small parts only: meta and marks). */
export async function listIds(store: Db, part: Part): Promise<string[]> {
  const docs = await collection(store, part).find(partFilter(part), { projection: { _id: 1 } }).toArray();
  return docs.map((d) => d._id.slice(part.prefix.length));
}

/** Removes a part: its table when it has one, else its documents. */
export async function dropPart(store: Db, part: Part): Promise<void> {
  if (!part.prefix) return dropCollectionIfAny(store.searchDb, part.coll);
  await collection(store, part).deleteMany(partFilter(part));
}

/** Collection names of an archive's partitioned index (to find leftovers of crashed merges). */
export async function listArchiveTables(store: Db, key: string): Promise<string[]> {
  return collectionsNamed(store.searchDb, `sx_${key}_`);
}

/** Bytes stored for the index (data size as the server reports it). */
export async function indexBytes(store: Db, key: string): Promise<{ bytes: number; tables: number }> {
  const layout = await indexLayout(store);
  const names = layout === 'shared' ? Object.values(SHARED) : await listArchiveTables(store, key);
  let bytes = 0;
  for (const name of names) {
    bytes += await collectionDataBytes(store.searchDb, name).catch(() => 0);
  }
  return { bytes, tables: names.length };
}

interface ArchiveDoc {
  _id: string;
  key: string;
}

/** Remembers that an archive has an index (for searches over every archive). */
export async function registerIndexedArchive(store: Db, archiveId: string): Promise<void> {
  try {
    await store.searchDb.collection<ArchiveDoc>(ARCHIVES).insertOne({ _id: archiveId, key: archiveKey(archiveId) });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

/** One small document per archive: scanning it is cheap on either server. */
export async function listIndexedArchives(store: Db): Promise<string[]> {
  const docs = await store.searchDb.collection<ArchiveDoc>(ARCHIVES).find({}).toArray();
  return docs.map((d) => d._id);
}

/** Collections of the index: an archive's tables, the shared layout's, and the registry of archives. */
const isIndexCollection = (name: string) => name.startsWith('sx_') || name.startsWith('search_');

/**
 * Moves the index that releases before schema 4 kept in the main database into the search
 * database (store/connection.ts `searchDb`), collection by collection, as a collection repair
 * merges one into another: what the target lacks is copied, then the source dropped, so a crash
 * part-way is finished by running again. Returns the collections moved.
 */
export async function moveIndexToSearchDb(store: Db & MainDb): Promise<number> {
  if (store.searchDb === store.db) return 0;
  const names = (await collectionsNamed(store.db, '')).filter(isIndexCollection);
  for (const name of names) await withOrphanRepair(store.searchDb, name, () => mergeInto({ db: store.searchDb, name }, { db: store.db, name }));
  return names.length;
}


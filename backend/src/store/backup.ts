import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { mongo } from 'mongoose';
import { secondaryIndexes } from './collection-repair';
import type { Store } from './connection';
import { databasesOf } from './server-kind';

/**
 * A portable copy of the whole database through the driver: one gzipped file of canonical
 * Extended JSON lines per collection (types kept exactly: binary chunks, dates, int64) and a
 * manifest with counts and indexes. It works against MongoDB and FerretDB alike; on MongoDB,
 * `mongodump`/`mongorestore` do the same faster (README). Metadata is copied before the message
 * blobs, which are only ever added while archiving runs: every item in the copy finds its blob.
 */
export const BACKUP_FORMAT = 'm365archive-backup/1';

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  database: string;
  /** The schema version the copy holds (store/migrations); a release older than it cannot restore it. */
  schema: number | null;
  createdAt: string;
  collections: { name: string; documents: number; indexes: mongo.IndexDescription[] }[];
}

/** Written last, or left out: the registry of running processes means nothing in a copy. */
const SKIPPED = new Set(['processes']);
const BLOBS = /\.(files|chunks|uploads)$/;
const BATCH = 200;

export async function dumpDatabase(db: mongo.Db, dir: string, onCollection: (name: string, documents: number) => void = () => undefined): Promise<BackupManifest> {
  await mkdir(dir, { recursive: true });
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => !SKIPPED.has(n) && !n.startsWith('system.'));
  // Blobs last, and a bucket's chunks before its files: a file document in the copy has its chunks.
  const order = (n: string) => (BLOBS.test(n) ? (n.endsWith('.chunks') ? 1 : 2) : 0);
  names.sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  const schema = (await db.collection<{ _id: string; version: number }>('schema').findOne({ _id: 'database' }))?.version ?? null;
  const manifest: BackupManifest = { format: BACKUP_FORMAT, database: db.databaseName, schema, createdAt: new Date().toISOString(), collections: [] };
  for (const name of names) {
    const coll = db.collection(name);
    const indexes = await secondaryIndexes(coll);
    let documents = 0;
    const lines = Readable.from(
      (async function* () {
        for await (const doc of coll.find({}).sort({ _id: 1 })) {
          documents += 1;
          yield `${mongo.BSON.EJSON.stringify(doc, { relaxed: false })}\n`;
        }
      })(),
    );
    await pipeline(lines, createGzip({ level: 1 }), createWriteStream(fileOf(dir, name)));
    manifest.collections.push({ name, documents, indexes });
    onCollection(name, documents);
  }
  await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Where a backup keeps the search database, when the store has one of its own (FerretDB). */
const searchDir = (dir: string) => path.join(dir, 'search');

/** The store's databases: the main one in `dir`, a search database of its own in `dir/search`. */
export async function dumpStore(store: Pick<Store, 'db' | 'searchDb'>, dir: string, onCollection?: (name: string, documents: number) => void): Promise<BackupManifest> {
  const manifest = await dumpDatabase(store.db, dir, onCollection);
  if (store.searchDb !== store.db) await dumpDatabase(store.searchDb, searchDir(dir), onCollection);
  return manifest;
}

/**
 * Restores what `dumpStore` wrote into an empty store: the search database's collections go to
 * the store's search database, which on MongoDB is the main one. A backup of a release before
 * schema 4 has none apart: its index is in the main copy, and the upgrade moves it.
 */
export async function restoreStore(store: Pick<Store, 'db' | 'searchDb'>, dir: string, onCollection?: (name: string, documents: number) => void): Promise<BackupManifest> {
  const hasSearch = existsSync(path.join(searchDir(dir), 'manifest.json'));
  for (const db of databasesOf(store)) await dropEmptyCollections(db);
  const manifest = await restoreCollections(store.db, dir, onCollection);
  if (hasSearch) await restoreCollections(store.searchDb, searchDir(dir), onCollection);
  return manifest;
}

export async function readManifest(dir: string): Promise<BackupManifest> {
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
  if (manifest.format !== BACKUP_FORMAT) throw new Error(`${dir} is not a backup of this product (format ${String(manifest.format)})`);
  return manifest;
}

/**
 * Restores a copy's collections, with the indexes they had; fails when a collection's document
 * count differs from the manifest's.
 */
async function restoreCollections(db: mongo.Db, dir: string, onCollection: (name: string, documents: number) => void = () => undefined): Promise<BackupManifest> {
  const manifest = await readManifest(dir);
  for (const { name, documents, indexes } of manifest.collections) {
    const coll = db.collection(name);
    if (indexes.length > 0) await coll.createIndexes(indexes);
    let restored = 0;
    let batch: mongo.Document[] = [];
    const flush = async () => {
      if (batch.length > 0) await coll.insertMany(batch, { ordered: false });
      restored += batch.length;
      batch = [];
    };
    const lines = createInterface({ input: createReadStream(fileOf(dir, name)).pipe(createGunzip()), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line) continue;
      batch.push(mongo.BSON.EJSON.parse(line, { relaxed: false }) as mongo.Document);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    if (restored !== documents) throw new Error(`${name}: the copy holds ${restored} documents, its manifest says ${documents}`);
    onCollection(name, restored);
  }
  return manifest;
}

/**
 * Refuses a database that holds documents. Opening a store creates today's collections with their
 * indexes; those are dropped while still empty, so that the copy brings back the indexes it was
 * taken with (the backend creates any newer ones when it starts).
 */
async function dropEmptyCollections(db: mongo.Db): Promise<void> {
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => !n.startsWith('system.'));
  const holding = [];
  for (const name of names) if (await db.collection(name).findOne({}, { projection: { _id: 1 } })) holding.push(name);
  if (holding.length > 0) throw new Error(`database ${db.databaseName} is not empty (${holding.slice(0, 3).join(', ')}${holding.length > 3 ? ', …' : ''} hold documents): restore into a new database, or drop it first`);
  for (const name of names) await db.collection(name).drop();
}

const fileOf = (dir: string, collection: string) => path.join(dir, `${collection}.ejson.gz`);

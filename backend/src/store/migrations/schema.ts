import type { mongo } from 'mongoose';
import { insertOnce } from '../insert-once';

/**
 * The version of the data's shape (and of the write protocols processes follow, such as the blob
 * store's) that a database holds, in one document. Only the process holding the upgrade's lease
 * writes it (upgrade/index.ts), so FerretDB's unlocked updates are safe here.
 */
export interface SchemaDoc {
  _id: 'database';
  version: number;
  /** Set while an upgrade to this version is under way: processes of older code stop working. */
  upgrading: number | null;
  history: { version: number; name: string; at: Date; by: string }[];
}

const schemaColl = (db: mongo.Db) => db.collection<SchemaDoc>('schema');

export async function readSchema(db: mongo.Db): Promise<SchemaDoc | null> {
  return schemaColl(db).findOne({ _id: 'database' });
}

/** The first process to see a database without a version writes one; false when another did first. */
export async function initSchema(db: mongo.Db, version: number, why: string, by: string): Promise<boolean> {
  return insertOnce(schemaColl(db), { _id: 'database', version, upgrading: null, history: [{ version, name: why, at: new Date(), by }] });
}

export async function setUpgrading(db: mongo.Db, target: number | null): Promise<void> {
  await schemaColl(db).updateOne({ _id: 'database' }, { $set: { upgrading: target } });
}

/** Records that `version`'s migration is done: a crash after it resumes with the next one. */
export async function recordVersion(db: mongo.Db, version: number, name: string, by: string): Promise<void> {
  await schemaColl(db).updateOne({ _id: 'database' }, { $set: { version }, $push: { history: { version, name, at: new Date(), by } } });
}

/**
 * Whether the database holds what a release before the version document wrote (the first
 * release, f701317, wrote none), as opposed to being new.
 */
export async function holdsUnversionedData(db: mongo.Db): Promise<boolean> {
  for (const name of ['profiles', 'archive_users', 'items', 'messages.files', 'journal_mailboxes']) {
    if ((await db.collection(name).estimatedDocumentCount()) > 0) return true;
  }
  return false;
}

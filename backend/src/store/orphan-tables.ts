import { randomBytes } from 'node:crypto';
import { mongo } from 'mongoose';

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

import type { mongo } from 'mongoose';

/**
 * Inserts on a natural key decide every contested step in this store: the unique index says who
 * was first, where a look before writing would race (and cost a scan on FerretDB 1.24).
 */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/** False when a document with the same key exists already. */
export async function insertOnce<T extends mongo.Document>(
  collection: mongo.Collection<T>,
  doc: T,
  options?: mongo.InsertOneOptions,
): Promise<boolean> {
  try {
    await collection.insertOne(doc as mongo.OptionalUnlessRequiredId<T>, options);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/** One command for many documents; those whose key exists already are skipped. */
export async function insertManyOnce<T extends mongo.Document>(collection: mongo.Collection<T>, docs: T[]): Promise<void> {
  if (docs.length === 0) return;
  try {
    await collection.insertMany(docs as mongo.OptionalUnlessRequiredId<T>[], { ordered: false });
  } catch (err) {
    const errors = (err as { writeErrors?: unknown }).writeErrors;
    const list = Array.isArray(errors) ? errors : errors ? [errors] : [err];
    if (!list.every(isDuplicateKey)) throw err;
  }
}

/** Inserts what is new, in one command; the positions of documents whose key existed already. */
export async function insertNew<T extends mongo.Document>(coll: mongo.Collection<T>, docs: T[], options?: mongo.BulkWriteOptions): Promise<Set<number>> {
  if (docs.length === 0) return new Set();
  try {
    await coll.insertMany(docs as mongo.OptionalUnlessRequiredId<T>[], { ...options, ordered: false });
    return new Set();
  } catch (err) {
    const errors = [(err as { writeErrors?: unknown }).writeErrors ?? []].flat() as { index?: number; code?: number }[];
    if (errors.length === 0 || errors.some((e) => e.code !== 11000 || e.index === undefined)) throw err;
    return new Set(errors.map((e) => e.index!));
  }
}

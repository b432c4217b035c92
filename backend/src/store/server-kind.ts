import { createHash } from 'node:crypto';
import type { mongo } from 'mongoose';
import type { Store } from './connection';

const kinds = new WeakMap<mongo.Db, Promise<boolean>>();

/**
 * Whether the server is FerretDB, which says so in `buildInfo` (anything else is treated as
 * MongoDB): the few paths that FerretDB 1.24 on SQLite would make costly take another way there.
 */
export function isFerretDB(db: mongo.Db): Promise<boolean> {
  let kind = kinds.get(db);
  if (!kind) {
    kind = db
      .admin()
      .command({ buildInfo: 1 })
      .then((info) => typeof info.ferretdbVersion === 'string');
    kinds.set(db, kind);
    kind.catch(() => kinds.delete(db));
  }
  return kind;
}

/**
 * How data that belongs to one archive or mailbox is laid out. FerretDB 1.24 (SQLite) visits a
 * collection's documents for any filter, `_id` included (store/postings.ts explains why), so the
 * cost of a lookup grows with everything else stored beside it: there each archive's search
 * index and each mailbox's folder ledger get collections of their own ('partitioned'). MongoDB
 * answers from its indexes whatever a collection holds: 'shared' keeps them in a few collections.
 */
export type CollectionLayout = 'partitioned' | 'shared';

/** Layouts forced by tests. */
const layouts = new WeakMap<mongo.Db, CollectionLayout>();

export async function collectionLayout(db: mongo.Db): Promise<CollectionLayout> {
  return layouts.get(db) ?? ((await isFerretDB(db)) ? 'partitioned' : 'shared');
}

/** Tests exercise MongoDB's layout on FerretDB too. */
export function forceCollectionLayout(db: mongo.Db, layout: CollectionLayout): void {
  layouts.set(db, layout);
}

/** A short, collection-name-safe key for an id (object ids, UPNs, `manual:<upn>`). */
export function collectionKey(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 16);
}

/** The collections whose names start with `prefix`: a partitioned part's tables. */
export async function collectionsNamed(db: mongo.Db, prefix: string): Promise<string[]> {
  const names = await db.listCollections({}, { nameOnly: true }).toArray();
  return names.map((c) => c.name).filter((n) => n.startsWith(prefix));
}

/** Drops a collection; one gone already (dropped by another process meanwhile) is what was wanted. */
export async function dropCollectionIfAny(db: mongo.Db, name: string): Promise<void> {
  await db.dropCollection(name).catch((err: unknown) => {
    if ((err as { codeName?: string }).codeName !== 'NamespaceNotFound') throw err;
  });
}

/** The databases a store's data is in: one on MongoDB, two on FerretDB (store/connection.ts `searchDb`). */
export function databasesOf(store: Pick<Store, 'db' | 'searchDb'>): mongo.Db[] {
  return store.searchDb === store.db ? [store.db] : [store.db, store.searchDb];
}

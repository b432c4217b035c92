import { deleteWhereIn, findWhereIn } from './bulk';
import type { Store } from './connection';
import type { Item } from './items';

/**
 * Items as retention and erasure read and remove them (the `items` collection of store/items.ts).
 */
type Db = Pick<Store, 'db'>;
const items = (store: Db) => store.db.collection<Item>('items');

export interface ItemPage {
  items: Item[];
  /** Where the next page starts, or null after the last. */
  next: { receivedAt: Date; id: string } | null;
}

/** An archive's items received before `before`, oldest first, a page at a time. */
export async function itemsReceivedBefore(store: Db, archiveId: string, before: Date, opts: { after?: ItemPage['next']; limit: number }): Promise<ItemPage> {
  const after = opts.after;
  const filter = after
    ? { archiveId, $or: [{ receivedAt: { $gt: after.receivedAt, $lt: before } }, { receivedAt: after.receivedAt, _id: { $gt: after.id } }] }
    : { archiveId, receivedAt: { $lt: before } };
  const page = await items(store).find(filter).sort({ receivedAt: 1, _id: 1 }).limit(opts.limit).toArray();
  const last = page.length === opts.limit ? page.at(-1) : undefined;
  return { items: page, next: last ? { receivedAt: last.receivedAt, id: last._id } : null };
}

export async function itemsById(store: Db, ids: readonly string[]): Promise<Item[]> {
  return findWhereIn(items(store), ids);
}

/** The items (ids) that refer to these blobs. */
export async function referencesOf(store: Db, sha256s: readonly string[]): Promise<{ _id: string; sha256: string }[]> {
  return findWhereIn(items(store), sha256s, { field: 'sha256', projection: { sha256: 1 } });
}

/** Which of these blobs some item still refers to. */
export async function referencedBlobs(store: Db, sha256s: readonly string[]): Promise<Set<string>> {
  return new Set((await referencesOf(store, sha256s)).map((i) => i.sha256));
}

export async function deleteItems(store: Db, ids: readonly string[]): Promise<number> {
  return deleteWhereIn(items(store), ids);
}

/** Distinct archive ids that hold items (for tenant-wide policies). */
export async function archivesWithItems(store: Db): Promise<string[]> {
  return (await items(store).distinct('archiveId')) as string[];
}

import type { Store } from '../store';
import { countItems, getItem, listItems, type Item, type ItemCursor } from '../store/items';
import type { Query } from '../search/query-types';
import { MAX_LIMIT, decodeCursor, searchIndex } from '../search/service';
import { messageNotFound, type ItemRef } from './item-ref';

/** Most item ids one request may name (about 0.5 MB of JSON, under the API body limit); beyond, export the archive. */
export const MAX_EXPORT_ITEMS = 5_000;
const PAGE = 500;
const LOOKUPS_AT_ONCE = 16;

/**
 * The named items of one archive, all looked up before the first byte is sent so that a missing
 * one is still a 404. Lookups go by `_id`, the one lookup FerretDB answers from an index.
 */
export async function namedItems(store: Store, refs: ItemRef[]): Promise<Item[]> {
  const unique = [...new Map(refs.map((r) => [r.id, r])).values()];
  const found: Item[] = new Array(unique.length);
  for (let at = 0; at < unique.length; at += LOOKUPS_AT_ONCE) {
    const batch = unique.slice(at, at + LOOKUPS_AT_ONCE);
    const items = await Promise.all(batch.map((r) => getItem(store.conn, r.archiveId, r.sha256)));
    items.forEach((item, i) => {
      if (!item) throw messageNotFound();
      found[at + i] = item;
    });
  }
  return found;
}

/** Every item of the archive, newest first, a page at a time. */
export async function* wholeArchive(store: Store, archiveId: string): AsyncGenerator<Item> {
  let before: ItemCursor | undefined;
  for (;;) {
    const page = await listItems(store.conn, archiveId, { limit: PAGE, before });
    yield* page.items;
    if (!page.next) return;
    before = page.next;
  }
}

export async function* fromList(items: Item[]): AsyncGenerator<Item> {
  yield* items;
}

/**
 * The messages a search finds in one archive, in result order, a page at a time. The count is
 * the search's total (an estimate for long phrases, see SearchResult.totalIsEstimate).
 */
export async function searchSelection(store: Store, archiveId: string, q: Query): Promise<{ total: number; items: AsyncGenerator<Item> }> {
  const first = await searchIndex(store, [archiveId], q, { limit: MAX_LIMIT });
  async function* items(): AsyncGenerator<Item> {
    for (let page = first; ; ) {
      for (const hit of page.value) {
        // A hit names its item; one removed since the search simply is not exported.
        const item = await getItem(store.conn, hit.archiveId, hit.id.slice(hit.archiveId.length + 1));
        if (item) yield item;
      }
      if (!page.nextCursor) return;
      page = await searchIndex(store, [archiveId], q, { cursor: decodeCursor(page.nextCursor), limit: MAX_LIMIT });
    }
  }
  return { total: first.total, items: items() };
}

export interface Selection {
  kind: 'items' | 'query' | 'archive';
  items: AsyncGenerator<Item>;
  count: number | null;
  bytes: number | null;
}

/** Named items, else a search's results, else the whole archive, with what is known of their number and size. */
export async function selectForExport(store: Store, archiveId: string, refs: ItemRef[], q: Query | null): Promise<Selection> {
  if (refs.length > 0) {
    const found = await namedItems(store, refs);
    return { kind: 'items', items: fromList(found), count: found.length, bytes: found.reduce((n, i) => n + i.size, 0) };
  }
  if (q) {
    const { total, items } = await searchSelection(store, archiveId, q);
    return { kind: 'query', items, count: total, bytes: null };
  }
  return { kind: 'archive', items: wholeArchive(store, archiveId), count: await countItems(store.conn, archiveId), bytes: null };
}

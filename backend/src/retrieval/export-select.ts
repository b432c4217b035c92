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

/** Every item of the archive (or of one folder and its subfolders), newest first, a page at a time, from `after` on. */
export async function* wholeArchive(store: Store, archiveId: string, opts: { folder?: string; after?: ItemCursor } = {}): AsyncGenerator<Item> {
  let before = opts.after;
  for (;;) {
    const page = await listItems(store.conn, archiveId, { limit: PAGE, before, ...(opts.folder !== undefined ? { folderTree: opts.folder } : {}) });
    yield* page.items;
    if (!page.next) return;
    before = page.next;
  }
}

/**
 * One part of an archive's (or a folder's) export: at most `max` items after `after`, and the
 * cursor of the next part, known before the first byte is sent. A client that downloads part
 * after part resumes a broken download by asking for the same part again: an mbox's parts
 * joined are the whole mbox.
 */
async function archivePart(store: Store, archiveId: string, opts: { folder?: string; after?: ItemCursor }, max: number): Promise<{ items: Item[]; next: ItemCursor | null }> {
  const items: Item[] = [];
  for await (const item of wholeArchive(store, archiveId, opts)) {
    if (items.length === max) {
      const last = items[items.length - 1]!;
      return { items, next: { receivedAt: last.receivedAt, id: last._id } };
    }
    items.push(item);
  }
  return { items, next: null };
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
  kind: 'items' | 'query' | 'archive' | 'folder';
  items: AsyncGenerator<Item>;
  count: number | null;
  bytes: number | null;
  /** Where the next part starts, for an export in parts; null when this is the last. */
  next?: ItemCursor | null;
}

export interface ExportScope {
  /** One folder (with its subfolders) instead of the whole archive. */
  folder?: string;
  /** Parts: start after this item, at most `partMessages` messages. */
  after?: ItemCursor;
  partMessages?: number;
}

/** Named items, else a search's results, else the whole archive or a folder (whole, or a part of it), with what is known of their number and size. */
export async function selectForExport(store: Store, archiveId: string, refs: ItemRef[], q: Query | null, scope: ExportScope = {}): Promise<Selection> {
  if (refs.length > 0) {
    const found = await namedItems(store, refs);
    return { kind: 'items', items: fromList(found), count: found.length, bytes: found.reduce((n, i) => n + i.size, 0) };
  }
  if (q) {
    const { total, items } = await searchSelection(store, archiveId, q);
    return { kind: 'query', items, count: total, bytes: null };
  }
  const kind = scope.folder !== undefined ? 'folder' : 'archive';
  const where = { ...(scope.folder !== undefined ? { folder: scope.folder } : {}), ...(scope.after ? { after: scope.after } : {}) };
  if (scope.partMessages) {
    const part = await archivePart(store, archiveId, where, scope.partMessages);
    return { kind, items: fromList(part.items), count: part.items.length, bytes: part.items.reduce((n, i) => n + i.size, 0), next: part.next };
  }
  return { kind, items: wholeArchive(store, archiveId, where), count: kind === 'archive' && !scope.after ? await countItems(store.conn, archiveId) : null, bytes: null };
}

/** The opaque cursor a client sends back for the next part. */
export const encodeExportCursor = (c: ItemCursor) => Buffer.from(JSON.stringify({ r: c.receivedAt.toISOString(), i: c.id })).toString('base64url');

export function decodeExportCursor(text: string): ItemCursor | null {
  try {
    const { r, i } = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { r: string; i: string };
    const receivedAt = new Date(r);
    return typeof i === 'string' && !Number.isNaN(receivedAt.getTime()) ? { receivedAt, id: i } : null;
  } catch {
    return null;
  }
}

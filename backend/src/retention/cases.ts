/**
 * Cases, eDiscovery light (MISSION M13, beyond MailStore): a case groups saved searches, the holds
 * set from them and the exports made. An auditor runs a case's searches across every archive,
 * tags messages, and exports a package whose manifest lists each message's SHA-256 (the hash of
 * its exact bytes, which is also its id in the archive), who exported it, when and with which
 * query, so that the recipient can check that nothing was altered. Every step is audited.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import { z } from 'zod';
import { audit } from '../access';
import type { Caller } from '../access/caller';
import { writeZip } from '../retrieval/export-write';
import { parseQuery, QuerySyntaxError } from '../search/query';
import { decodeCursor, MAX_LIMIT, searchIndex, type SearchResult } from '../search/service';
import type { Store } from '../store';
import { addSavedSearch, addTags, getCase, insertCase, listTags, recordExport, removeTags, tagId, type Case, type CaseExport, type SavedSearch } from '../store/cases';
import { getItem, type Item } from '../store/items';
import { listIndexedArchives } from '../store/postings';
import { itemsById } from '../store/retention-items';
import { actorOf, notFound, RetentionError } from './errors';

export const caseInput = z.object({ name: z.string().trim().min(1, 'is required').max(200), description: z.string().trim().max(4000).default('') }).strict();
export const searchInput = z.object({ name: z.string().trim().min(1, 'is required').max(200), query: z.string().trim().min(1, 'is required').max(2000) }).strict();
export const tagInput = z.object({ items: z.array(z.string().min(1).max(500)).min(1).max(1000), tag: z.string().trim().min(1, 'is required').max(100) }).strict();
export const exportInput = z.union([z.object({ searchId: z.string().min(1).max(100) }).strict(), z.object({ tag: z.string().trim().min(1).max(100) }).strict()]);

export async function openCase(store: Store, caller: Caller, input: z.infer<typeof caseInput>): Promise<Case> {
  await audit(store, { caller, action: 'case-opened', details: { ...input } });
  return insertCase(store, { ...input, createdBy: actorOf(caller) });
}

export async function mustCase(store: Store, caseId: string): Promise<Case> {
  const c = await getCase(store, caseId);
  if (!c) throw notFound('Case');
  return c;
}

function parseSearch(query: string) {
  try {
    return parseQuery(query);
  } catch (err) {
    if (err instanceof QuerySyntaxError) throw new RetentionError(400, err.code, `query: ${err.message}`, 'query');
    throw err;
  }
}

export async function saveSearch(store: Store, caller: Caller, caseId: string, input: z.infer<typeof searchInput>): Promise<Case> {
  await mustCase(store, caseId);
  parseSearch(input.query);
  const search: SavedSearch = { id: randomUUID(), ...input, createdBy: actorOf(caller), createdAt: new Date() };
  await audit(store, { caller, action: 'case-search-saved', target: caseId, details: { ...input } });
  return (await addSavedSearch(store, caseId, search))!;
}

export function savedSearch(c: Case, searchId: string): SavedSearch {
  const s = c.searches.find((x) => x.id === searchId);
  if (!s) throw notFound('Saved search');
  return s;
}

/** A page of a saved search's results across every archive (auditors read all of them). */
export async function runSavedSearch(store: Store, caller: Caller, caseId: string, searchId: string, page: { cursor?: string; limit?: number }): Promise<SearchResult> {
  const search = savedSearch(await mustCase(store, caseId), searchId);
  const result = await searchIndex(store, await listIndexedArchives(store), parseSearch(search.query), { cursor: page.cursor ? decodeCursor(page.cursor) : null, limit: page.limit });
  await audit(store, { caller, action: 'case-search', target: caseId, details: { search: search.name, query: search.query, total: result.total, returned: result.value.length, page: page.cursor ? 'next' : 'first' } });
  return result;
}

const ITEM_ID = /^(.+):([0-9a-f]{64})$/;

export async function tagMessages(store: Store, caller: Caller, caseId: string, input: z.infer<typeof tagInput>, remove = false): Promise<number> {
  await mustCase(store, caseId);
  input.items.forEach((id, i) => {
    if (!ITEM_ID.test(id)) throw new RetentionError(400, 'invalid_input', `items.${i}: not a message id (<archive id>:<sha-256>)`, `items.${i}`);
  });
  const found = new Set((await itemsById(store, input.items)).map((i) => i._id));
  const missing = input.items.findIndex((id) => !found.has(id));
  if (!remove && missing >= 0) throw new RetentionError(400, 'invalid_input', `items.${missing}: no such message`, `items.${missing}`);
  await audit(store, { caller, action: remove ? 'case-untag' : 'case-tag', target: caseId, details: { tag: input.tag, items: input.items } });
  const ids = input.items.map((itemId) => tagId(caseId, input.tag, itemId));
  if (remove) await removeTags(store, ids);
  else await addTags(store, input.items.map((itemId, i) => ({ _id: ids[i]!, caseId, tag: input.tag, itemId, by: actorOf(caller), at: new Date() })));
  return input.items.length;
}

/** Every message a query finds across the archives, in result order. */
async function* searchItems(store: Store, query: string): AsyncGenerator<Item> {
  const archives = await listIndexedArchives(store);
  const q = parseSearch(query);
  let page = await searchIndex(store, archives, q, { limit: MAX_LIMIT });
  for (;;) {
    for (const hit of page.value) {
      const item = await getItem(store.conn, hit.archiveId, hit.id.slice(hit.archiveId.length + 1));
      if (item) yield item;
    }
    if (!page.nextCursor) return;
    page = await searchIndex(store, archives, q, { cursor: decodeCursor(page.nextCursor), limit: MAX_LIMIT });
  }
}

async function* tagged(store: Store, caseId: string, tag: string): AsyncGenerator<Item> {
  const ids = (await listTags(store, caseId, tag)).map((t) => t.itemId);
  yield* await itemsById(store, ids);
}

export interface ManifestEntry {
  file: string;
  id: string;
  archiveId: string;
  sha256: string;
  receivedAt: string;
  subject: string;
  size: number;
}

/**
 * Streams the package (a zip of .eml files with manifest.json last) into `out`. Audited before the
 * first byte; the export is recorded, with the manifest's SHA-256, before the package is finished.
 */
export async function exportCase(store: Store, caller: Caller, caseId: string, input: z.infer<typeof exportInput>, out: Writable): Promise<void> {
  const c = await mustCase(store, caseId);
  const search = 'searchId' in input ? savedSearch(c, input.searchId) : null;
  const selection = search ? { searchId: search.id, query: search.query } : { tag: (input as { tag: string }).tag };
  await audit(store, { caller, action: 'case-export', target: caseId, details: { selection } });
  const entries: ManifestEntry[] = [];
  const exportedAt = new Date();
  const items = search ? searchItems(store, search.query) : tagged(store, caseId, (input as { tag: string }).tag);
  await writeZip(store, items, out, {
    onEntry: (item, file) => entries.push({ file, id: item._id, archiveId: item.archiveId, sha256: item.sha256, receivedAt: item.receivedAt.toISOString(), subject: item.subject, size: item.size }),
    trailer: async () => {
      const manifest = Buffer.from(JSON.stringify(manifestOf(c, caller, exportedAt, selection, entries), null, 2));
      const manifestSha256 = createHash('sha256').update(manifest).digest('hex');
      await audit(store, { caller, action: 'case-export-manifest', target: caseId, details: { selection, messages: entries.length, manifestSha256 } });
      await recordExport(store, { caseId, selection, messages: entries.length, manifestSha256, by: actorOf(caller), at: exportedAt });
      return [{ path: 'manifest.json', data: manifest }];
    },
  });
}

function manifestOf(c: Case, caller: Caller, at: Date, selection: CaseExport['selection'], messages: ManifestEntry[]) {
  return {
    format: 'm365-archive case export 1',
    verify: 'Each file is the message exactly as archived: its SHA-256 equals the sha256 given for it here.',
    case: { id: c._id, name: c.name },
    exportedBy: { upn: caller.upn, name: caller.name, oid: caller.oid },
    exportedAt: at.toISOString(),
    selection,
    count: messages.length,
    messages,
  };
}

import { entryFor, type IndexEntry } from '../../backend/src/search/index-store';
import { indexKeys, keysFor } from '../../backend/src/search/index-terms';
import { indexable } from '../../backend/src/search/index-segment';
import { normalize } from '../../backend/src/search/normalize';
import type { Field, Query } from '../../backend/src/search/query';
import { phraseLookupTerms } from '../../backend/src/search/tokenize';
import type { Store } from '../../backend/src/store';

/**
 * The expected answer of a query, by brute force: every message's index keys computed from its
 * stored text and tested one by one. Searches must return exactly these messages.
 */
export interface OracleDoc {
  id: string;
  receivedAt: Date;
  folder: string;
  size: number;
  hasAttachments: boolean;
  keys: Set<string>;
}

const codes = (field: Field | 'any') => keysFor(field, '').map((k) => k[0]);

export function matches(q: Query, d: OracleDoc): boolean {
  switch (q.kind) {
    case 'all':
      return true;
    case 'and':
      return q.items.every((i) => matches(i, d));
    case 'or':
      return q.items.some((i) => matches(i, d));
    case 'not':
      return !matches(q.item, d);
    case 'term':
      if (!q.prefix) return keysFor(q.field, q.value).some((k) => d.keys.has(k));
      return [...d.keys].some((k) => codes(q.field).includes(k[0]) && k.slice(2).startsWith(q.value) && !k.includes(' '));
    case 'phrase':
      return codes(q.field).some((c) => phraseLookupTerms(q.terms).every((t) => d.keys.has(`${c}:${t}`)));
    case 'hasAttachment':
      return d.hasAttachments;
    case 'folder': {
      const f = normalize(d.folder);
      const p = normalize(q.path);
      return f === p || f.startsWith(`${p}/`);
    }
    case 'date': {
      const seconds = Math.floor(d.receivedAt.getTime() / 1000);
      const cut = Math.ceil(q.date.getTime() / 1000);
      return q.op === 'after' ? seconds >= cut : seconds < cut;
    }
    case 'size':
      return q.op === '>' ? d.size > q.bytes : d.size < q.bytes;
  }
}

/** Every item of the archives, with its message's keys, read straight from the database. */
export async function loadOracle(store: Store, archiveIds: string[]): Promise<OracleDoc[]> {
  const items = await store.db.collection<any>('items').find({ archiveId: { $in: archiveIds } }).toArray();
  const shas = [...new Set(items.map((i) => i.sha256))];
  const messages = new Map((await store.db.collection<any>('messages').find({ _id: { $in: shas } }).toArray()).map((m) => [m._id, m]));
  return items.map((item) => {
    const e = entryFor(item, messages.get(item.sha256));
    return {
      id: item._id,
      receivedAt: item.receivedAt,
      folder: item.folder,
      size: item.size,
      hasAttachments: item.hasAttachments,
      keys: new Set(indexKeys(indexable(e))),
    };
  });
}

export const expected = (docs: OracleDoc[], q: Query) => docs.filter((d) => matches(q, d)).map((d) => d.id).sort();

/** The oracle of entries given straight to the indexer. */
export function oracleOfEntries(archiveId: string, entries: IndexEntry[]): OracleDoc[] {
  return entries.map((e) => ({
    id: `${archiveId}:${e.sha256}`,
    receivedAt: e.receivedAt,
    folder: e.folder,
    size: e.size,
    hasAttachments: e.hasAttachments,
    keys: new Set(indexKeys(indexable(e))),
  }));
}

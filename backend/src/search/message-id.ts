/**
 * Finding a message by its Message-ID (`messageid:<id@host>`, or an `<id@host>` pasted on its
 * own), the way an administrator or a user quoting a bounce finds one message. The search index
 * keeps words, not header values, so this looks the header up in the store (an index on
 * messages.messageId) and answers the archives' items of those blobs. A Message-ID names one
 * message: the operator stands alone, combined with nothing.
 */
import type { Store } from '../store';
import { itemsOfBlobs, type Item } from '../store/items';
import { blobsWithMessageId } from '../store/messages';
import { resultId } from './index-store';
import { QuerySyntaxError } from './query-types';
import type { SearchHit, SearchResult } from './service';

/** Copies of one message across archives (a mailbox, the journal, an import) stay far below this. */
const MAX_COPIES = 100;
const OPERATOR = /(^|\s)messageid:/i;
const ALONE = /^\s*(?:messageid:\s*"?\s*)?<([^<>\s"]+)>"?\s*$|^\s*messageid:\s*"?([^<>\s"]+)"?\s*$/i;

/** The Message-ID a query asks for (without angle brackets), or null when it is an ordinary search. */
export function messageIdOf(q: string): string | null {
  const m = ALONE.exec(q);
  if (m?.[2]) return m[2];
  // Pasted without the operator, it must look like one: angle brackets around an address form.
  if (m?.[1] && (OPERATOR.test(q) || m[1].includes('@'))) return m[1];
  const at = OPERATOR.exec(q);
  if (at) {
    throw new QuerySyntaxError('messageid: finds one message by its Message-ID and is used on its own, e.g. messageid:<1234@example.com>', at.index + at[1]!.length);
  }
  return null;
}

/** The items holding a message of this Message-ID in these archives, newest first. */
export async function findByMessageId(store: Store, archives: readonly string[], id: string): Promise<SearchResult> {
  const blobs = await blobsWithMessageId(store.conn, [`<${id}>`, id], MAX_COPIES);
  const found = await itemsOfBlobs(store.conn, blobs, archives);
  found.sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime());
  const value = found.map(itemHit);
  return { value, total: value.length, totalIsEstimate: false, nextCursor: null };
}

/** An archive's item as a result, where no words were searched (nothing to highlight). */
export function itemHit(i: Item): SearchHit {
  return {
    id: resultId(i.archiveId, i.sha256),
    archiveId: i.archiveId,
    subject: i.subject,
    from: i.from,
    date: i.receivedAt.toISOString(),
    folder: i.folder,
    size: i.size,
    hasAttachments: i.hasAttachments,
    snippet: '',
    highlights: [],
    subjectHighlights: [],
  };
}

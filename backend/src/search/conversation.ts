/**
 * A message's conversation within its archive, oldest first. Where the headers join it to other
 * messages (Message-ID, In-Reply-To, References: search/thread.ts) they decide: a thread whose
 * subject changed stays together, and mail that merely shares its subject is left out. Where they
 * join it to nothing in this archive (a client that cut them, a lone message, an import without
 * them), the subject decides: the messages whose subject is the same once the reply and forward
 * prefixes are taken off, as Outlook's Thread-Topic does (archived MIME carries no Exchange
 * conversation id: Graph's conversationId is a mailbox property, not a header). Found through the
 * index (a subject phrase), checked against the whole subject, bounded.
 */
import type { Store } from '../store';
import { itemsOfBlobs, type Item } from '../store/items';
import { getMessageMeta } from '../store/messages';
import { SUBJECT_CHARS } from './index-segment';
import { itemHit } from './message-id';
import { parseQuery, type Query } from './query';
import { MAX_LIMIT, searchIndex, type SearchHit } from './service';
import { threadBlobs } from './thread';

const PREFIXES = /^(\s*(re|fw|fwd|aw|wg|sv|vs|tr|rv|antw|ynt|odp|vb)\s*(\[\d+\])?\s*[:：]\s*)+/i;

/** The subject without reply and forward prefixes, in the languages mail clients write them. */
export function conversationTopic(subject: string): string {
  return subject.replace(PREFIXES, '').replace(/\s+/g, ' ').trim();
}

type Conversation = { value: SearchHit[]; more: boolean };

/** Up to MAX_LIMIT messages of the conversation, oldest first; `more` when the thread is longer. */
export async function conversationOf(store: Store, item: Pick<Item, 'archiveId' | 'sha256' | 'subject'>): Promise<Conversation> {
  return (await byHeaders(store, item)) ?? bySubject(store, item.archiveId, item.subject);
}

/** The thread as the headers join it in this archive; null when they join the message to nothing here. */
async function byHeaders(store: Store, item: Pick<Item, 'archiveId' | 'sha256'>): Promise<Conversation | null> {
  const headers = await getMessageMeta(store.conn, item.sha256);
  if (!headers) return null;
  const blobs = await threadBlobs(store, headers, MAX_LIMIT + 1);
  const found = blobs.length > 1 ? await itemsOfBlobs(store.conn, blobs, [item.archiveId]) : [];
  if (found.length < 2) return null;
  found.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  return { value: found.slice(0, MAX_LIMIT).map(itemHit), more: blobs.length > MAX_LIMIT };
}

async function bySubject(store: Store, archiveId: string, subject: string): Promise<Conversation> {
  // Results carry subjects cut at SUBJECT_CHARS: compare like with like.
  const topic = conversationTopic(subject.slice(0, SUBJECT_CHARS));
  // Quotes are the one character a phrase cannot hold; the check below compares the real subjects.
  const words = topic.replace(/"/g, ' ').trim();
  if (!words) return { value: [], more: false };
  let q: Query;
  try {
    q = parseQuery(`subject:"${words}"`);
  } catch {
    return { value: [], more: false }; // a subject of no words at all (only symbols): no thread to find
  }
  const found = await searchIndex(store, [archiveId], q, { limit: MAX_LIMIT });
  const wanted = topic.toLowerCase();
  const value = found.value.filter((h) => conversationTopic(h.subject).toLowerCase() === wanted).reverse();
  return { value, more: found.nextCursor !== null };
}

/**
 * A message's conversation: the messages of its archive whose subject is the same once the reply
 * and forward prefixes are taken off. Archived MIME carries no Exchange conversation id (Graph's
 * conversationId is a mailbox property, not a header), and References are cut by many clients,
 * while Outlook itself threads by this topic (Thread-Topic is the subject without prefixes), so
 * the topic is what joins a thread across mailboxes, journal and imports alike. Found through the
 * index (a subject phrase), checked against the whole subject, oldest first, bounded.
 */
import { SUBJECT_CHARS } from './index-segment';
import { parseQuery, type Query } from './query';
import { MAX_LIMIT, searchIndex, type SearchHit } from './service';

const PREFIXES = /^(\s*(re|fw|fwd|aw|wg|sv|vs|tr|rv|antw|ynt|odp|vb)\s*(\[\d+\])?\s*[:：]\s*)+/i;

/** The subject without reply and forward prefixes, in the languages mail clients write them. */
export function conversationTopic(subject: string): string {
  return subject.replace(PREFIXES, '').replace(/\s+/g, ' ').trim();
}

/** Up to MAX_LIMIT messages of the conversation, oldest first; `more` when the thread is longer. */
export async function conversationOf(store: Parameters<typeof searchIndex>[0], archiveId: string, subject: string): Promise<{ value: SearchHit[]; more: boolean }> {
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

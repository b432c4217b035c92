/**
 * A message's thread as its headers tell it (RFC 5322 §3.6.4): a reply names the message it
 * answers in In-Reply-To and its ancestors in References, so walking Message-IDs both ways
 * (the ones a message names, and the messages that answer it) gathers the thread whatever its
 * subjects became. The walk goes through every archived message (a thread's copies are shared
 * across archives), so a reply the reader holds is found even when a message between was
 * archived only elsewhere; the caller keeps the reader's own archive.
 */
import type { Store } from '../store';
import { threadNeighbours, type ThreadHeaders } from '../store/messages';

/** Steps from the message; a step reaches every ancestor at once (References) and one level of replies. */
const MAX_STEPS = 4;

/** The Message-IDs a header value holds, angle brackets included as the store keeps them. */
function messageIds(values: readonly (string | null | undefined)[]): string[] {
  return values.flatMap((v) => v?.match(/<[^<>\s]+>/g) ?? []);
}

const linksOf = (h: ThreadHeaders) => messageIds([h.messageId, h.inReplyTo, ...(h.references ?? [])]);

/** The blobs of the thread `start` belongs to by its headers, itself included, at most `limit`. */
export async function threadBlobs(store: Pick<Store, 'conn'>, start: ThreadHeaders, limit: number): Promise<string[]> {
  const found = new Map<string, ThreadHeaders>([[String(start._id), start]]);
  const seen = new Set<string>();
  let next = linksOf(start);
  for (let step = 0; step < MAX_STEPS && next.length > 0 && found.size < limit; step++) {
    next.forEach((id) => seen.add(id));
    const docs = await threadNeighbours(store.conn, next, limit);
    for (const d of docs) found.set(String(d._id), d);
    next = [...new Set(docs.flatMap(linksOf))].filter((id) => !seen.has(id));
  }
  return [...found.keys()].slice(0, limit);
}

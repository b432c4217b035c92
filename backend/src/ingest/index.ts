import type { Readable } from 'node:stream';
import type { Store } from '../store';
import { indexArchivedItem } from '../search/index-store';
import { addItem, type ItemSource } from '../store/items';
import { getMessageMeta, upsertMessageDoc, type MessageContent, type MessageMeta } from '../store/messages';
import { parseMessage, type ParseOptions } from './parse';
import { spool, type Spool, type SpoolOptions } from './spool';

export type Source = ItemSource;
export { MessageTooLargeError } from './spool';

export interface IngestInput {
  archiveId: string;
  /** Folder path like 'Inbox/Projects'; '' for journal and import. */
  folder: string;
  /** When the source received the message (Graph receivedDateTime); orders the archive. */
  receivedAt?: Date;
  source: Source;
  /** The raw MIME bytes, read once. */
  content: Readable;
  /** Larger messages are refused with code MESSAGE_TOO_LARGE before anything is stored. */
  maxBytes?: number;
}

export interface IngestResult {
  /** 'duplicate': the archive already held this message; only the source was added. */
  status: 'archived' | 'duplicate';
  sha256: string;
  size: number;
  parseErrors: string[];
  /** The raw bytes were new to the whole store (single-instance storage). */
  blobCreated: boolean;
}

export interface IngestOptions {
  parse?: ParseOptions;
  spool?: Omit<SpoolOptions, 'maxBytes'>;
}

/**
 * The one ingest path of every source (mailbox crawl, journal, import). Each step is an
 * idempotent write on a natural key (blob by hash, message by hash, item by archive + hash),
 * in an order where a crash between any two steps leaves a state the retry completes.
 */
export async function ingestMessage(store: Store, input: IngestInput, opts: IngestOptions = {}): Promise<IngestResult> {
  const spooled = await spool(input.content, { ...opts.spool, maxBytes: input.maxBytes });
  try {
    const { sha256, size } = spooled;
    // Storing and parsing read the spool side by side; the message document is written only
    // once the blob is safe, so no document ever points at bytes that are not stored.
    const [blobCreated, known] = await both(storeBlob(store, spooled), knownOrParsed(store, spooled, opts.parse));
    if (!known.stored) {
      await upsertMessageDoc(store.conn, { _id: sha256, size, storedAt: new Date(), ...known.content });
    }
    const { content } = known;
    const first = content.from[0];
    const item = {
      archiveId: input.archiveId,
      sha256,
      folder: input.folder,
      receivedAt: input.receivedAt ?? content.date ?? new Date(),
      subject: content.subject,
      from: first ? { name: first.name, address: first.address } : null,
      size,
      hasAttachments: content.hasAttachments,
      source: input.source,
    };
    const added = await addItem(store.conn, item);
    // Last: searchable once this returns; a crash before it leaves a stored item the retry indexes.
    await indexArchivedItem(store, item, content, added);
    return { status: added === 'inserted' ? 'archived' : 'duplicate', sha256, size, parseErrors: content.parseErrors, blobCreated };
  } finally {
    await spooled.dispose();
  }
}

/**
 * True when the stored copy reads back with its SHA-256 and the message is indexed: the check
 * before a message may be deleted from its mailbox.
 */
export async function verifyArchived(store: Store, sha256: string): Promise<boolean> {
  return (await getMessageMeta(store.conn, sha256)) !== null && (await store.blobs.verify(sha256));
}

async function storeBlob(store: Store, spooled: Spool): Promise<boolean> {
  if (await store.blobs.has(spooled.sha256)) return false;
  return (await store.blobs.put(spooled.sha256, spooled.size, spooled.open)).created;
}

/** Nothing parses MIME twice for one blob: a message document already stored is reused. */
async function knownOrParsed(
  store: Store,
  spooled: Spool,
  parse?: ParseOptions,
): Promise<{ stored: true; content: MessageMeta } | { stored: false; content: MessageContent }> {
  const meta = await getMessageMeta(store.conn, spooled.sha256);
  if (meta) return { stored: true, content: meta };
  return { stored: false, content: await parseMessage(spooled.open, parse) };
}

/** Both results, or the first error once both have settled (neither outlives the spool). */
async function both<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}

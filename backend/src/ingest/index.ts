import type { Readable } from 'node:stream';
import { Limiter } from '../limiter';
import { countArchived } from '../metrics';
import type { Store } from '../store';
import { indexArchivedItem } from '../search/index-store';
import { recordAdded, type AddedMessage } from '../integrity/ledger';
import { addItems, type AddOutcome, type ItemSource, type NewItem } from '../store/items';
import type { BlobIdentity, EncodedBlob } from '../store/blobs';
import { getMessageDoc, getMessageMeta, insertMessageDocs, type MessageContent, type MessageDoc } from '../store/messages';
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

/** A message whose bytes and parsed document are stored, ready to be added to archives. */
export interface StoredMessage {
  /** The blob's id: the SHA-256 of the raw bytes, or a keyed hash of it where blobs are encrypted (store/blobs.ts). */
  sha256: string;
  /** What the integrity ledger records of the raw bytes (store/blobs.ts `identify`). */
  digest: string;
  salted: boolean;
  size: number;
  blobCreated: boolean;
  content: MessageContent | MessageDoc;
}

/** One message for one archive; `unit` names the crawl work that adds it (see store/items.ts). */
export type ArchiveEntry = Omit<IngestInput, 'content' | 'maxBytes'> & { stored: StoredMessage; unit?: string };

/**
 * The one ingest path of every source (mailbox crawl, journal, import): spool, store, add to the
 * archive. Each step is an idempotent write on a natural key (blob by hash, message by hash, item
 * by archive + hash), in an order where a crash between any two steps leaves a state the retry
 * completes. The crawl runs the same steps itself to release its Graph slot after the download
 * and to add a page of messages at once.
 */
export async function ingestMessage(store: Store, input: IngestInput, opts: IngestOptions = {}): Promise<IngestResult> {
  const stored = await storeMessage(store, input.content, { ...opts, maxBytes: input.maxBytes });
  const [status] = await archiveStored(store, [{ ...input, stored }]);
  return { status: status!, sha256: stored.sha256, size: stored.size, parseErrors: stored.content.parseErrors, blobCreated: stored.blobCreated };
}

/** Spools a message and stores it; the spool is gone once this returns. */
export async function storeMessage(store: Store, content: Readable, opts: IngestOptions & { maxBytes?: number } = {}): Promise<StoredMessage> {
  const [stored] = await storePrepared(store, [await prepareMessage(store, content, opts)]);
  return stored!;
}

/** Spools a message and prepares it (prepareSpooled); the spool is gone once this returns. */
export async function prepareMessage(store: Store, content: Readable, opts: IngestOptions & { maxBytes?: number } = {}): Promise<PreparedMessage> {
  const spooled = await spool(content, { ...opts.spool, maxBytes: opts.maxBytes });
  try {
    return await prepareSpooled(store, spooled, opts.parse);
  } finally {
    await spooled.dispose();
  }
}

/**
 * A message checked, encoded and parsed in memory, whose writes wait for its batch
 * (storePrepared); or a large one whose bytes are stored already, as a batch could not hold them.
 */
export interface PreparedMessage {
  /** The SHA-256 of its bytes. */
  sha256: string;
  identity: BlobIdentity;
  size: number;
  /** The encoded bytes of a small message, for the batch to store. */
  encoded: EncodedBlob | null;
  /** A large message's put created its blob. */
  blobCreated: boolean;
  /** The stored document of a large message whose blob was there before. */
  known: MessageDoc | null;
  content: MessageContent | MessageDoc;
}

/**
 * The CPU half of storing, within the process's ingest slots: the bytes are checked against
 * their hash and encoded, and parsed (a small message is parsed before its batch can tell
 * whether its blob is new: a wasted parse for a message stored before, where looking first
 * would cost every new one a read; FerretDB scans for a find by `_id`). A large message's bytes
 * are streamed into the store here; only a blob that was there before is looked up.
 */
export async function prepareSpooled(store: Store, spooled: Spool, parse?: ParseOptions): Promise<PreparedMessage> {
  return ingestSlots.run(async () => {
    const { size, sha256 } = spooled;
    let identity = store.blobs.identify(sha256);
    const encoded = await store.blobs.encodeSmall(identity.id, size, spooled.open);
    if (encoded) return { sha256, identity, size, encoded, blobCreated: false, known: null, content: await parseMessage(spooled.open, parse) };
    // A large message is stored here, alone: whether it was stored before encryption is asked here too.
    if ((await store.blobs.storedPlain([sha256])).size > 0) identity = store.blobs.identify(sha256, { plain: true });
    const { created } = await store.blobs.put(identity.id, size, spooled.open);
    const known = created ? null : await getMessageDoc(store.conn, identity.id);
    return { sha256, identity, size, encoded: null, blobCreated: created, known, content: known ?? (await parseMessage(spooled.open, parse)) };
  });
}

/**
 * Stores prepared messages together (a crawl page, a journal batch): the blobs' chunks in one
 * insert and their file documents in another, then the message documents in one more. A
 * document is written only once its blob is safe, so none ever points at bytes that are not
 * stored. A blob that was there before keeps its document (a crash after it, or another
 * archive's copy): that one is read and used. Were a blob ever removed while its document
 * stayed, the insert finds that document and keeps it.
 */
export async function storePrepared(store: Store, given: PreparedMessage[]): Promise<StoredMessage[]> {
  const prepared = await withPlainCopies(store, given);
  const small = prepared.filter((p) => p.encoded);
  const puts = await store.blobs.putEncoded(small.map((p) => p.encoded!));
  const created = new Map(small.map((p, i) => [p, puts[i]!.created]));
  // Only blobs stored before may have a document; a blob this call created has none yet.
  const content = await Promise.all(prepared.map(async (p) => (created.get(p) === false ? ((await getMessageDoc(store.conn, p.identity.id)) ?? p.content) : p.content)));
  const storedAt = new Date();
  const docs = prepared.flatMap((p, i): MessageDoc[] => (p.known || content[i] !== p.content ? [] : [{ _id: p.identity.id, size: p.size, storedAt, ...p.content }]));
  await insertMessageDocs(store.conn, docs);
  return prepared.map((p, i) => {
    const { id: sha256, digest, salted } = p.identity;
    return { sha256, digest, salted, size: p.size, blobCreated: created.get(p) ?? p.blobCreated, content: content[i]! };
  });
}

/**
 * Messages stored before encryption was turned on keep their copy, under their plain SHA-256: one
 * that comes again goes to that copy (its bytes, encoded under the current key already, are only
 * compared), so it is neither stored nor filed a second time.
 */
async function withPlainCopies(store: Store, prepared: PreparedMessage[]): Promise<PreparedMessage[]> {
  const keyed = prepared.filter((p) => p.encoded && p.identity.id !== p.sha256);
  const plain = await store.blobs.storedPlain(keyed.map((p) => p.sha256));
  if (plain.size === 0) return prepared;
  return prepared.map((p) => (p.encoded && plain.has(p.sha256) ? { ...p, identity: store.blobs.identify(p.sha256, { plain: true }), encoded: { ...p.encoded, id: p.sha256 } } : p));
}

/**
 * Adds stored messages to their archives in one batch of writes, then indexes them: searchable
 * once this returns; a crash before the index leaves stored items the retry indexes.
 */
export async function archiveStored(store: Store, entries: ArchiveEntry[]): Promise<IngestResult['status'][]> {
  const items = entries.map(({ stored, ...e }): NewItem => {
    const { content } = stored;
    const first = content.from[0];
    return {
      archiveId: e.archiveId,
      sha256: stored.sha256,
      folder: e.folder,
      receivedAt: e.receivedAt ?? content.date ?? new Date(),
      subject: content.subject,
      from: first ? { name: first.name, address: first.address } : null,
      size: stored.size,
      hasAttachments: content.hasAttachments,
      source: e.source,
    };
  });
  const added = await addItems(store.conn, items.map((item, i) => ({ item, unit: entries[i]!.unit })));
  countArchived(items.map((item, i) => ({ ...item, inserted: added[i] === 'inserted' })));
  await recordAdded(store, ledgerEvents(entries, items, added));
  // A retried item may be indexed already: the index checks that for items it did not just see inserted.
  const copies = new Map<string, number>();
  for (const item of items) copies.set(item.sha256, (copies.get(item.sha256) ?? 0) + 1);
  await settleAll(items.map((item, i) => indexArchivedItem(store, item, entries[i]!.stored.content, added[i] === 'inserted' ? 'inserted' : 'existing', copies.get(item.sha256))));
  return added.map((a) => (a === 'existing' ? 'duplicate' : 'archived'));
}

/**
 * What the integrity ledger learns of this batch: every new item, and every item that was there
 * already where that may hide a crash between the item's write and its event (a retried page;
 * journal and import, which retry without naming their work). The sealer drops repeats.
 */
function ledgerEvents(entries: ArchiveEntry[], items: NewItem[], added: AddOutcome[]): AddedMessage[] {
  return entries.flatMap((e, i): AddedMessage[] => {
    const outcome = added[i] === 'inserted' ? 'inserted' : added[i] === 'retried' || !e.unit ? 'again' : null;
    if (!outcome) return [];
    const { stored } = e;
    const item = items[i]!;
    return [{ archiveId: e.archiveId, blobId: stored.sha256, digest: stored.digest, salted: stored.salted, size: stored.size, receivedAt: item.receivedAt, source: e.source, outcome }];
  });
}

/**
 * True when the stored copy reads back with its SHA-256 and the message is indexed: the check
 * before a message may be deleted from its mailbox.
 */
export async function verifyArchived(store: Store, sha256: string): Promise<boolean> {
  return (await getMessageMeta(store.conn, sha256)) !== null && (await store.blobs.verify(sha256));
}

/** Every result, or the first error once all have settled (none outlives its caller's resources). */
export async function settleAll<T>(work: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

export const DEFAULT_INGEST_CONCURRENCY = 8;
/**
 * The process's ingests. Downloads are many (four per mailbox, every mailbox at once); the
 * database takes few writers well (FerretDB on SQLite answers SQLITE_BUSY to some 80), so storing
 * is capped per process whatever the number of mailboxes.
 */
const ingestSlots = new Limiter(DEFAULT_INGEST_CONCURRENCY);

/** Messages this process stores at once (config INGEST_CONCURRENCY). */
export function setIngestConcurrency(max: number): void {
  if (!Number.isInteger(max) || max < 1) throw new Error(`ingest concurrency must be a positive integer, got ${max}`);
  ingestSlots.resize(max);
}

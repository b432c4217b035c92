import { randomUUID } from 'node:crypto';
import type { mongo } from 'mongoose';
import type { Store } from './connection';
import { createIndexesOf } from './collection-repair';
import { insertManyOnce, insertOnce, isDuplicateKey } from './insert-once';
import type { ItemSource } from './items';

/**
 * Storage of the integrity ledger (MISSION M19): which message entered or left which archive.
 * Ingest queues events (`ledger_queue`, keyed so a retried write is one event); the sealer
 * chains them into `ledger`, whose `_id` is the sequence number (so, as in the audit trail, the
 * contested step "who writes entry n" is an insert), and closes periods into `ledger_roots`.
 * Nothing here decides content or hashing: integrity/ledger.ts does.
 */
export type LedgerEvent = 'added' | 'removed';

/** What an entry says, hashed as it is stored (integrity/ledger.ts). */
export interface LedgerContent {
  /** The queue key: names the event, so a replayed seal is recognised. */
  key: string;
  event: LedgerEvent;
  archiveId: string;
  /** The stored blob's id (the message's id throughout the archive). */
  blobId: string;
  /** SHA-256 of the raw message, salted where blob ids must not reveal content (see store/blob-cipher.ts). */
  digest: string;
  salted: boolean;
  size: number;
  receivedAt: Date;
  source: ItemSource | { kind: 'backfill' } | { kind: 'disposal'; reason: string };
  /** When the message was added or removed. */
  at: Date;
}

export interface LedgerEntry extends LedgerContent {
  _id: number;
  prev: string;
  hash: string;
}

export interface QueuedEvent {
  _id: string;
  content: LedgerContent;
  /** Set when the archive may hold an entry for it already (a retried or repeated add): the sealer looks first. */
  check?: boolean;
  queuedAt: Date;
  /**
   * The events written by one command share a page: once a sealer has read all `pageSize` of
   * them, no more can come, so deleting by page removes exactly what it chained (without a
   * `$in` of every key, which FerretDB 1.24 tests against every queued event). Absent on
   * events queued before pages existed.
   */
  page?: string;
  pageSize?: number;
}

export interface LedgerRoot {
  /** 1, 2, 3, ...: roots cover consecutive ranges of entries. */
  _id: number;
  fromSeq: number;
  toSeq: number;
  /** Start of the period (UTC) its entries were sealed in. */
  period: Date;
  root: string;
  closedAt: Date;
  token: mongo.Binary | null;
  genTime: Date | null;
  tsaUrl: string | null;
  tsaError: string | null;
  /**
   * The archive's rule when the root was closed. Verification and proofs hold its token to the
   * stricter of it and today's, so that raising TSA_GRACE_HOURS later excuses no late stamp (and
   * this field, which no token covers, cannot loosen today's rule). Absent on roots closed before
   * it was kept.
   */
  rule?: StampRule;
}

/** A root's period and how long after its last entry its token is due (the period and the grace). */
export interface StampRule {
  periodMs: number;
  dueMs: number;
}

interface HeadHint {
  _id: 'head';
  seq: number;
  /** Entry `seq`'s hash, so that a sealer starts from the hint without reading the chain (absent in hints written before it was kept). */
  hash?: string;
}

export type LedgerStore = Pick<Store, 'db'>;
export const LEDGER_GENESIS = '0'.repeat(64);

interface Collections {
  entries: mongo.Collection<LedgerEntry>;
  queue: mongo.Collection<QueuedEvent>;
  hint: mongo.Collection<HeadHint>;
  roots: mongo.Collection<LedgerRoot>;
}
const ready = new WeakMap<mongo.Db, Promise<Collections>>();

/** FerretDB 1.24 accepts these but ignores them; they serve MongoDB. */
function collections(db: mongo.Db): Promise<Collections> {
  let c = ready.get(db);
  if (!c) {
    c = (async () => {
      await createIndexesOf(db, 'ledger', [{ key: { archiveId: 1, blobId: 1 }, name: 'by_message' }]);
      await createIndexesOf(db, 'ledger_queue', [{ key: { queuedAt: 1, _id: 1 }, name: 'in_order' }]);
      return { entries: db.collection<LedgerEntry>('ledger'), queue: db.collection<QueuedEvent>('ledger_queue'), hint: db.collection<HeadHint>('ledger_head'), roots: db.collection<LedgerRoot>('ledger_roots') };
    })();
    ready.set(db, c);
    c.catch(() => ready.delete(db));
  }
  return c;
}

/** At most this many events per page, so that a delete of whole pages stays under SQLite's 32,766 values per statement. */
const PAGE_MAX = 1_000;

/** One command for a page of events; an event queued already stays as it was. */
export async function queueLedgerEvents(store: LedgerStore, events: QueuedEvent[]): Promise<void> {
  const unique = [...new Map(events.map((e) => [e._id, e])).values()];
  const paged: QueuedEvent[] = [];
  for (let i = 0; i < unique.length; i += PAGE_MAX) {
    const slice = unique.slice(i, i + PAGE_MAX);
    const page = randomUUID();
    paged.push(...slice.map((e) => ({ ...e, page, pageSize: slice.length })));
  }
  await insertManyOnce((await collections(store.db)).queue, paged);
}

/**
 * The oldest queued events, streamed in one sorted read (FerretDB 1.24 reads and sorts the
 * whole queue for any sorted read, so a sealer makes one per pass); a page's events stay together.
 */
export function queuedLedgerEvents(store: LedgerStore, limit: number): AsyncIterable<QueuedEvent> {
  return (async function* () {
    yield* (await collections(store.db)).queue.find({}).sort({ queuedAt: 1, page: 1, _id: 1 }).limit(limit).batchSize(1_000);
  })();
}

/** Deletes whole pages (see QueuedEvent.page): one read of the queue, each event tested against the few page ids. */
export async function dequeueLedgerPages(store: LedgerStore, pages: string[]): Promise<void> {
  if (pages.length > 0) await (await collections(store.db)).queue.deleteMany({ page: { $in: pages } });
}

export async function countQueuedLedgerEvents(store: LedgerStore): Promise<number> {
  return (await collections(store.db)).queue.countDocuments({});
}

/**
 * FerretDB 1.24 tests each queued event against every key of an `$in` (a linear search), so
 * one delete of k keys over a queue of n costs n·k comparisons: keys go in groups of 500.
 */
const DEQUEUE_GROUP = 500;

export async function dequeueLedgerEvents(store: LedgerStore, keys: string[]): Promise<void> {
  const { queue } = await collections(store.db);
  for (let i = 0; i < keys.length; i += DEQUEUE_GROUP) await queue.deleteMany({ _id: { $in: keys.slice(i, i + DEQUEUE_GROUP) } });
}

/** Appends entries in order; false when entry `docs[0]._id` (or a later one) was taken by another sealer. */
export async function appendLedgerEntries(store: LedgerStore, docs: LedgerEntry[]): Promise<boolean> {
  if (docs.length === 0) return true;
  try {
    await (await collections(store.db)).entries.insertMany(docs, { ordered: true });
    return true;
  } catch (err) {
    const errors = [(err as { writeErrors?: unknown }).writeErrors ?? []].flat() as { code?: number }[];
    if (isDuplicateKey(err) || (errors.length > 0 && errors.every((e) => e.code === 11000))) return false;
    throw err;
  }
}

export async function getLedgerEntry(store: LedgerStore, seq: number): Promise<LedgerEntry | null> {
  return (await collections(store.db)).entries.findOne({ _id: seq });
}

export async function ledgerHeadHint(store: LedgerStore): Promise<{ seq: number; hash?: string }> {
  const hint = await (await collections(store.db)).hint.findOne({ _id: 'head' });
  return { seq: hint?.seq ?? 0, ...(hint?.hash ? { hash: hint.hash } : {}) };
}

/**
 * Moves the hint forward to `head` (never back, and a hint without a hash takes one at the same
 * number). When the hint is ahead already, the upsert's insert loses on the key, as it does
 * when two sealers' first upserts race: either way the hint is where it should be.
 */
export async function advanceLedgerHeadHint(store: LedgerStore, head: { seq: number; hash: string }): Promise<void> {
  const { hint } = await collections(store.db);
  try {
    await hint.updateOne({ _id: 'head', $or: [{ seq: { $lt: head.seq } }, { seq: head.seq, hash: { $exists: false } }] }, { $set: { seq: head.seq, hash: head.hash } }, { upsert: true });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

/** Entries in sequence order; without a range every document, so foreign ones show up. */
export async function* ledgerEntriesInOrder(store: LedgerStore, range: { from?: number; to?: number } = {}): AsyncGenerator<LedgerEntry> {
  const c = await collections(store.db);
  const ranged = range.from !== undefined || range.to !== undefined;
  const filter = ranged ? { _id: { $gte: range.from ?? 1, ...(range.to !== undefined ? { $lte: range.to } : {}) } } : {};
  yield* c.entries.find(filter).sort({ _id: 1 }).batchSize(1_000);
}

/** The entries naming these messages (a scan on FerretDB: only for the rare check events and proofs). */
export async function ledgerEntriesFor(store: LedgerStore, messages: { archiveId: string; blobId: string }[]): Promise<LedgerEntry[]> {
  if (messages.length === 0) return [];
  const c = await collections(store.db);
  return c.entries.find({ $or: messages.map((m) => ({ archiveId: m.archiveId, blobId: m.blobId })) }).sort({ _id: 1 }).toArray();
}

/** What the sealer's checks need of every entry, in order: one read of the ledger instead of a `$or` of thousands. */
export async function* ledgerMessageStates(store: LedgerStore): AsyncGenerator<Pick<LedgerEntry, '_id' | 'archiveId' | 'blobId' | 'event' | 'digest' | 'salted'>> {
  const c = await collections(store.db);
  yield* c.entries.find({}, { projection: { archiveId: 1, blobId: 1, event: 1, digest: 1, salted: 1 } }).sort({ _id: 1 }).batchSize(5_000);
}

export async function countLedgerEntries(store: LedgerStore): Promise<number> {
  return (await collections(store.db)).entries.countDocuments({});
}

/** Roots in order; few (one per period with activity). */
export async function listLedgerRoots(store: LedgerStore): Promise<LedgerRoot[]> {
  return (await collections(store.db)).roots.find({}).sort({ _id: 1 }).toArray();
}

export async function lastLedgerRoot(store: LedgerStore): Promise<LedgerRoot | null> {
  const [last] = await (await collections(store.db)).roots.find({}).sort({ _id: -1 }).limit(1).toArray();
  return last ?? null;
}

/** False when another sealer closed root `_id` first. */
export async function insertLedgerRoot(store: LedgerStore, root: LedgerRoot): Promise<boolean> {
  return insertOnce((await collections(store.db)).roots, root);
}

/**
 * Root `id`'s token. Sealers in several processes (and an administrator's "seal now") may ask for
 * the same root's token at once: only a root still without one takes it, so the first token
 * stays (it proves the earlier time).
 */
export async function setRootTimestamp(store: LedgerStore, id: number, stamp: { token: mongo.Binary; genTime: Date; tsaUrl: string }): Promise<void> {
  await (await collections(store.db)).roots.updateOne({ _id: id, token: null }, { $set: { ...stamp, tsaError: null } });
}

/** Why root `id` has no token yet; never clears a token another sealer wrote meanwhile. */
export async function setRootStampError(store: LedgerStore, id: number, tsaUrl: string, tsaError: string): Promise<void> {
  await (await collections(store.db)).roots.updateOne({ _id: id, token: null }, { $set: { tsaUrl, tsaError } });
}

import type { mongo } from 'mongoose';
import type { Store } from './connection';
import { isDuplicateKey } from './insert-once';

/**
 * Storage of the audit trail (MISSION M13): an append-only hash chain. The sequence number is
 * the `_id`, so on FerretDB, whose updates are unlocked read-modify-writes, the contested step
 * (who appends entry n) is decided by an insert: a second insert of `_id: n` fails with E11000,
 * and its writer moves to the chain's new end and tries again on top of the winner. The chain
 * cannot fork (one entry per n) and no entry is lost (the loser retries or throws into its request).
 *
 * Appending never reads the trail by `_id`: FerretDB 1.24 answers a numeric `_id` equality by
 * decoding the whole collection (only string and ObjectId ids reach SQLite), so each read grows
 * with the trail (560 ms at 6,300 entries). An appender inserts on top of the head it knows
 * (its own last append), and only when that insert loses does it read the chain head in
 * `audit_head`: one document holding the last announced entry's number and hash together, written
 * only by that entry's appender after its insert (so it may lag, never lead, and never pairs a
 * number with another entry's hash). Only when the head lags as well (another process died
 * between insert and announcement, or announcements raced) is the trail read, walking forward by
 * `_id`. Steady state: two writes per append (insert, head), no reads. On MongoDB the same two
 * writes are index operations; the design costs nothing there.
 * What an entry contains and how it is hashed is decided by the caller through `seal`.
 */
export type AuditActor = { oid: string; upn: string; name: string; roles: string[] } | { system: string };

export interface AuditDoc {
  /** The sequence number: 1, 2, 3, ... without gaps. */
  _id: number;
  at: Date;
  actor: AuditActor;
  action: string;
  archiveId?: string;
  target?: string;
  details?: Record<string, unknown>;
  ip?: string;
  userAgent?: string;
  /** Hash of entry `_id - 1` (`AUDIT_GENESIS` for the first). */
  prev: string;
  hash: string;
}

export const AUDIT_GENESIS = '0'.repeat(64);

export type AuditStore = Pick<Store, 'db'>;
interface HeadHint {
  _id: 'head';
  seq: number;
  /** The hash of entry `seq` (absent in hints written before the head carried it). */
  hash?: string;
}
interface Collections {
  entries: mongo.Collection<AuditDoc>;
  hint: mongo.Collection<HeadHint>;
}
interface Head {
  seq: number;
  hash: string;
}

/** Every conflict means another appender got an entry in: progress, so only a runaway loop ends here. */
const MAX_ATTEMPTS = 1_000;
const ready = new WeakMap<mongo.Db, Promise<Collections>>();
const knownHeads = new WeakMap<mongo.Db, Head>();
const queues = new WeakMap<mongo.Db, Promise<void>>();

/** FerretDB 1.24 accepts these but ignores them; they serve MongoDB's audit queries. */
function collections(db: mongo.Db): Promise<Collections> {
  let c = ready.get(db);
  if (!c) {
    c = (async () => {
      const entries = db.collection<AuditDoc>('audit');
      await entries.createIndex({ at: -1 }, { name: 'by_time' });
      await entries.createIndex({ action: 1, _id: -1 }, { name: 'by_action' });
      await entries.createIndex({ 'actor.oid': 1, _id: -1 }, { name: 'by_actor' });
      await entries.createIndex({ 'actor.upn': 1, _id: -1 }, { name: 'by_actor_upn' });
      await entries.createIndex({ archiveId: 1, _id: -1 }, { name: 'by_archive' });
      return { entries, hint: db.collection<HeadHint>('audit_head') };
    })();
    ready.set(db, c);
    c.catch(() => ready.delete(db));
  }
  return c;
}

/**
 * Appends the entry `seal(seq, prevHash)` at the end of the chain and returns it. Appends of one
 * process go one at a time (they would only collide with each other); processes collide on the
 * insert and retry.
 */
export function appendAuditEntry(store: AuditStore, seal: (seq: number, prev: string) => AuditDoc): Promise<AuditDoc> {
  const run = (queues.get(store.db) ?? Promise.resolve()).then(() => appendNow(store.db, seal));
  queues.set(
    store.db,
    run.then(
      () => undefined,
      () => undefined,
    ),
  );
  return run;
}

async function appendNow(db: mongo.Db, seal: (seq: number, prev: string) => AuditDoc): Promise<AuditDoc> {
  const c = await collections(db);
  let head = knownHeads.get(db) ?? (await sharedHead(c));
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const doc = seal(head.seq + 1, head.hash);
    const next = await insertOrNextHead(c, doc, head);
    if (next) {
      head = next;
      continue;
    }
    knownHeads.set(db, { seq: doc._id, hash: doc.hash });
    // Only a hint: the entry is stored, so a failure here must not fail the audited request. The
    // filter keeps it from moving back (an upsert that matches nothing fails on the `_id`: ignored).
    const announced = { seq: doc._id, hash: doc.hash };
    await c.hint.updateOne({ _id: 'head', seq: { $lt: doc._id } }, { $set: announced }, { upsert: true }).catch(() => undefined);
    return doc;
  }
  throw new Error(`Audit trail: no free sequence number after ${MAX_ATTEMPTS} attempts`);
}

/** Null when `doc` is stored (by this call or a retry of it), else the end of the chain to try again on. */
async function insertOrNextHead(c: Collections, doc: AuditDoc, head: Head): Promise<Head | null> {
  try {
    await c.entries.insertOne(doc);
    return null;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  const hint = await readHint(c);
  if (hint?.hash !== undefined && hint.seq > head.seq) return { seq: hint.seq, hash: hint.hash };
  // The head lags: read the trail itself. The driver retries an insert whose answer was lost, so
  // the entry in our place may be our own.
  const taken = await c.entries.findOne({ _id: doc._id }, { projection: { hash: 1 } });
  if (taken?.hash === doc.hash) return null;
  return walkToEnd(c, taken ? { seq: taken._id, hash: taken.hash } : head);
}

async function walkToEnd(c: Collections, from: Head): Promise<Head> {
  let head = from;
  for (;;) {
    const next = await c.entries.findOne({ _id: head.seq + 1 }, { projection: { hash: 1 } });
    if (!next) return head;
    head = { seq: next._id, hash: next.hash };
  }
}

const readHint = (c: Collections) => c.hint.findOne({ _id: 'head' });

/** Where a process starts appending: the announced head, else (no hint, or one without its hash) the trail's end. */
async function sharedHead(c: Collections): Promise<Head> {
  const hint = await readHint(c);
  if (hint?.hash !== undefined) return { seq: hint.seq, hash: hint.hash };
  if (hint) {
    const entry = await c.entries.findOne({ _id: hint.seq }, { projection: { hash: 1 } });
    if (entry) return walkToEnd(c, { seq: entry._id, hash: entry.hash });
  }
  // `$gte: 1` keeps to numeric ids (BSON compares numbers with numbers only).
  const [last] = await c.entries.find({ _id: { $gte: 1 } }, { projection: { hash: 1 } }).sort({ _id: -1 }).limit(1).toArray();
  const end = last ? { seq: last._id, hash: last.hash } : { seq: 0, hash: AUDIT_GENESIS };
  // The hint names an entry that is gone: the end of the trail was cut off. Appending after the
  // hint keeps that gap for verification to report, instead of quietly refilling it.
  return hint && hint.seq > end.seq ? { seq: hint.seq, hash: end.hash } : end;
}

export async function getAuditEntry(store: AuditStore, seq: number): Promise<AuditDoc | null> {
  const c = await collections(store.db);
  return c.entries.findOne({ _id: seq });
}

/** The highest sequence number appenders have announced (may lag behind the real end). */
export async function auditHeadHint(store: AuditStore): Promise<number | null> {
  const c = await collections(store.db);
  return (await c.hint.findOne({ _id: 'head' }))?.seq ?? null;
}

/**
 * Entries in sequence order. Without a range, every document of the collection (foreign ones
 * with non-numeric ids come last), so that verification sees anything slipped in.
 */
export async function* auditEntriesInOrder(store: AuditStore, range: { from?: number; to?: number } = {}): AsyncGenerator<AuditDoc> {
  const c = await collections(store.db);
  const ranged = range.from !== undefined || range.to !== undefined;
  const idRange = { $gte: range.from ?? 1, ...(range.to !== undefined ? { $lte: range.to } : {}) };
  yield* c.entries.find(ranged ? { _id: idRange } : {}).sort({ _id: 1 }).batchSize(1_000);
}

export interface AuditQuery {
  from?: Date;
  to?: Date;
  /** UPN, object id or system name. */
  actor?: string;
  action?: string;
  archiveId?: string;
  /** Entries before this sequence number (paging, newest first). */
  before?: number;
  limit: number;
}

/** Newest first. Scans the trail on FerretDB; an administrator's occasional query, not a hot path. */
export async function findAuditEntries(store: AuditStore, q: AuditQuery): Promise<AuditDoc[]> {
  const c = await collections(store.db);
  const filter: mongo.Filter<AuditDoc> = { _id: q.before !== undefined ? { $gte: 1, $lt: q.before } : { $gte: 1 } };
  if (q.from || q.to) filter.at = { ...(q.from ? { $gte: q.from } : {}), ...(q.to ? { $lte: q.to } : {}) };
  if (q.action) filter.action = q.action;
  if (q.archiveId) filter.archiveId = q.archiveId;
  if (q.actor) {
    filter.$or = [{ 'actor.upn': q.actor.toLowerCase() }, { 'actor.oid': q.actor }, { 'actor.system': q.actor }] as mongo.Filter<AuditDoc>[];
  }
  return c.entries.find(filter).sort({ _id: -1 }).limit(q.limit).toArray();
}

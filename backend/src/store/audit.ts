import type { mongo } from 'mongoose';
import type { Store } from './connection';
import { isDuplicateKey } from './insert-once';

/**
 * Storage of the audit trail (MISSION M13): an append-only hash chain. The sequence number is
 * the `_id`, so on FerretDB, whose updates are unlocked read-modify-writes, the contested step
 * (who appends entry n) is decided by an insert: a second insert of `_id: n` fails with E11000,
 * and its writer re-reads the chain and tries n+1 on top of the winner. The chain cannot fork
 * (one entry per n) and no entry is lost (the loser retries or throws into its request).
 *
 * Finding the head by sorting would scan the whole trail on FerretDB (only `_id` equality is
 * indexed), so appenders walk forward by `_id` from a head they know: the further of their own
 * last append and the hint in `audit_head` (a hint only: it may lag, never lead, and its hash is
 * never trusted; the entry it names is read), else one sorted query per process. An append
 * costs four `_id` operations (≈6 ms on FerretDB): hint, probe for n+1, insert, hint.
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
  let head = await startingHead(c, knownHeads.get(db));
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    head = await walkToEnd(c, head);
    const doc = seal(head.seq + 1, head.hash);
    if (!(await inserted(c, doc))) continue;
    knownHeads.set(db, { seq: doc._id, hash: doc.hash });
    // Only a hint: the entry is stored, so a failure here must not fail the audited request.
    await c.hint.updateOne({ _id: 'head' }, { $max: { seq: doc._id } }, { upsert: true }).catch(() => undefined);
    return doc;
  }
  throw new Error(`Audit trail: no free sequence number after ${MAX_ATTEMPTS} attempts`);
}

async function inserted(c: Collections, doc: AuditDoc): Promise<boolean> {
  try {
    await c.entries.insertOne(doc);
    return true;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    // The driver retries an insert whose answer was lost; the duplicate may be our own entry.
    const taken = await c.entries.findOne({ _id: doc._id }, { projection: { hash: 1 } });
    return taken?.hash === doc.hash;
  }
}

async function walkToEnd(c: Collections, from: Head): Promise<Head> {
  let head = from;
  for (;;) {
    const next = await c.entries.findOne({ _id: head.seq + 1 }, { projection: { hash: 1 } });
    if (!next) return head;
    head = { seq: next._id, hash: next.hash };
  }
}

/** The furthest of this process's last append and the shared hint, so that walks stay short. */
async function startingHead(c: Collections, known: Head | undefined): Promise<Head> {
  const hint = await c.hint.findOne({ _id: 'head' });
  if (known && (!hint || hint.seq <= known.seq)) return known;
  if (hint) {
    const entry = await c.entries.findOne({ _id: hint.seq }, { projection: { hash: 1 } });
    if (entry) return { seq: entry._id, hash: entry.hash };
  }
  if (known) return known;
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

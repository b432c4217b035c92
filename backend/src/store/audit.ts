import type { mongo } from 'mongoose';
import type { Store } from './connection';
import { createIndexesOf } from './collection-repair';
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
 * `_id`. Steady state: two writes per group of appends made at once (insert, head), no reads.
 * On MongoDB the same two writes are index operations; the design costs nothing there.
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
/** Entries one group commit writes at most (one insert command). */
const MAX_GROUP = 256;
const ready = new WeakMap<mongo.Db, Promise<Collections>>();
const knownHeads = new WeakMap<mongo.Db, Head>();

type Seal = (seq: number, prev: string) => AuditDoc;
interface Waiting {
  seal: Seal;
  resolve: (doc: AuditDoc) => void;
  reject: (err: unknown) => void;
}
/** Per connection: appends waiting for the next group commit, and whether one is being written. */
const groups = new WeakMap<mongo.Db, { waiting: Waiting[]; writing: boolean }>();

/** FerretDB 1.24 accepts these but ignores them; they serve MongoDB's audit queries. */
function collections(db: mongo.Db): Promise<Collections> {
  let c = ready.get(db);
  if (!c) {
    c = (async () => {
      await createIndexesOf(db, 'audit', [
        { key: { at: -1 }, name: 'by_time' },
        { key: { action: 1, _id: -1 }, name: 'by_action' },
        { key: { 'actor.oid': 1, _id: -1 }, name: 'by_actor' },
        { key: { 'actor.upn': 1, _id: -1 }, name: 'by_actor_upn' },
        { key: { archiveId: 1, _id: -1 }, name: 'by_archive' },
      ]);
      return { entries: db.collection<AuditDoc>('audit'), hint: db.collection<HeadHint>('audit_head') };
    })();
    ready.set(db, c);
    c.catch(() => ready.delete(db));
  }
  return c;
}

/**
 * Appends the entry `seal(seq, prevHash)` at the end of the chain and returns it once stored.
 * Appends of one process are written by group commit: whatever arrives while one group is being
 * written is sealed as a run of consecutive entries (each linked to the one before) and written
 * with one insert and one head update, so that audited calls at once (users searching together)
 * do not queue behind each other's round trips. Processes collide on the insert and retry.
 */
export function appendAuditEntry(store: AuditStore, seal: Seal): Promise<AuditDoc> {
  let group = groups.get(store.db);
  if (!group) groups.set(store.db, (group = { waiting: [], writing: false }));
  const appended = new Promise<AuditDoc>((resolve, reject) => group.waiting.push({ seal, resolve, reject }));
  void writeGroups(store.db, group);
  return appended;
}

async function writeGroups(db: mongo.Db, group: { waiting: Waiting[]; writing: boolean }): Promise<void> {
  if (group.writing) return;
  group.writing = true;
  try {
    // The first group starts after this turn of the event loop: appends made together share it.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (group.waiting.length > 0) {
      const run = group.waiting.splice(0, MAX_GROUP);
      try {
        const docs = await appendRun(db, run.map((w) => w.seal));
        run.forEach((w, i) => w.resolve(docs[i]!));
      } catch (err) {
        for (const w of run) w.reject(err);
      }
    }
  } finally {
    group.writing = false;
  }
}

/** Stores the entries of `seals` as consecutive entries at the end of the chain, in order. */
async function appendRun(db: mongo.Db, seals: Seal[]): Promise<AuditDoc[]> {
  const c = await collections(db);
  let head = knownHeads.get(db) ?? (await sharedHead(c));
  const stored: AuditDoc[] = [];
  for (let attempt = 1; attempt <= MAX_ATTEMPTS && stored.length < seals.length; attempt++) {
    const docs = sealRun(seals.slice(stored.length), head);
    const { count, next } = await insertRun(c, docs, head);
    stored.push(...docs.slice(0, count));
    if (count > 0) head = { seq: docs[count - 1]!._id, hash: docs[count - 1]!.hash };
    if (next) head = next;
  }
  if (stored.length < seals.length) throw new Error(`Audit trail: no free sequence number after ${MAX_ATTEMPTS} attempts`);
  const last = stored.at(-1)!;
  knownHeads.set(db, { seq: last._id, hash: last.hash });
  // Only a hint: the entries are stored, so a failure here must not fail the audited requests. The
  // filter keeps it from moving back (an upsert that matches nothing fails on the `_id`: ignored).
  await c.hint.updateOne({ _id: 'head', seq: { $lt: last._id } }, { $set: { seq: last._id, hash: last.hash } }, { upsert: true }).catch(() => undefined);
  return stored;
}

function sealRun(seals: Seal[], head: Head): AuditDoc[] {
  const docs: AuditDoc[] = [];
  let prev = head;
  for (const seal of seals) {
    const doc = seal(prev.seq + 1, prev.hash);
    docs.push(doc);
    prev = { seq: doc._id, hash: doc.hash };
  }
  return docs;
}

/**
 * Inserts `docs` in order (an ordered insert stops at the first taken number). `count`: how many
 * of them are stored; `next`: when one was taken by another appender, the end of the chain to
 * seal the rest on.
 */
async function insertRun(c: Collections, docs: AuditDoc[], head: Head): Promise<{ count: number; next: Head | null }> {
  let taken: number;
  try {
    await c.entries.insertMany(docs, { ordered: true });
    return { count: docs.length, next: null };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    taken = firstFailed(err);
  }
  const doc = docs[taken]!;
  const before = taken > 0 ? { seq: docs[taken - 1]!._id, hash: docs[taken - 1]!.hash } : head;
  const hint = await readHint(c);
  if (hint?.hash !== undefined && hint.seq > before.seq) return { count: taken, next: { seq: hint.seq, hash: hint.hash } };
  // The head lags: read the trail itself. The driver retries an insert whose answer was lost, so
  // the entry in our place may be our own.
  const there = await c.entries.findOne({ _id: doc._id }, { projection: { hash: 1 } });
  if (there?.hash === doc.hash) return { count: taken + 1, next: null };
  return { count: taken, next: await walkToEnd(c, there ? { seq: there._id, hash: there.hash } : before) };
}

/** Which document of an ordered insert failed: the ones before it are stored. */
function firstFailed(err: unknown): number {
  const e = err as { writeErrors?: { index?: number } | { index?: number }[]; result?: { insertedCount?: number } };
  const first = Array.isArray(e.writeErrors) ? e.writeErrors[0] : e.writeErrors;
  return first?.index ?? e.result?.insertedCount ?? 0;
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

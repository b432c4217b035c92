import { Schema, type Connection, type mongo } from 'mongoose';
import { modelFor } from './model';
import { insertManyOnce, insertOnce } from './insert-once';

/**
 * What the journal gateway received and what became of it. Every collection here is keyed so
 * that a retried step is an E11000, never a second document, and the hot path only inserts and
 * finds by `_id`: FerretDB 1.24 runs any update or delete, even by `_id`, as a scan of the
 * whole collection (measured 165-185 ms at 3,000 spooled reports), but inserts and `_id` finds
 * stay at a few milliseconds.
 *  - `journal_spool`: accepted reports, written before the SMTP 250. A processed report gets a
 *    marker in `journal_spool_done` (an insert); the maintenance sweep deletes processed ones in
 *    bulk, so the spool stays about as small as the backlog;
 *  - `journal_spool_held`: reports that waited for an enabled profile (an insert per hold);
 *  - journal-records.ts: reports, quarantine, pending addresses.
 */

/** How the report reached the gateway (for the administrator and for tracing a sender). */
export interface SmtpTrace {
  sessionId: string;
  remoteAddress: string;
  clientHostname: string;
  helo: string;
  mailFrom: string;
  rcptTo: string[];
  secure: boolean;
  /** The journal mailbox the session authenticated as, if it did. */
  user: string | null;
}

/**
 * The report's bytes: inline up to INLINE_LIMIT (`raw` in clear, or `sealed` under encryption at
 * rest: BlobStore.seal), else in the blob store under `sha256`.
 */
export interface StoredBytes {
  /** The report's blob id (BlobStore.identify): its SHA-256, or a keyed hash of it under encryption at rest. */
  sha256: string;
  size: number;
  raw: Buffer | null;
  sealed?: Buffer | null;
}

export interface SpoolDoc extends StoredBytes {
  _id: string;
  mailbox: string;
  receivedAt: Date;
  smtp: SmtpTrace;
  /** The key of the job queued for the batch this report was spooled in (the sweep looks for it). */
  jobKey: string;
}

/** BSON documents end at 16 MB; above this the bytes go to GridFS. */
export const INLINE_LIMIT = 8 * 1024 * 1024;

export const smtpTrace = { sessionId: String, remoteAddress: String, clientHostname: String, helo: String, mailFrom: String, rcptTo: [String], secure: Boolean, user: String };

const spoolSchema = new Schema<SpoolDoc>(
  { _id: String, mailbox: String, receivedAt: Date, sha256: String, size: Number, raw: Buffer, sealed: Buffer, smtp: smtpTrace, jobKey: String },
  { versionKey: false, autoIndex: false, collection: 'journal_spool', minimize: false },
);
spoolSchema.index({ receivedAt: 1 });
const spool = modelFor<SpoolDoc>('JournalSpool', spoolSchema);

/** Buffers come back as Buffers (not BSON Binary) from the driver with this option. */
export const READ = { promoteBuffers: true } as const;
const DURABLE: mongo.BulkWriteOptions = { writeConcern: { w: 'majority', j: true } };
/** The driver types `_id` as an ObjectId; these collections use string ids. */
export const byId = (id: string) => ({ _id: id }) as unknown as mongo.Filter<mongo.Document>;

/**
 * The durability point of the gateway: the SMTP 250s are sent only after this resolves, with a
 * majority, journaled write concern (MongoDB waits for the journal; FerretDB commits to SQLite).
 * One command for a batch of reports (group commit): on FerretDB one insert costs about as much
 * as ten in one command.
 */
export async function insertSpoolBatch(conn: Connection, docs: SpoolDoc[]): Promise<void> {
  await spool(conn).collection.insertMany(docs as unknown as mongo.Document[], { ...DURABLE, ordered: false });
  recentOf(conn).remember(docs);
}

/** Bytes of reports the process keeps after spooling them, and the largest report it keeps. */
const RECENT_BYTES = 16 * 1024 * 1024;
const RECENT_REPORT_BYTES = 1024 * 1024;

/**
 * Reports this process spooled that no worker of it has read yet, so that a worker in the same
 * process (the default deployment) takes them from memory. On FerretDB 1.24 a find by `$in`
 * decodes every document of the spool in Go, and under a burst the spool holds the whole
 * backlog: at a 1,000-report burst 48 such finds took 65 s of round trips, the largest share of
 * the database's time. The spool stays the truth: a report not held here (spooled by another
 * process, evicted, read once already by an attempt that failed) is read from it. Spool
 * documents are never updated, so the one held is the one stored.
 */
class RecentSpool {
  private readonly docs = new Map<string, SpoolDoc>();
  private bytes = 0;

  remember(docs: readonly SpoolDoc[]): void {
    for (const doc of docs) {
      const size = bytesOf(doc);
      if (size > RECENT_REPORT_BYTES || this.docs.has(doc._id)) continue;
      this.docs.set(doc._id, doc);
      this.bytes += size;
    }
    for (const [id, doc] of this.docs) {
      if (this.bytes <= RECENT_BYTES) break;
      this.forget(id, doc);
    }
  }

  peek(id: string): SpoolDoc | undefined {
    return this.docs.get(id);
  }

  take(id: string): SpoolDoc | undefined {
    const doc = this.docs.get(id);
    if (doc) this.forget(id, doc);
    return doc;
  }

  forget(id: string, doc = this.docs.get(id)): void {
    if (!doc) return;
    this.docs.delete(id);
    this.bytes -= bytesOf(doc);
  }
}

const bytesOf = (doc: StoredBytes) => (doc.raw ?? doc.sealed)?.length ?? 0;
const recent = new WeakMap<Connection, RecentSpool>();
function recentOf(conn: Connection): RecentSpool {
  let r = recent.get(conn);
  if (!r) recent.set(conn, (r = new RecentSpool()));
  return r;
}

export async function getSpool(conn: Connection, id: string): Promise<SpoolDoc | null> {
  return (await spool(conn).collection.findOne(byId(id), READ)) as SpoolDoc | null;
}

const byIds = (ids: readonly string[]) => ({ _id: { $in: ids } }) as unknown as mongo.Filter<mongo.Document>;

/**
 * The sizes of a job's spooled reports, without their bytes (from memory where this process
 * holds them, the rest in one command): so that they are read in rounds that fit in memory.
 * Missing ones were processed and purged already.
 */
export function spoolSizes(conn: Connection, ids: readonly string[]): Promise<Map<string, number>> {
  const kept = recentOf(conn);
  return readSpools(conn, ids, (id) => kept.peek(id)?.size, { projection: { size: 1 } }, (d) => Number(d.size));
}

/**
 * Spooled reports with their bytes: those this process holds (RecentSpool, then let go), the
 * rest in one command: FerretDB answers `$in` with one scan of the spool (which stays about as
 * small as the backlog), where a find per report costs a scan each; MongoDB serves both from
 * the `_id` index.
 */
export function getSpools(conn: Connection, ids: readonly string[]): Promise<Map<string, SpoolDoc>> {
  const kept = recentOf(conn);
  return readSpools(conn, ids, (id) => kept.take(id), READ, (d) => d);
}

/** What `held` answers from memory, and the rest of `ids` in one `$in` find; missing ones are left out. */
async function readSpools<T>(conn: Connection, ids: readonly string[], held: (id: string) => T | undefined, options: mongo.FindOptions, value: (doc: SpoolDoc) => T): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  for (const id of ids) {
    const v = held(id);
    if (v !== undefined) out.set(id, v);
  }
  const rest = ids.filter((id) => !out.has(id));
  if (rest.length === 0) return out;
  for (const d of (await spool(conn).collection.find(byIds(rest), options).toArray()) as unknown as SpoolDoc[]) out.set(String(d._id), value(d));
  return out;
}

interface SpoolMark {
  _id: string;
  at: Date;
  mailbox: string;
}
const markSchema = (collection: string) =>
  new Schema<SpoolMark>({ _id: String, at: Date, mailbox: String }, { versionKey: false, autoIndex: false, collection });
const done = modelFor<SpoolMark>('JournalSpoolDone', markSchema('journal_spool_done'));
const held = modelFor<SpoolMark>('JournalSpoolHeld', markSchema('journal_spool_held'));

/** The reports are processed for good; the sweep removes them from the spool later. */
export async function markSpoolsDone(conn: Connection, spooled: Pick<SpoolDoc, '_id' | 'mailbox'>[]): Promise<void> {
  const at = new Date();
  await insertManyOnce(done(conn).collection, spooled.map((s) => ({ _id: s._id, at, mailbox: s.mailbox })));
}

/**
 * Which of `ids` are processed already: one command for a batch. The markers are small and
 * purged every sweep, so even a scan of them (FerretDB's `$in`) is cheap.
 */
export async function doneSpoolIds(conn: Connection, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const found = await done(conn).collection.find({ _id: { $in: ids } } as unknown as mongo.Filter<mongo.Document>, { projection: { _id: 1 } }).toArray();
  return new Set(found.map((d) => String(d._id)));
}

/** Waits for an enabled profile; held once however often it is tried meanwhile. */
export async function holdSpool(conn: Connection, spooled: Pick<SpoolDoc, '_id' | 'mailbox'>): Promise<void> {
  await insertOnce(held(conn).collection, { _id: spooled._id, at: new Date(), mailbox: spooled.mailbox });
}

export type SpoolSummary = Omit<SpoolDoc, 'raw' | 'sealed'> & { heldAt: Date | null };

/** The backlog without its bytes, oldest first: spooled, not yet processed. */
export async function listSpool(conn: Connection, filter: { mailbox?: string; held?: boolean } = {}, limit = 1000): Promise<SpoolSummary[]> {
  const [doneIds, heldMarks] = await Promise.all([markIds(done(conn)), held(conn).find(filter.mailbox ? { mailbox: filter.mailbox } : {}).lean<SpoolMark[]>()]);
  const heldAt = new Map(heldMarks.map((m) => [m._id, m.at]));
  const q = filter.mailbox ? { mailbox: filter.mailbox } : {};
  const out: SpoolSummary[] = [];
  for (const doc of await spool(conn).find(q, { raw: 0, sealed: 0 }).sort({ receivedAt: 1 }).lean<Omit<SpoolDoc, 'raw' | 'sealed'>[]>()) {
    if (doneIds.has(doc._id)) continue;
    const at = heldAt.get(doc._id) ?? null;
    if (filter.held !== undefined && filter.held !== (at !== null)) continue;
    out.push({ ...doc, heldAt: at });
    if (out.length >= limit) break;
  }
  return out;
}

/** Reports spooled and not yet processed (held ones included). */
export async function countSpool(conn: Connection): Promise<number> {
  const [all, finished] = await Promise.all([spool(conn).countDocuments({}), done(conn).countDocuments({})]);
  return Math.max(0, all - finished);
}

/**
 * Deletes processed reports from the spool, many per command (each delete is a scan on
 * FerretDB), then their markers; a crash in between leaves markers the next sweep removes.
 */
export async function purgeProcessedSpool(conn: Connection): Promise<number> {
  const ids = [...(await markIds(done(conn)))];
  const kept = recentOf(conn);
  for (const id of ids) kept.forget(id);
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    await spool(conn).deleteMany({ _id: { $in: chunk } });
    await held(conn).deleteMany({ _id: { $in: chunk } });
    await done(conn).deleteMany({ _id: { $in: chunk } });
  }
  return ids.length;
}

async function markIds(model: ReturnType<typeof done>): Promise<Set<string>> {
  return new Set((await model.find({}, { _id: 1 }).lean<{ _id: string }[]>()).map((d) => d._id));
}

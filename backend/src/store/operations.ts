import type { mongo } from 'mongoose';
import type { Store } from './connection';
import { databasesOf, isFerretDB } from './server-kind';

/**
 * Figures about the deployment as a whole, for the metrics' gauges, the operations dashboard and
 * the admin CLI. Each is one aggregate or a read of a small collection (the active jobs, the runs
 * of the newest runs), never a walk over messages; only the database's size reads the page counts
 * of every collection on FerretDB, and is kept for minutes (latestDatabaseSize).
 */

/** Runs by status. */
export async function runCounts(db: mongo.Db): Promise<Record<string, number>> {
  const rows = await db.collection('runs').aggregate<{ _id: string; n: number }>([{ $group: { _id: '$status', n: { $sum: 1 } } }]).toArray();
  return Object.fromEntries(rows.map((r) => [r._id, r.n]));
}

export interface JobCount {
  type: string;
  status: 'queued' | 'running';
  /** Queued ones whose time has come (retries wait for theirs). */
  due: number;
  count: number;
}

/** Unfinished jobs by type and status, from the small collection of active job states (store/jobs.ts). */
export async function jobCounts(db: mongo.Db, now = new Date()): Promise<JobCount[]> {
  const active = await db
    .collection<{ type: string; status: string; runAt: Date }>('job_active')
    .find({ status: { $in: ['queued', 'running'] } }, { projection: { type: 1, status: 1, runAt: 1 } })
    .toArray();
  const counts = new Map<string, JobCount>();
  for (const job of active) {
    const key = `${job.type}\0${job.status}`;
    const c = counts.get(key) ?? { type: job.type, status: job.status as JobCount['status'], due: 0, count: 0 };
    c.count += 1;
    if (job.status === 'queued' && job.runAt <= now) c.due += 1;
    counts.set(key, c);
  }
  return [...counts.values()].sort((a, b) => a.type.localeCompare(b.type) || a.status.localeCompare(b.status));
}

/**
 * Messages a crawl owes (store/pending.ts), due now or waiting out their retry back-off: an owed
 * message is backlog either way, and one in back-off must not drop out of sight.
 */
export async function owedMessages(db: mongo.Db): Promise<number> {
  return db.collection('pending_items').countDocuments({});
}

/** Mailboxes that owe messages: how many mailboxes are behind. */
export async function mailboxesBehind(db: mongo.Db): Promise<number> {
  return (await db.collection('pending_items').distinct('mailboxId', {})).length;
}

export interface DatabaseSize {
  /** Documents, indexes and free space as the server counts them (dbStats). */
  totalBytes: number;
  dataBytes: number;
  indexBytes: number;
}

/**
 * The size of the store's databases (server-kind.ts `databasesOf`), one after the other, read
 * without refreshing statistics. FerretDB 1.24 answers dbStats (and collStats) by first running
 * SQLite's ANALYZE over every table, which holds the database's one write lock for as long as
 * reading all of it takes: in a full-size archive benchmark, the metrics' read of the size (every
 * 5 minutes while scraped) stalled every write past FerretDB's 10 s busy timeout, and the crawls
 * failed with SQLITE_BUSY and started again. Its `$collStats` stage reads the same page counts
 * without ANALYZE, one collection at a time. MongoDB answers dbStats from counters it keeps.
 */
export async function databaseSize(store: Pick<Store, 'db' | 'searchDb'>): Promise<DatabaseSize> {
  const sizes: DatabaseSize[] = [];
  for (const db of databasesOf(store)) sizes.push(await sizeOf(db));
  const sum = (key: keyof DatabaseSize) => sizes.reduce((n, size) => n + size[key], 0);
  return { totalBytes: sum('totalBytes'), dataBytes: sum('dataBytes'), indexBytes: sum('indexBytes') };
}

async function sizeOf(db: mongo.Db): Promise<DatabaseSize> {
  if (await isFerretDB(db)) return sizeByCollection(db);
  const stats = await db.command({ dbStats: 1 });
  const dataBytes = toNumber(stats.storageSize ?? stats.dataSize);
  const indexBytes = toNumber(stats.indexSize);
  return { totalBytes: toNumber(stats.totalSize) || dataBytes + indexBytes, dataBytes, indexBytes };
}

/** How old a size `latestDatabaseSize` answers with may be. */
export const SIZE_EVERY_MS = 5 * 60_000;
const sizes = new WeakMap<mongo.Db, { at: number; last: DatabaseSize | null; reading: Promise<DatabaseSize> | null }>();

/**
 * The size as last read, read again once it is SIZE_EVERY_MS old, in the background, and never
 * twice at once: on FerretDB a read visits every page of the database (seconds for a few GB), and
 * a scrape each second (or dashboards open in several tabs) started reads faster than they ended,
 * which kept FerretDB's cores busy until a full-size archive run crawled at a dozen messages a
 * second. Only a first read (or one after a failure) is waited for.
 */
export function latestDatabaseSize(store: Pick<Store, 'db' | 'searchDb'>): Promise<DatabaseSize> {
  const c = sizes.get(store.db) ?? { at: 0, last: null, reading: null };
  sizes.set(store.db, c);
  if (!c.reading && (c.last === null || Date.now() - c.at > SIZE_EVERY_MS)) {
    c.at = Date.now();
    const reading = databaseSize(store).then((size) => (c.last = size));
    c.reading = reading;
    void reading.catch(() => undefined).finally(() => (c.reading = null));
  }
  return c.last ? Promise.resolve(c.last) : c.reading!;
}

async function sizeByCollection(db: mongo.Db): Promise<DatabaseSize> {
  let dataBytes = 0;
  let indexBytes = 0;
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    const stats = await storageStats(db, name);
    dataBytes += toNumber(stats?.storageStats?.storageSize);
    indexBytes += toNumber(stats?.storageStats?.totalIndexSize);
  }
  return { totalBytes: dataBytes + indexBytes, dataBytes, indexBytes };
}

/** One collection's `$collStats` storage figures: on FerretDB, its page counts without ANALYZE. */
async function storageStats(db: mongo.Db, name: string) {
  const [stats] = await db.collection(name).aggregate<{ storageStats?: { storageSize?: number; totalIndexSize?: number } }>([{ $collStats: { storageStats: {} } }]).toArray();
  return stats;
}

/**
 * A collection's data bytes as collStats counts them (`size`: BSON on MongoDB, pages on FerretDB),
 * read on FerretDB from `$collStats`, whose `storageSize` is the same figure without ANALYZE.
 */
export async function collectionDataBytes(db: mongo.Db, name: string): Promise<number> {
  if (await isFerretDB(db)) return toNumber((await storageStats(db, name))?.storageStats?.storageSize);
  return toNumber((await db.command({ collStats: name })).size);
}

const toNumber = (v: unknown) => Number(v ?? 0);

/** Compressed message bytes stored per UTC day (single-instance blobs by upload date), oldest first, every day present. */
export async function storedBytesPerDay(db: mongo.Db, days: number, now = new Date()): Promise<{ date: string; bytes: number; messages: number }[]> {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));
  const perDay = new Map<string, { bytes: number; messages: number }>();
  for (let i = 0; i < days; i++) perDay.set(new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10), { bytes: 0, messages: 0 });
  // Only dates and sizes travel: FerretDB has no date-to-string grouping.
  const cursor = db.collection('messages.files').find({ uploadDate: { $gte: start } }, { projection: { _id: 0, uploadDate: 1, 'metadata.storedSize': 1 } });
  for await (const doc of cursor) {
    const day = perDay.get((doc.uploadDate as Date).toISOString().slice(0, 10));
    if (!day) continue;
    day.bytes += Number((doc.metadata as { storedSize?: number } | undefined)?.storedSize ?? 0);
    day.messages += 1;
  }
  return [...perDay].map(([date, d]) => ({ date, ...d }));
}

export interface ProfileHealth {
  profileId: string;
  profileName: string;
  enabled: boolean;
  /** The newest run that ended, whatever its outcome. */
  lastRun: { runId: string; status: string; finishedAt: Date | null } | null;
  /** The newest run in which every mailbox was archived. */
  lastSuccess: { runId: string; finishedAt: Date | null } | null;
  /** Mailboxes that failed or timed out in the newest run that ended. */
  failingMailboxes: { upn: string; status: string; lastError: string | null }[];
}

const ENDED = ['succeeded', 'partial', 'failed', 'cancelled'];

/** Per profile: the newest ended run, the newest successful one, and what failed in the former. Two reads per profile. */
export async function profileHealth(db: mongo.Db): Promise<ProfileHealth[]> {
  const profiles = await db.collection<{ _id: string; name: string; enabled: boolean }>('profiles').find({}, { projection: { name: 1, enabled: 1 } }).sort({ name: 1 }).toArray();
  const runs = db.collection<{ _id: string; status: string; finishedAt: Date | null }>('runs');
  const newest = (profileId: string, statuses: string[]) =>
    runs.find({ profileId, status: { $in: statuses } }, { projection: { status: 1, finishedAt: 1 } }).sort({ createdAt: -1 }).limit(1).next();
  return Promise.all(
    profiles.map(async (p): Promise<ProfileHealth> => {
      const [last, success] = await Promise.all([newest(p._id, ENDED), newest(p._id, ['succeeded'])]);
      const failing = last && last.status !== 'succeeded' ? await failedMailboxes(db, last._id) : [];
      return {
        profileId: p._id,
        profileName: p.name,
        enabled: p.enabled,
        lastRun: last ? { runId: last._id, status: last.status, finishedAt: last.finishedAt } : null,
        lastSuccess: success ? { runId: success._id, finishedAt: success.finishedAt } : null,
        failingMailboxes: failing,
      };
    }),
  );
}

async function failedMailboxes(db: mongo.Db, runId: string): Promise<ProfileHealth['failingMailboxes']> {
  const rows = await db
    .collection<{ upn: string; status: string; recentErrors?: { reason: string }[] }>('run_mailboxes')
    .find({ runId, status: { $in: ['failed', 'timed-out'] } }, { projection: { upn: 1, status: 1, recentErrors: 1 } })
    .toArray();
  return rows.map((m) => ({ upn: m.upn, status: m.status, lastError: m.recentErrors?.at(-1)?.reason ?? null }));
}

/** Ids of every stored message blob, in id order (a cursor, not a list). */
export async function* blobIds(db: mongo.Db): AsyncGenerator<string> {
  for await (const doc of db.collection<{ _id: string }>('messages.files').find({}, { projection: { _id: 1 } }).sort({ _id: 1 })) yield doc._id;
}

export async function countBlobs(db: mongo.Db): Promise<number> {
  return db.collection('messages.files').countDocuments({});
}

/** The blobs archives hold items of. */
export async function referencedBlobIds(db: mongo.Db): Promise<string[]> {
  return (await db.collection('items').distinct('sha256')) as string[];
}

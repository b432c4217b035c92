import type { Connection } from 'mongoose';
import { MAILBOX_COUNTERS, type Run, type RunMailbox } from './runs';

/**
 * Figures for the administrators' dashboard. Each is one server-side aggregate or a bounded read:
 * no per-archive loops, so the cost grows with the collections, not with the number of archives.
 */

export interface StorageFigures {
  /** Messages held by archives (a message delivered to 50 archives counts 50 times). */
  items: number;
  /** Their size as if each copy were stored on its own. */
  itemBytes: number;
  /** Distinct messages stored (single-instance blobs). */
  messages: number;
  /** Original size of the distinct messages. */
  messageBytes: number;
  /** What the blobs take in the database after compression. */
  storedBytes: number;
  archiveUsers: number;
}

/** One accumulator per $group: FerretDB 1.24 computes only the first of several (the rest come back 0). */
async function sumOf(conn: Connection, collection: string, path: string): Promise<number> {
  const [row] = await conn.db!.collection(collection).aggregate([{ $group: { _id: null, total: { $sum: `$${path}` } } }]).toArray();
  return Number(row?.total ?? 0);
}

export async function storageFigures(conn: Connection): Promise<StorageFigures> {
  const db = conn.db!;
  // GridFS's own `length` is an int64, which FerretDB does not sum; the metadata holds the same figure as a number.
  const [items, itemBytes, messages, messageBytes, storedBytes, archiveUsers] = await Promise.all([
    db.collection('items').estimatedDocumentCount(),
    sumOf(conn, 'items', 'size'),
    db.collection('messages.files').estimatedDocumentCount(),
    sumOf(conn, 'messages.files', 'metadata.size'),
    sumOf(conn, 'messages.files', 'metadata.storedSize'),
    db.collection('archive_users').countDocuments({ status: 'active' }),
  ]);
  return { items, itemBytes, messages, messageBytes, storedBytes, archiveUsers };
}

/** Messages added to archives per UTC day, oldest first, every day of the window present. */
export async function archivedPerDay(conn: Connection, days: number, now = new Date()): Promise<{ date: string; count: number }[]> {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));
  const counts = new Map<string, number>();
  for (let i = 0; i < days; i++) counts.set(new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10), 0);
  // Only the dates travel: FerretDB has no date-to-string grouping, so days are counted here.
  const cursor = conn.db!.collection('items').find({ archivedAt: { $gte: start } }, { projection: { _id: 0, archivedAt: 1 } });
  for await (const doc of cursor) {
    const day = (doc.archivedAt as Date).toISOString().slice(0, 10);
    if (counts.has(day)) counts.set(day, counts.get(day)! + 1);
  }
  return [...counts].map(([date, count]) => ({ date, count }));
}

export type RecentRun = Pick<Run, '_id' | 'profileId' | 'profileName' | 'trigger' | 'status' | 'error' | 'mailboxCount' | 'createdAt' | 'startedAt' | 'finishedAt'> & {
  totals: Record<(typeof MAILBOX_COUNTERS)[number], number>;
  errorCount: number;
  recoveredErrors: number;
  /** Mailboxes that failed or timed out, or reported errors. */
  troubled: { upn: string; status: string; errorCount: number; lastError: string | null }[];
};

/** The newest runs with their totals, read in two queries whatever the number of runs and mailboxes. */
export async function recentRuns(conn: Connection, limit: number): Promise<RecentRun[]> {
  const runs = await conn.db!
    .collection<Run>('runs')
    .find({}, { projection: { settings: 0, directorySync: 0 } })
    .sort({ createdAt: -1 })
    .limit(limit)
    .toArray();
  if (runs.length === 0) return [];
  const mailboxes = await conn.db!
    .collection<RunMailbox>('run_mailboxes')
    .find({ runId: { $in: runs.map((r) => r._id) } }, { projection: { runId: 1, upn: 1, status: 1, errorCount: 1, recoveredErrors: 1, recentErrors: 1, ...Object.fromEntries(MAILBOX_COUNTERS.map((c) => [c, 1])) } })
    .toArray();
  return runs.map((run) => {
    const mine = mailboxes.filter((m) => m.runId === run._id);
    const totals = Object.fromEntries(MAILBOX_COUNTERS.map((c) => [c, mine.reduce((n, m) => n + (m[c] ?? 0), 0)])) as RecentRun['totals'];
    const troubled = mine
      .filter((m) => m.status === 'failed' || m.status === 'timed-out' || (m.errorCount ?? 0) > 0)
      .map((m) => ({ upn: m.upn, status: m.status, errorCount: m.errorCount ?? 0, lastError: m.recentErrors?.filter((e) => !e.recovered).at(-1)?.reason ?? null }));
    return {
      _id: run._id,
      profileId: run.profileId,
      profileName: run.profileName,
      trigger: run.trigger,
      status: run.status,
      error: run.error,
      mailboxCount: run.mailboxCount,
      createdAt: run.createdAt,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      totals,
      errorCount: mine.reduce((n, m) => n + (m.errorCount ?? 0), 0),
      recoveredErrors: mine.reduce((n, m) => n + (m.recoveredErrors ?? 0), 0),
      troubled,
    };
  });
}

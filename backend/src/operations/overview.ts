import type { Store } from '../store';
import { CODE_SCHEMA } from '../store/migrations';
import { liveProcesses, type ProcessDoc } from '../store/migrations/processes';
import { readSchema } from '../store/migrations/schema';
import { countSpool } from '../store/journal-spool';
import { latestDatabaseSize, jobCounts, mailboxesBehind, owedMessages, profileHealth, storedBytesPerDay, type DatabaseSize, type JobCount, type ProfileHealth } from '../store/operations';
import { storageFigures } from '../store/stats';

export interface Growth {
  /** Compressed message bytes stored per UTC day, oldest first (today so far last). */
  perDay: { date: string; bytes: number; messages: number }[];
  database: DatabaseSize;
  /**
   * Database growth per day: the mean of the window's whole days of stored message bytes, scaled
   * by what the database holds per stored byte (documents and indexes beside the blobs).
   */
  bytesPerDay: number;
  forecast: { days: number; totalBytes: number }[];
  /** The size the operator set (DATABASE_SIZE_LIMIT_GB) and the days until the database reaches it at this growth (null: it does not grow). */
  limit: { bytes: number; daysLeft: number | null } | null;
}

export interface OperationsOverview {
  backlog: { jobs: JobCount[]; waiting: number; running: number; owedMessages: number; mailboxesBehind: number; journalQueued: number };
  profiles: ProfileHealth[];
  growth: Growth;
  processes: Pick<ProcessDoc, '_id' | 'host' | 'release' | 'schema' | 'roles' | 'startedAt' | 'seenAt'>[];
  schema: { database: number | null; code: number; upgrading: number | null };
}

/** A process not heard of for this long is left out of the list. */
const PROCESS_STALE_MS = 30_000;

/** What the operations dashboard shows (Teams tab) and `npm run admin -- status` prints. */
export async function operationsOverview(store: Store, opts: { days: number; limitBytes?: number; now?: Date }): Promise<OperationsOverview> {
  const now = opts.now ?? new Date();
  const [jobs, owed, behind, journalQueued, profiles, growth, processes, schema] = await Promise.all([
    jobCounts(store.db, now),
    owedMessages(store.db),
    mailboxesBehind(store.db),
    countSpool(store.conn),
    profileHealth(store.db),
    growthOf(store, opts.days, now, opts.limitBytes),
    liveProcesses(store.db, new Date(now.getTime() - PROCESS_STALE_MS)),
    readSchema(store.db),
  ]);
  return {
    backlog: {
      jobs,
      waiting: jobs.reduce((n, j) => n + j.due, 0),
      running: jobs.reduce((n, j) => n + (j.status === 'running' ? j.count : 0), 0),
      owedMessages: owed,
      mailboxesBehind: behind,
      journalQueued,
    },
    profiles,
    growth,
    processes: processes.map(({ _id, host, release, schema: s, roles, startedAt, seenAt }) => ({ _id, host, release, schema: s, roles, startedAt, seenAt })),
    schema: { database: schema?.version ?? null, code: CODE_SCHEMA, upgrading: schema?.upgrading ?? null },
  };
}

async function growthOf(store: Store, days: number, now: Date, limitBytes?: number): Promise<Growth> {
  const [perDay, database, storage] = await Promise.all([storedBytesPerDay(store.db, days, now), latestDatabaseSize(store), storageFigures(store.conn)]);
  const whole = perDay.slice(0, -1);
  const meanBytes = whole.length > 0 ? whole.reduce((n, d) => n + d.bytes, 0) / whole.length : perDay.at(-1)?.bytes ?? 0;
  const perStoredByte = storage.storedBytes > 0 ? Math.max(1, database.totalBytes / storage.storedBytes) : 1;
  const bytesPerDay = Math.round(meanBytes * perStoredByte);
  const limit = limitBytes ? { bytes: limitBytes, daysLeft: bytesPerDay > 0 ? Math.max(0, Math.floor((limitBytes - database.totalBytes) / bytesPerDay)) : null } : null;
  return { perDay, database, bytesPerDay, forecast: [30, 90, 365].map((d) => ({ days: d, totalBytes: database.totalBytes + bytesPerDay * d })), limit };
}

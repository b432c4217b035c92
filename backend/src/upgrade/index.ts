import { setTimeout as sleep } from 'node:timers/promises';
import { startReindex } from '../jobs/reindex';
import { startWorker, type JobContext } from '../jobs/worker';
import type { Logger } from '../log';
import type { Store } from '../store';
import { enqueue, getJob, listJobs, type Job } from '../store/jobs';
import { FIRST_SCHEMA, MIGRATIONS, type Migration } from '../store/migrations';
import { liveLeaseOwners, liveProcesses } from '../store/migrations/processes';
import { holdsUnversionedData, initSchema, readSchema, recordVersion, setUpgrading, type SchemaDoc } from '../store/migrations/schema';

export const UPGRADE_JOB = 'schema-upgrade';

export class SchemaError extends Error {
  constructor(
    readonly code: 'DATABASE_NEWER' | 'DATABASE_OLDER' | 'UPGRADE_FAILED',
    message: string,
  ) {
    super(message);
    this.name = 'SchemaError';
  }
}

export interface UpgradeOptions {
  store: Store;
  log: Logger;
  /** This process's id in the registry (presence.ts): its leases are recognised as a new process's. */
  processId: string;
  migrations?: readonly Migration[];
  leaseMs?: number;
  pollMs?: number;
  /** A registered process silent this long counts as gone. */
  staleMs?: number;
}

/**
 * Brings the database to the schema of this code before the process does anything else, or
 * refuses to go on with a database a newer release has upgraded. One process migrates, the one
 * that holds the upgrade job's lease; every other process waits for the version, and takes the
 * lease over if the migrating one dies (migrations resume from the last recorded version). Before
 * migrating, the upgrade marks the database `upgrading` and waits until no process of older code
 * is alive: registered ones see the mark and stop (presence.ts); processes of the first release,
 * which never registered, are known by the job leases they renew and must be stopped by hand.
 */
export async function upgradeDatabase(opts: UpgradeOptions): Promise<{ from: number; to: number }> {
  const migrations = opts.migrations ?? MIGRATIONS;
  const target = migrations.at(-1)?.version ?? FIRST_SCHEMA;
  const { store, log } = opts;
  const pollMs = opts.pollMs ?? 1_000;
  const from = (await schemaOf(opts, target)).version;
  checkNotNewer((await readSchema(store.db))!, target);
  if (from >= target) return { from, to: target };

  const type = `${UPGRADE_JOB}:${target}`;
  const worker = startWorker({
    store,
    owner: `${opts.processId}/upgrade`,
    handlers: { [type]: (ctx) => migrate(ctx, opts, migrations, target) },
    leaseMs: opts.leaseMs,
    pollMs,
    retryBaseMs: pollMs,
    logger: log,
  });
  try {
    const job = await upgradeJob(store, type);
    for (;;) {
      const doc = (await readSchema(store.db))!;
      checkNotNewer(doc, target);
      if (doc.version >= target) {
        if (from < target) log.info({ from, to: target }, 'the database is at the schema of this release');
        return { from, to: target };
      }
      const state = await getJob(store, job._id);
      if (state?.status === 'failed' || state?.status === 'cancelled') {
        throw new SchemaError('UPGRADE_FAILED', `Upgrading the database from schema ${doc.version} to ${target} failed: ${state.error?.message ?? state.status}. Fix the cause and start the backend again: the upgrade resumes where it stopped.`);
      }
      await sleep(pollMs);
    }
  } finally {
    await worker.stop();
  }
}

/** The readiness probe: the database is at this code's schema and no newer release is upgrading it. */
export async function schemaReady(store: Store, target = MIGRATIONS.at(-1)?.version ?? FIRST_SCHEMA): Promise<void> {
  const doc = await readSchema(store.db);
  if (!doc) throw new Error('the database has no schema version');
  checkNotNewer(doc, target);
  if (doc.version < target) throw new Error(`the database is at schema ${doc.version}, being upgraded to ${target}`);
}

/** The version document, written first by whoever sees a database without one. */
async function schemaOf({ store, processId }: UpgradeOptions, target: number): Promise<SchemaDoc> {
  const doc = await readSchema(store.db);
  if (doc) return doc;
  const old = await holdsUnversionedData(store.db);
  await initSchema(store.db, old ? FIRST_SCHEMA : target, old ? 'data of the first release (no version document)' : 'a new database', processId);
  return (await readSchema(store.db))!;
}

function checkNotNewer(doc: SchemaDoc, target: number): void {
  const newest = Math.max(doc.version, doc.upgrading ?? 0);
  if (newest > target) {
    throw new SchemaError('DATABASE_NEWER', `The database is at schema ${newest}, written by a newer release; this release knows schema ${target} at most. Run the newer release (never an older one against an upgraded database).`);
  }
}

/** The unfinished upgrade job, or a new one (a failed one stays for the record and is tried anew). */
async function upgradeJob(store: Store, type: string): Promise<Job> {
  const jobs = await listJobs(store, { type, limit: 1000 });
  return jobs.find((j) => j.status === 'queued' || j.status === 'running') ?? enqueue(store, { type, key: `${type}#${jobs.length + 1}`, maxAttempts: 3 });
}

async function migrate(ctx: JobContext, opts: UpgradeOptions, migrations: readonly Migration[], target: number): Promise<unknown> {
  const { store, log } = opts;
  await setUpgrading(store.db, target);
  await waitForOlderProcesses(opts, target, ctx.signal);
  for (;;) {
    const doc = (await readSchema(store.db))!;
    if (doc.version >= target) break;
    const next = migrations.find((m) => m.version === doc.version + 1);
    if (!next) throw new Error(`No migration from schema ${doc.version} to ${doc.version + 1}`);
    ctx.signal.throwIfAborted();
    log.info({ version: next.version, migration: next.name }, 'migrating the database');
    const key = `v${next.version}`;
    await next.up({
      store,
      note: (message, fields) => log.info({ ...fields, version: next.version }, message),
      requestReindex: async () => void (await startReindex(store)),
      saved: (ctx.job.progress[key] as Record<string, unknown> | undefined) ?? {},
      progress: (values) => ctx.progress({ [key]: values }),
    });
    ctx.signal.throwIfAborted();
    await recordVersion(store.db, next.version, next.name, opts.processId);
  }
  await setUpgrading(store.db, null);
  return { schema: target };
}

async function waitForOlderProcesses(opts: UpgradeOptions, target: number, signal: AbortSignal): Promise<void> {
  const { store, log } = opts;
  const staleMs = opts.staleMs ?? 20_000;
  let toldAt = 0;
  for (;;) {
    const live = await liveProcesses(store.db, new Date(Date.now() - staleMs));
    const older = live.filter((p) => p.schema < target);
    const known = (owner: string) => owner.startsWith(`${opts.processId}/`) || live.some((p) => owner === p._id || owner.startsWith(`${p._id}/`));
    const strangers = (await liveLeaseOwners(store.db)).filter((owner) => !known(owner));
    if (older.length === 0 && strangers.length === 0) return;
    if (Date.now() - toldAt > 30_000) {
      toldAt = Date.now();
      log.warn(
        { older: older.map((p) => `${p._id} (release ${p.release}, schema ${p.schema})`), strangers },
        'the upgrade waits for processes of an older release to stop; those of the first release (job leases of unregistered owners) must be stopped by hand',
      );
    }
    await sleep(opts.pollMs ?? 1_000, undefined, { signal });
  }
}

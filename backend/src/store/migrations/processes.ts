import type { mongo } from 'mongoose';

/**
 * Every backend process (and admin CLI) registers here with the schema its code reads and
 * writes, and renews the entry while it lives: an upgrade waits until no process of older code
 * is alive, and the operations dashboard lists who runs what. Each process writes only its own
 * document, by `_id`.
 */
export interface ProcessDoc {
  _id: string;
  host: string;
  pid: number;
  release: string;
  schema: number;
  /** What it does: api, workers, smtp, cli. */
  roles: string[];
  startedAt: Date;
  seenAt: Date;
}

const processes = (db: mongo.Db) => db.collection<ProcessDoc>('processes');

export async function registerProcess(db: mongo.Db, doc: Omit<ProcessDoc, 'startedAt' | 'seenAt'>): Promise<void> {
  const now = new Date();
  await processes(db).replaceOne({ _id: doc._id }, { ...doc, startedAt: now, seenAt: now }, { upsert: true });
}

export async function touchProcess(db: mongo.Db, id: string): Promise<void> {
  await processes(db).updateOne({ _id: id }, { $set: { seenAt: new Date() } });
}

export async function removeProcess(db: mongo.Db, id: string): Promise<void> {
  await processes(db).deleteOne({ _id: id });
}

/** Processes seen since `since`; entries older than a day are removed on the way (crashed processes). */
export async function liveProcesses(db: mongo.Db, since: Date): Promise<ProcessDoc[]> {
  const all = await processes(db).find({}).sort({ startedAt: 1 }).toArray();
  const dead = all.filter((p) => p.seenAt.getTime() < Date.now() - 86_400_000).map((p) => p._id);
  if (dead.length > 0) await processes(db).deleteMany({ _id: { $in: dead } });
  return all.filter((p) => p.seenAt >= since);
}

/**
 * Owners of job leases that are still being renewed. A lease whose owner is no registered
 * process belongs to a release from before the registry, which cannot be told to stop.
 */
export async function liveLeaseOwners(db: mongo.Db, now = new Date()): Promise<string[]> {
  const leased = await db
    .collection<{ lease: { owner: string; until: Date } | null }>('job_active')
    .find({ status: 'running', 'lease.until': { $gt: now } }, { projection: { lease: 1 } })
    .toArray();
  return [...new Set(leased.flatMap((j) => (j.lease ? [j.lease.owner] : [])))];
}

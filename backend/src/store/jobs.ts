import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { mongo } from 'mongoose';
import type { Store } from './connection';
import { createIndexesOf } from './collection-repair';
import { leaseTakeovers } from '../metrics';
import { insertOnce, isDuplicateKey } from './insert-once';

/**
 * Jobs with leases, shared by every backend process through the database.
 *
 * Written for FerretDB 1.24 as much as for MongoDB. FerretDB runs an update as read → modify in
 * Go → write the whole document, with no lock in between, so a conditional findOneAndUpdate is
 * not atomic there (concurrent claimers all "win" one job) and concurrent $inc on a document
 * lose counts; and it uses no index for queries: a filter that is exactly `{ _id }` is scanned
 * in SQLite, any other decodes every document of the collection in Go. Hence:
 *  - contested steps are decided by inserts, which are atomic on both: leaving a claimable state
 *    (queued, or running with an expired lease) first inserts a claim whose id names that exact
 *    state (`jobId:seq:leaseUntil`); only its inserter writes the job; a cancel request is an
 *    insert into `job_cancels`, which the owner's heartbeat reads;
 *  - the claim state of unfinished jobs lives in the small `job_active` collection (scanned by
 *    claimers); `jobs` keeps every job and is written by `_id` only. The dedupe key is the `_id`;
 *  - counts that children add to a parent go to one document per child (`job_counts`), are
 *    added up on read and folded into the parent when it finishes.
 * Each document has one writer at a time: the claim winner, then the lease owner, whose own
 * writes the worker serialises.
 */

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
const FINISHED: JobStatus[] = ['succeeded', 'failed', 'cancelled'];
const UNFINISHED: JobStatus[] = ['queued', 'running'];

export interface JobError {
  message: string;
  code?: string;
  /** DATABASE_UNAVAILABLE: when the job's time without the database began (jobs/worker.ts). */
  since?: Date;
}

export interface Job {
  /** The dedupe key when one was given, else a random id. */
  _id: string;
  type: string;
  /** Same as `_id`: enqueueing an existing key returns that job. */
  key: string;
  payload: Record<string, unknown>;
  status: JobStatus;
  runAt: Date;
  priority: number;
  /** Starts so far, takeovers included (a graceful stop gives its start back). */
  attempts: number;
  maxAttempts: number;
  /** Bumped by every claim; with the owner it fences a lease against an older one. */
  seq: number;
  lease: { owner: string; until: Date } | null;
  cancelRequested: boolean;
  progress: Record<string, unknown>;
  result: unknown;
  error: JobError | null;
  parentId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  heartbeatAt: Date | null;
}

/** Proof of one particular claim; every write of a running job is guarded by it. */
export interface Claim {
  jobId: string;
  owner: string;
  seq: number;
}

export interface EnqueueInput {
  type: string;
  payload?: Record<string, unknown>;
  key?: string;
  runAt?: Date;
  priority?: number;
  parentId?: string | null;
  maxAttempts?: number;
}

export interface ProgressUpdate {
  /** Paths inside `progress` (dots for nesting) and their new values. */
  set?: Record<string, unknown>;
  /** Paths inside `progress` and the amounts to add. */
  inc?: Record<string, number>;
}

export type JobStore = Pick<Store, 'db'>;
/** What a worker needs: the jobs, and the path its heartbeats take (connection.ts `renewals`). */
export type WorkerStore = Pick<Store, 'db' | 'renewals'>;

const ACTIVE_FIELDS = ['type', 'parentId', 'status', 'runAt', 'priority', 'seq', 'attempts', 'maxAttempts', 'lease', 'error', 'startedAt', 'heartbeatAt', 'finishedAt'] as const;
/**
 * A job's claim state while it is unfinished; kept after it finishes while its parent is
 * unfinished, so that `childrenSummary` never has to scan `jobs`.
 */
type ActiveDoc = Pick<Job, '_id' | (typeof ACTIVE_FIELDS)[number]>;

interface ClaimDoc {
  _id: string;
  jobId: string;
  owner: string;
  at: Date;
}
interface CancelDoc {
  _id: string;
  at: Date;
}
interface CountsDoc {
  _id: string;
  jobId: string;
  from: string;
  counts: Record<string, unknown>;
}
export interface ScheduleMark {
  _id: string;
  firstSeen: Date;
  lastSlot: Date | null;
}

const DEFAULT_MAX_ATTEMPTS = 3;
/** A claim this old whose job never moved belongs to a claimer that died half-way. */
const CLAIM_STALE_MS = 60_000;
const CANDIDATES = 20;
const MAX_ERROR_LENGTH = 2_000;

interface Collections {
  jobs: mongo.Collection<Job>;
  active: mongo.Collection<ActiveDoc>;
  claims: mongo.Collection<ClaimDoc>;
  cancels: mongo.Collection<CancelDoc>;
  counts: mongo.Collection<CountsDoc>;
  schedules: mongo.Collection<ScheduleMark>;
}

const ready = new WeakMap<mongo.Db, Promise<Collections>>();

/** The collections, with their indexes created once per database handle. */
export function ensureJobIndexes(store: JobStore): Promise<Collections> {
  let collections = ready.get(store.db);
  if (!collections) {
    collections = createIndexes(store.db);
    ready.set(store.db, collections);
    collections.catch(() => ready.delete(store.db));
  }
  return collections;
}

function collectionsOf(db: mongo.Db): Collections {
  return {
    jobs: db.collection<Job>('jobs'),
    active: db.collection<ActiveDoc>('job_active'),
    claims: db.collection<ClaimDoc>('job_claims'),
    cancels: db.collection<CancelDoc>('job_cancels'),
    counts: db.collection<CountsDoc>('job_counts'),
    schedules: db.collection<ScheduleMark>('job_schedules'),
  };
}

/** FerretDB 1.24 accepts these but ignores them; they serve MongoDB. */
async function createIndexes(db: mongo.Db): Promise<Collections> {
  const c = collectionsOf(db);
  await createIndexesOf(db, c.active.collectionName, [
    { key: { status: 1, priority: -1, runAt: 1 }, name: 'claim_queued' },
    { key: { status: 1, 'lease.until': 1 }, name: 'claim_expired' },
    { key: { parentId: 1, status: 1 }, name: 'children' },
  ]);
  await createIndexesOf(db, c.jobs.collectionName, [
    { key: { parentId: 1, status: 1 }, name: 'children' },
    { key: { type: 1, createdAt: -1 }, name: 'by_type' },
    { key: { status: 1, createdAt: -1 }, name: 'by_status' },
    { key: { createdAt: -1 }, name: 'recent' },
  ]);
  await createIndexesOf(db, c.claims.collectionName, [{ key: { jobId: 1 }, name: 'by_job' }]);
  await createIndexesOf(db, c.counts.collectionName, [{ key: { jobId: 1 }, name: 'by_job' }]);
  return c;
}

export function claimOf(job: Pick<Job, '_id' | 'lease' | 'seq'>): Claim {
  if (!job.lease) throw new Error(`Job ${job._id} is not leased`);
  return { jobId: job._id, owner: job.lease.owner, seq: job.seq };
}

const queued = new EventEmitter().setMaxListeners(0);

/**
 * Calls `listener` when this process queues a job of one of `types` on `db` that may run now: its
 * idle workers claim it at once instead of at their next poll (a second, on average). Jobs other
 * processes queue are found by polling, and so are a job's children: they are a fan-out (a run's
 * mailboxes) that every process's workers should share, and a wake would hand them all to the
 * process that planned them. Returns the unsubscribe.
 */
export function onJobQueued(db: JobStore['db'], types: readonly string[], listener: () => void): () => void {
  const handler = (on: JobStore['db'], type: string) => {
    if (on === db && types.includes(type)) listener();
  };
  queued.on('queued', handler);
  return () => queued.off('queued', handler);
}

/** Idempotent by key: the same key twice gives back the first job, whatever its state. */
export async function enqueue(store: JobStore, input: EnqueueInput): Promise<Job> {
  const c = await ensureJobIndexes(store);
  const _id = input.key ?? randomUUID();
  const now = new Date();
  const parentCancelled = input.parentId ? await isCancelled(c, input.parentId) : false;
  const job: Job = {
    _id,
    type: input.type,
    key: _id,
    payload: input.payload ?? {},
    status: parentCancelled ? 'cancelled' : 'queued',
    runAt: input.runAt ?? now,
    priority: input.priority ?? 0,
    attempts: 0,
    maxAttempts: input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    seq: 0,
    lease: null,
    cancelRequested: parentCancelled,
    progress: {},
    result: null,
    error: null,
    parentId: input.parentId ?? null,
    createdAt: now,
    startedAt: null,
    finishedAt: parentCancelled ? now : null,
    heartbeatAt: null,
  };
  let stored = job;
  try {
    await c.jobs.insertOne(job);
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    stored = (await c.jobs.findOne({ _id }))!;
  }
  // Also repairs a job whose enqueuer died between the two inserts.
  if (stored.status === 'queued' || stored === job) await insertOnce(c.active, activeOf(stored));
  if (stored.status === 'queued' && stored.runAt <= now && !stored.parentId) queued.emit('queued', store.db, stored.type);
  // A job inserted just now is what was written (no progress, no claim yet): nothing to read back.
  return stored === job ? job : (await merge(c, [stored]))[0]!;
}

async function isCancelled(c: Collections, jobId: string): Promise<boolean> {
  if (await c.cancels.findOne({ _id: jobId })) return true;
  return (await c.jobs.findOne({ _id: jobId }, { projection: { status: 1 } }))?.status === 'cancelled';
}

function activeOf(job: Job): ActiveDoc {
  const doc: Record<string, unknown> = { _id: job._id };
  for (const field of ACTIVE_FIELDS) doc[field] = job[field];
  return doc as ActiveDoc;
}

/** The error code of an attempt whose worker stopped renewing its lease (killed or stalled). */
export const LEASE_EXPIRED = 'LEASE_EXPIRED';
/**
 * The error code of a job given back because the database was unavailable: its handler failed for
 * want of it or put itself off (runner.ts `putOff`), or the database refused every renewal of its
 * lease (jobs/worker.ts). No attempt is counted, as no fault of the job or the worker ended it,
 * within the worker's bound (`outageLimitMs`); its next start tells why.
 */
export const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE';

/**
 * Leases the most urgent due job of one of `types`: a queued one, or a running one whose owner
 * stopped renewing its lease (a takeover, which counts as another attempt). A job whose lease
 * expired on its last allowed attempt becomes failed instead; one with a cancel request becomes
 * cancelled. Jobs `inHand` (the claimer's own, still being ended) are left alone: their lease may
 * have run out while the database was away, and their worker gives them back as it finds fit.
 */
export async function claimNext(store: JobStore, owner: string, types: readonly string[], leaseMs: number, inHand: readonly string[] = []): Promise<Job | null> {
  const c = await ensureJobIndexes(store);
  const now = new Date();
  const candidates = await c.active
    .find({
      type: { $in: [...types] },
      ...(inHand.length > 0 ? { _id: { $nin: [...inHand] } } : {}),
      $or: [
        { status: 'queued', runAt: { $lte: now } },
        { status: 'running', 'lease.until': { $lt: now } },
      ],
    })
    .sort({ priority: -1, runAt: 1 })
    .limit(CANDIDATES)
    .toArray();
  for (const candidate of candidates) {
    if (!(await winClaim(c, candidate, owner))) continue;
    const leaving = stateFilter(candidate);
    if (await c.cancels.findOne({ _id: candidate._id })) {
      await finish(c, leaving, { status: 'cancelled' });
    } else if (candidate.status === 'running' && candidate.attempts >= candidate.maxAttempts) {
      const message = `The worker running this job stopped renewing its lease, on attempt ${candidate.attempts} of ${candidate.maxAttempts}`;
      await finish(c, leaving, { status: 'failed', error: { message, code: LEASE_EXPIRED } });
    } else {
      const started = new Date();
      // A takeover says why the previous attempt ended, as a failed attempt does: the handler
      // of the next one (a mailbox's crawl) tells its run why it starts again.
      const takenOver = candidate.status === 'running' ? { error: { code: LEASE_EXPIRED, message: `The worker running attempt ${candidate.attempts} stopped renewing its lease` } } : {};
      const claimed = await c.active.findOneAndUpdate(
        leaving,
        {
          $set: { status: 'running', lease: { owner, until: new Date(started.getTime() + leaseMs) }, startedAt: started, heartbeatAt: started, ...takenOver },
          $inc: { attempts: 1, seq: 1 },
        },
        { returnDocument: 'after' },
      );
      if (claimed) {
        if (candidate.status === 'running') leaseTakeovers.inc({ type: candidate.type });
        await mirror(c, claimed);
        // Its state is the claim's, and a cancel request was looked for just before: one read
        // fewer each. A request arriving since reaches the handler at its first heartbeat.
        const stored = await c.jobs.findOne({ _id: claimed._id });
        return stored && (await merge(c, [stored], { active: [claimed], cancelled: new Set() }))[0]!;
      }
    }
  }
  return null;
}

/**
 * Ends the leases of running jobs whose owner is known to be dead, so that the next claim takes
 * them over without waiting for the lease to run out. Returns how many.
 */
export async function expireLeasesOf(store: JobStore, isDead: (owner: string) => boolean): Promise<number> {
  const c = await ensureJobIndexes(store);
  const running = await c.active.find({ status: 'running' }, { projection: { _id: 1, seq: 1, status: 1, lease: 1 } }).toArray();
  let expired = 0;
  for (const job of running) {
    if (!job.lease || !isDead(job.lease.owner)) continue;
    const state = await c.active.findOneAndUpdate(stateFilter(job), { $set: { 'lease.until': new Date(Date.now() - 1) } }, { returnDocument: 'after' });
    if (!state) continue;
    await mirror(c, state);
    expired += 1;
  }
  return expired;
}

/** Copies claim state into `jobs`, so that lists filtered by status read `jobs` alone. */
async function mirror(c: Collections, state: ActiveDoc): Promise<void> {
  const { _id, ...fields } = state;
  await c.jobs.updateOne({ _id }, { $set: fields });
}

/** Names the state a claim leaves; a claimer that read an older state cannot match it. */
function stateFilter(job: ActiveDoc): mongo.Filter<ActiveDoc> {
  const base = { _id: job._id, seq: job.seq, status: job.status };
  return job.lease ? { ...base, 'lease.until': job.lease.until } : { ...base, lease: null };
}

async function winClaim(c: Collections, job: ActiveDoc, owner: string): Promise<boolean> {
  const _id = `${job._id}:${job.seq}:${job.lease?.until.getTime() ?? 'none'}`;
  for (let tries = 0; tries < 2; tries += 1) {
    try {
      await c.claims.insertOne({ _id, jobId: job._id, owner, at: new Date() });
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const held = await c.claims.findOne({ _id });
      if (!held || held.at.getTime() > Date.now() - CLAIM_STALE_MS) return false;
      await c.claims.deleteOne({ _id, at: held.at });
    }
  }
  return false;
}

/** Ends a job whose active state matches `filter`; false when it no longer does. */
async function finish(
  c: Collections,
  filter: mongo.Filter<ActiveDoc>,
  end: { status: JobStatus; error?: JobError; result?: unknown },
): Promise<boolean> {
  const set = { status: end.status, lease: null, finishedAt: new Date(), ...(end.error ? { error: end.error } : {}) };
  const state = await c.active.findOneAndUpdate(filter, { $set: set }, { returnDocument: 'after' });
  if (!state) return false;
  const { _id } = state;
  const counts = await c.counts.find({ jobId: _id }).toArray();
  const inc: Record<string, number> = {};
  for (const d of counts) flattenNumbers(d.counts, 'progress', inc);
  const final: Record<string, unknown> = { ...state, cancelRequested: end.status === 'cancelled' || (await c.cancels.findOne({ _id })) !== null };
  if ('result' in end) final.result = end.result ?? null;
  delete final._id;
  await c.jobs.updateOne({ _id }, Object.keys(inc).length > 0 ? { $set: final, $inc: inc } : { $set: final });
  if (counts.length > 0) await c.counts.deleteMany({ _id: { $in: counts.map((d) => d._id) } });
  await c.claims.deleteMany({ jobId: _id });
  await c.cancels.deleteOne({ _id });
  // Finished children were kept for this job's summary; this job is kept for its parent's.
  await c.active.deleteMany({ parentId: _id, status: { $in: FINISHED } });
  const parent = state.parentId ? await c.active.findOne({ _id: state.parentId }) : null;
  if (!parent || FINISHED.includes(parent.status)) await c.active.deleteOne({ _id });
  return true;
}

function leased(claim: Claim): mongo.Filter<ActiveDoc> {
  return { _id: claim.jobId, status: 'running', 'lease.owner': claim.owner, seq: claim.seq };
}

async function holds(c: Collections, claim: Claim): Promise<boolean> {
  const state = await c.active.findOne({ _id: claim.jobId });
  return state?.status === 'running' && state.lease?.owner === claim.owner && state.seq === claim.seq;
}

/** Renews the lease; `held: false` means another worker has the job now and this one must stop. */
export async function heartbeat(store: Pick<Store, 'renewals'>, claim: Claim, leaseMs: number): Promise<{ held: boolean; cancelRequested: boolean }> {
  const c = collectionsOf(store.renewals);
  const cancelRequested = (await c.cancels.findOne({ _id: claim.jobId })) !== null;
  const now = new Date();
  const renewed = await c.active.updateOne(leased(claim), { $set: { 'lease.until': new Date(now.getTime() + leaseMs), heartbeatAt: now } });
  return { held: renewed.matchedCount === 1, cancelRequested };
}

/** Updates the owner's job; false (and nothing written) when the claim is no longer held. */
export async function updateProgress(store: JobStore, claim: Claim, update: ProgressUpdate): Promise<boolean> {
  const c = await ensureJobIndexes(store);
  const ops: mongo.UpdateFilter<Job> = {};
  if (update.set && Object.keys(update.set).length > 0) ops.$set = prefixPaths(update.set) as mongo.MatchKeysAndValues<Job>;
  if (update.inc && Object.keys(update.inc).length > 0) ops.$inc = prefixPaths(update.inc) as mongo.OnlyFieldsOfType<Job, number>;
  if (!(await holds(c, claim))) return false;
  if (ops.$set || ops.$inc) await c.jobs.updateOne({ _id: claim.jobId }, ops);
  return true;
}

/**
 * Adds `from`'s counts to job `jobId` (a child to its parent). Each contributor has a document
 * of its own, so contributors never write the same document; callers serialise their own calls.
 */
export async function contributeProgress(store: JobStore, jobId: string, from: string, inc: Record<string, number>): Promise<void> {
  if (Object.keys(inc).length === 0) return;
  const c = await ensureJobIndexes(store);
  const _id = `${jobId}<${from}`;
  const update = { $inc: prefixPaths(inc, 'counts'), $setOnInsert: { jobId, from } };
  try {
    await c.counts.updateOne({ _id }, update, { upsert: true });
  } catch (err) {
    // Two first contributions raced to insert; the document exists now.
    if (!isDuplicateKey(err)) throw err;
    await c.counts.updateOne({ _id }, update);
  }
}

export async function complete(store: JobStore, claim: Claim, result: unknown): Promise<boolean> {
  const c = await ensureJobIndexes(store);
  return finish(c, leased(claim), { status: 'succeeded', result });
}

/** With `retryAt` the job is queued again for then (the caller checks attempts); otherwise it fails. */
export async function fail(store: JobStore, claim: Claim, error: JobError, options: { retryAt?: Date } = {}): Promise<boolean> {
  const c = await ensureJobIndexes(store);
  const stored: JobError = { message: error.message.slice(0, MAX_ERROR_LENGTH), ...(error.code ? { code: error.code } : {}) };
  if (!options.retryAt) return finish(c, leased(claim), { status: 'failed', error: stored });
  return requeue(c, claim, { $set: { status: 'queued', runAt: options.retryAt, lease: null, error: stored } });
}

/**
 * Gives the job back (graceful shutdown, not startable yet, cut off from the database): queued
 * again for `runAt`, the start not counted. `why` becomes the job's error, for its next start to
 * tell (null clears it); left out, the error stays as it is.
 */
export async function release(store: JobStore, claim: Claim, runAt = new Date(), why?: JobError | null): Promise<boolean> {
  const c = await ensureJobIndexes(store);
  return requeue(c, claim, { $set: { status: 'queued', runAt, lease: null, ...(why !== undefined ? { error: why } : {}) }, $inc: { attempts: -1 } });
}

async function requeue(c: Collections, claim: Claim, update: mongo.UpdateFilter<ActiveDoc>): Promise<boolean> {
  const state = await c.active.findOneAndUpdate(leased(claim), update, { returnDocument: 'after' });
  if (state) await mirror(c, state);
  return state !== null;
}

/** The owner's acknowledgement of a cancel request. */
export async function markCancelled(store: JobStore, claim: Claim): Promise<boolean> {
  const c = await ensureJobIndexes(store);
  return finish(c, leased(claim), { status: 'cancelled' });
}

/**
 * Cancels a job and its unfinished descendants: queued ones at once, running ones through
 * their owner, whose next heartbeat sees the request and aborts the handler. False when the job
 * does not exist or has already finished.
 */
export async function requestCancel(store: JobStore, jobId: string): Promise<boolean> {
  const c = await ensureJobIndexes(store);
  const state = await c.active.findOne({ _id: jobId });
  if (!state || FINISHED.includes(state.status)) return false;
  await cancelTree(c, state);
  return true;
}

async function cancelTree(c: Collections, state: ActiveDoc): Promise<void> {
  await insertOnce(c.cancels, { _id: state._id, at: new Date() });
  // A worker that wins this race sees the request right after its claim or at its first heartbeat.
  if (state.status === 'queued' && (await winClaim(c, state, 'cancel'))) await finish(c, stateFilter(state), { status: 'cancelled' });
  const children = await c.active.find({ parentId: state._id, status: { $in: UNFINISHED } }).toArray();
  for (const child of children) await cancelTree(c, child);
}

/** Which of `jobIds` are queued or running: one read of the small active-state collection. */
export async function unfinishedJobIds(store: JobStore, jobIds: readonly string[]): Promise<Set<string>> {
  if (jobIds.length === 0) return new Set();
  const c = await ensureJobIndexes(store);
  const states = await c.active.find({ _id: { $in: [...jobIds] } }, { projection: { _id: 1, status: 1 } }).toArray();
  return new Set(states.filter((s) => UNFINISHED.includes(s.status)).map((s) => s._id));
}

export async function getJob(store: JobStore, jobId: string): Promise<Job | null> {
  const c = await ensureJobIndexes(store);
  const job = await c.jobs.findOne({ _id: jobId });
  return job && (await merge(c, [job]))[0]!;
}

export async function listJobs(
  store: JobStore,
  filter: { type?: string; status?: JobStatus | JobStatus[]; parentId?: string; limit?: number } = {},
): Promise<Job[]> {
  const c = await ensureJobIndexes(store);
  const query: mongo.Filter<Job> = {};
  if (filter.type) query.type = filter.type;
  if (filter.parentId) query.parentId = filter.parentId;
  if (filter.status) query.status = Array.isArray(filter.status) ? { $in: filter.status } : filter.status;
  const jobs = await c.jobs.find(query).sort({ createdAt: -1 }).limit(filter.limit ?? 50).toArray();
  return merge(c, jobs);
}

/** Child jobs of `parentId` by status (every status present, zero when none). */
export async function childrenSummary(store: JobStore, parentId: string): Promise<Record<JobStatus, number> & { total: number }> {
  const c = await ensureJobIndexes(store);
  const parent = await c.active.findOne({ _id: parentId });
  // While the parent is unfinished all its children are in the small collection.
  const source = parent && UNFINISHED.includes(parent.status) ? c.active : c.jobs;
  const children = await (source as mongo.Collection<ActiveDoc>).find({ parentId }, { projection: { status: 1 } }).toArray();
  const summary = { ...(Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>), total: children.length };
  for (const child of children) summary[child.status] += 1;
  return summary;
}

/** Folds in what lives beside the job document: live claim state, cancel requests, children's counts. */
async function merge(c: Collections, jobs: Job[], known?: { active: ActiveDoc[]; cancelled: Set<string> }): Promise<Job[]> {
  if (jobs.length === 0) return jobs;
  const one = jobs.length === 1 ? jobs[0]!._id : null;
  const ids = jobs.map((j) => j._id);
  // FerretDB answers a filter that is exactly { _id } far faster than any other.
  const byId = <T extends { _id: string }>(coll: mongo.Collection<T>) =>
    (one ? coll.find({ _id: one } as mongo.Filter<T>) : coll.find({ _id: { $in: ids } } as mongo.Filter<T>)).toArray() as Promise<T[]>;
  const active = new Map((known?.active ?? (await byId(c.active))).map((a) => [a._id, a]));
  const cancelled = known?.cancelled ?? new Set((await byId(c.cancels)).map((d) => d._id));
  const contributions = await c.counts.find(one ? { jobId: one } : { jobId: { $in: ids } }).toArray();
  return jobs.map((stored) => {
    // A finished active state is either mirrored already or mid-finish (its result and counts
    // not yet in `jobs`): either way the stored job is the consistent one.
    const state = active.get(stored._id);
    const live = state && !FINISHED.includes(state.status) ? state : undefined;
    const job: Job = { ...stored, ...live, progress: structuredClone(stored.progress ?? {}) };
    for (const d of contributions) if (d.jobId === job._id) addInto(job.progress, d.counts);
    job.cancelRequested = job.cancelRequested || cancelled.has(job._id);
    return job;
  });
}

function addInto(target: Record<string, unknown>, counts: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(counts)) {
    if (typeof v === 'number') {
      target[k] = (typeof target[k] === 'number' ? target[k] : 0) + v;
    } else if (v && typeof v === 'object') {
      const inner = target[k] && typeof target[k] === 'object' ? (target[k] as Record<string, unknown>) : {};
      target[k] = inner;
      addInto(inner, v as Record<string, unknown>);
    }
  }
}

function flattenNumbers(counts: Record<string, unknown>, prefix: string, out: Record<string, number>): void {
  for (const [k, v] of Object.entries(counts)) {
    if (typeof v === 'number') out[`${prefix}.${k}`] = (out[`${prefix}.${k}`] ?? 0) + v;
    else if (v && typeof v === 'object') flattenNumbers(v as Record<string, unknown>, `${prefix}.${k}`, out);
  }
}

const PATH = /^[^$.][^$]*$/;

function prefixPaths<V>(values: Record<string, V>, prefix = 'progress'): Record<string, V> {
  const out: Record<string, V> = {};
  for (const [path, value] of Object.entries(values)) {
    if (!PATH.test(path) || path.endsWith('.') || path.includes('..')) throw new Error(`Invalid progress path "${path}"`);
    out[`${prefix}.${path}`] = value;
  }
  return out;
}

/**
 * Gives queued jobs whose enqueuer died between its two inserts (the job, then its active state)
 * the active state that makes them claimable; returns how many. Enqueueing the same key again
 * repairs one too; this finds those nobody will enqueue again (a journal batch's job, a child).
 * Only jobs created before `createdBefore` (the caller's start): a live enqueuer's job, caught
 * between its two inserts, is none of its business.
 */
export async function repairUnclaimableJobs(store: JobStore, createdBefore = new Date()): Promise<number> {
  const c = await ensureJobIndexes(store);
  // Active states first: a job that finishes meanwhile is no longer queued in `jobs` when read
  // (finishing writes the job before it removes the active state), so it is not revived.
  const listed = new Set((await c.active.find({}, { projection: { _id: 1 } }).toArray()).map((a) => a._id));
  // Ids only: a backlog's queued jobs carry payloads, and almost none of them need anything.
  const queued = await c.jobs.find({ status: 'queued', createdAt: { $lt: createdBefore } }, { projection: { _id: 1 } }).toArray();
  const unlisted = queued.map((j) => j._id).filter((id) => !listed.has(id));
  if (unlisted.length === 0) return 0;
  const missing = await c.jobs.find({ _id: { $in: unlisted }, status: 'queued' }).toArray();
  for (const job of missing) await insertOnce(c.active, activeOf(job));
  return missing.length;
}

/**
 * Deletes finished top-level jobs (with their children) that finished before `before`. Every
 * lookup in `jobs`, even by `_id`, costs FerretDB 1.24 a scan, so keeping it short keeps
 * claiming and finishing fast. Returns how many jobs were deleted.
 */
export async function pruneJobs(store: JobStore, before: Date): Promise<number> {
  const c = await ensureJobIndexes(store);
  const old = await c.jobs.find({ parentId: null, status: { $in: FINISHED }, finishedAt: { $lt: before } }, { projection: { _id: 1 } }).toArray();
  let deleted = 0;
  for (let i = 0; i < old.length; i += 500) {
    const ids = old.slice(i, i + 500).map((j) => j._id);
    deleted += (await c.jobs.deleteMany({ parentId: { $in: ids } })).deletedCount;
    deleted += (await c.jobs.deleteMany({ _id: { $in: ids }, status: { $in: FINISHED } })).deletedCount;
  }
  return deleted;
}

/**
 * The scheduler's memory of a schedule: when it was first seen (slots before that are not
 * caught up) and the latest slot it enqueued. Several schedulers may write it; the job key, not
 * this document, is what keeps a slot from being enqueued twice.
 */
export async function scheduleMark(store: JobStore, scheduleId: string, now: Date): Promise<ScheduleMark> {
  const c = await ensureJobIndexes(store);
  await insertOnce(c.schedules, { _id: scheduleId, firstSeen: now, lastSlot: null });
  return (await c.schedules.findOne({ _id: scheduleId }))!;
}

export async function recordScheduleSlot(store: JobStore, scheduleId: string, slot: Date): Promise<void> {
  const c = await ensureJobIndexes(store);
  await c.schedules.updateOne({ _id: scheduleId }, { $max: { lastSlot: slot } });
}

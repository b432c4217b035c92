/**
 * Which segments make up an archive's index, decided by inserts only (FerretDB applies updates
 * as unlocked read-modify-write, inserts are atomic on `_id`):
 *  - `r|<seq>` reserves a batch number. Writers insert seq+1 only once seq exists, so
 *    reservations have no gaps and a reader finds them all by probing upwards until one is missing.
 *  - `c|<seq>` commits the batch: its segment is searchable from that insert on. A merge that
 *    finds a reservation stuck for ABANDON_MS inserts `c|<seq>` as abandoned instead; whichever
 *    insert comes first decides, so a slow writer never commits into a batch declared dead.
 *  - `m|<v>` is version v of the manifest: the merged segments and the watermark w up to which
 *    batches are folded into them. Only the merge that inserts version v+1 writes it, and only it
 *    then rewrites `head` (a copy of the newest version, read first; readers still probe for v+1).
 *  - A batch number may also carry a deletion (index-deletes.ts): `c|<seq>` then names a
 *    tombstone list instead of a segment. Readers see it where they see batches; the merge that
 *    folds it in carries it into the manifest's `tomb` until no segment holds its messages.
 */
import { deleteDocs, getDoc, getDocs, insertDoc, listIds, metaPart, replaceDoc, type IndexDoc } from '../store/postings';
import { peekCached, putCached } from './index-cache';
import type { IndexCtx, SegInfo, TombInfo } from './index-bucketed';

export interface Manifest {
  v: number;
  /** Every batch numbered <= w is merged into `segs` (or was abandoned). */
  w: number;
  segs: SegInfo[];
  /** Replaced segments, dropped once no search can still be reading them. */
  retired: { seg: SegInfo; at: number }[];
  /** Deletions some segment of `segs` may still hold messages of. */
  tomb: TombInfo[];
  /** Deletions no segment needs any more, dropped after the same grace as `retired`. */
  tombRetired: { tomb: TombInfo; at: number }[];
}

export interface IndexState {
  manifest: Manifest;
  /** Committed batches above the watermark, in order. */
  batches: { seq: number; seg: SegInfo }[];
  /** Deletions committed above the watermark, in order. */
  deletes: TombInfo[];
  /** Reserved batch numbers above the watermark (committed, abandoned or in progress). */
  reserved: number[];
}

export const ABANDON_MS = 10 * 60_000;
const EMPTY: Manifest = { v: 0, w: 0, segs: [], retired: [], tomb: [], tombRetired: [] };
const PROBE = 4;
const pad = (n: number) => String(n).padStart(10, '0');
const meta = (ctx: IndexCtx) => metaPart(ctx.layout, ctx.key);

function toManifest(doc: IndexDoc | null): Manifest | null {
  if (!doc) return null;
  const list = <T>(v: unknown) => (v as T[] | undefined) ?? [];
  return { v: doc.v as number, w: doc.w as number, segs: doc.segs as SegInfo[], retired: list(doc.retired), tomb: list(doc.tomb), tombRetired: list(doc.tombRetired) };
}

/** The newest manifest: the head, then any newer version it has not caught up with. */
export async function latestManifest(ctx: IndexCtx): Promise<Manifest> {
  let m = toManifest(await getDoc(ctx.store, meta(ctx), 'head')) ?? EMPTY;
  for (;;) {
    const next = toManifest(await getDoc(ctx.store, meta(ctx), `m|${pad(m.v + 1)}`));
    if (!next) return m;
    m = next;
  }
}

/** A reservation seen, by this process's writer or a probe: above the watermark it is never deleted. */
const seenKey = (ctx: IndexCtx, seq: number) => `${ctx.store.searchDb.databaseName}|${ctx.key}|r${seq}`;

/**
 * Reservations above `w`: those seen before, then the next number (usually missing), then a few
 * at a time, each probe one command (on FerretDB every lookup scans the meta table).
 */
async function reservedAbove(ctx: IndexCtx, w: number): Promise<number[]> {
  const out: number[] = [];
  let from = w + 1;
  while (peekCached<boolean>(seenKey(ctx, from))) out.push(from++);
  for (let width = 1; ; from += width, width = PROBE) {
    const seqs = Array.from({ length: width }, (_, i) => from + i);
    const found = await getDocs(ctx.store, meta(ctx), seqs.map((s) => `r|${pad(s)}`));
    for (const seq of seqs) {
      if (!found.has(`r|${pad(seq)}`)) return out;
      out.push(seq);
      putCached(seenKey(ctx, seq), true, 50);
    }
  }
}

type Commit = { seg: SegInfo } | { del: TombInfo } | { abandoned: true };

const commitKey = (ctx: IndexCtx, seq: number) => `${ctx.store.searchDb.databaseName}|${ctx.key}|c${seq}`;

function toCommit(doc: IndexDoc): Commit {
  return doc.abandoned ? { abandoned: true } : doc.del ? { del: doc.del as TombInfo } : { seg: doc.seg as SegInfo };
}

/** A batch's commit record; once present it never changes, so it is cached. */
async function commitOf(ctx: IndexCtx, seq: number): Promise<Commit | null> {
  return (await commitsOf(ctx, [seq]))[0] ?? null;
}

/** The commit records of these batches (null where none yet): the ones not cached in one command. */
async function commitsOf(ctx: IndexCtx, seqs: readonly number[]): Promise<(Commit | null)[]> {
  const known = seqs.map((seq) => peekCached<Commit>(commitKey(ctx, seq)) ?? null);
  const missing = seqs.filter((_, i) => known[i] === null);
  if (missing.length === 0) return known;
  const docs = await getDocs(ctx.store, meta(ctx), missing.map((seq) => `c|${pad(seq)}`));
  return seqs.map((seq, i) => {
    if (known[i]) return known[i];
    const doc = docs.get(`c|${pad(seq)}`);
    if (!doc) return null;
    const commit = toCommit(doc);
    putCached(commitKey(ctx, seq), commit, 200);
    return commit;
  });
}

/**
 * What a search reads: the manifest and the batches committed since it was written. Searches
 * take the head as it is: a merge rewrites it before it prunes or drops anything, so an older
 * head (its writer died in between) still names segments and batches that all exist. Writers
 * (`exact`) also probe for newer versions.
 */
export function readIndexState(ctx: IndexCtx, opts: { exact?: boolean; own?: boolean } = {}): Promise<IndexState> {
  if (opts.exact || opts.own) return readState(ctx, opts.exact ?? false);
  // Searches of one archive at the same moment share one read, unless this process changed the
  // index since it started: what an ingest made searchable before it returned is always seen.
  // `own`: a read of its own (a search that found a segment gone retries on a newer manifest).
  const key = stateKey(ctx);
  const generation = generations.get(key) ?? 0;
  const shared = reading.get(key);
  if (shared?.generation === generation) return shared.state;
  const state = readState(ctx, false);
  reading.set(key, { generation, state });
  void state.finally(() => reading.get(key)?.state === state && reading.delete(key)).catch(() => undefined);
  return state;
}

const stateKey = (ctx: IndexCtx) => `${ctx.store.searchDb.databaseName}|${ctx.key}`;
const reading = new Map<string, { generation: number; state: Promise<IndexState> }>();
/** Per archive, how many times this process changed what its index holds (commits, manifests). */
const generations = new Map<string, number>();

function changed(ctx: IndexCtx): void {
  const key = stateKey(ctx);
  generations.set(key, (generations.get(key) ?? 0) + 1);
}

async function readState(ctx: IndexCtx, exact: boolean): Promise<IndexState> {
  const manifest = exact ? await latestManifest(ctx) : (toManifest(await getDoc(ctx.store, meta(ctx), 'head')) ?? EMPTY);
  const reserved = await reservedAbove(ctx, manifest.w);
  const commits = await commitsOf(ctx, reserved);
  const batches = reserved.flatMap((seq, i) => {
    const c = commits[i];
    return c && 'seg' in c ? [{ seq, seg: c.seg }] : [];
  });
  const deletes = commits.flatMap((c) => (c && 'del' in c ? [c.del] : []));
  return { manifest, batches, deletes, reserved };
}

const hints = new Map<string, number>();

/**
 * A new batch number: the first free one above the last known, re-checked against the watermark.
 * The head and this process's last number are read in one command: with the insert and the
 * check after it, three commands per batch when no other writer is in the way.
 */
export async function reserveBatch(ctx: IndexCtx): Promise<number> {
  const hintKey = stateKey(ctx);
  const hint = hints.get(hintKey) ?? 0;
  const headW = async () => toManifest(await getDoc(ctx.store, meta(ctx), 'head'))?.w ?? 0;
  // Numbers must stay gapless: the hint (this process's last number) counts only if it still
  // exists (an index dropped and rebuilt starts again from 1).
  const known = await getDocs(ctx.store, meta(ctx), hint > 0 ? ['head', `r|${pad(hint)}`] : ['head']);
  const w = toManifest(known.get('head') ?? null)?.w ?? 0;
  let seq = (known.has(`r|${pad(hint)}`) && hint > w ? hint : w) + 1;
  for (;;) {
    if (await insertDoc(ctx.store, meta(ctx), { _id: `r|${pad(seq)}`, at: new Date() })) {
      // Reservations at or below the watermark are pruned: a number freed that way is not ours.
      const now = await headW();
      if (seq > now) {
        hints.set(hintKey, seq);
        putCached(seenKey(ctx, seq), true, 50);
        return seq;
      }
      seq = now + 1;
    } else {
      seq++;
    }
  }
}

/** False when a merge declared the batch abandoned first. */
export async function commitBatch(ctx: IndexCtx, seq: number, seg: SegInfo): Promise<boolean> {
  return commit(ctx, seq, { seg });
}

/** Commits a deletion under a reserved number; false when a merge declared it abandoned first. */
export async function commitDeletion(ctx: IndexCtx, seq: number, del: TombInfo): Promise<boolean> {
  return commit(ctx, seq, { del });
}

/**
 * Gives a reserved number up: its batch holds nothing (the writer's messages all failed), and
 * merges go on past it now rather than after ABANDON_MS. Also a merge's verdict on a writer
 * that never committed; whichever insert comes first decides.
 */
export async function abandonBatch(ctx: IndexCtx, seq: number): Promise<void> {
  await insertDoc(ctx.store, meta(ctx), { _id: `c|${pad(seq)}`, abandoned: true, at: new Date() });
  changed(ctx);
}

/** The insert decides; a commit this writer won is what it wrote, so it is cached for the merges and searches that read it next. */
async function commit(ctx: IndexCtx, seq: number, body: { seg: SegInfo } | { del: TombInfo }): Promise<boolean> {
  const won = await insertDoc(ctx.store, meta(ctx), { _id: `c|${pad(seq)}`, ...body, at: new Date() });
  if (won) putCached(commitKey(ctx, seq), body, 200);
  changed(ctx);
  return won;
}

export interface BatchStatus {
  seq: number;
  seg: SegInfo | null;
  del: TombInfo | null;
}

/**
 * The batches a merge may fold in: from w+1 up to the first one still in progress. A
 * reservation older than ABANDON_MS without a commit is declared abandoned (by insert).
 */
export async function mergeableBatches(ctx: IndexCtx, state: IndexState, now = Date.now()): Promise<BatchStatus[]> {
  const out: BatchStatus[] = [];
  for (const seq of state.reserved) {
    let commit = await commitOf(ctx, seq);
    if (!commit) {
      const r = await getDoc(ctx.store, meta(ctx), `r|${pad(seq)}`);
      const at = r?.at instanceof Date ? r.at.getTime() : now;
      if (now - at < ABANDON_MS) break;
      await abandonBatch(ctx, seq);
      commit = await commitOf(ctx, seq);
      if (!commit) break;
    }
    out.push({ seq, seg: 'seg' in commit ? commit.seg : null, del: 'del' in commit ? commit.del : null });
  }
  return out;
}

/** Advisory: one merge per manifest version at a time (the version insert decides anyway). */
export async function tryMergeLock(ctx: IndexCtx, v: number, now = Date.now()): Promise<boolean> {
  return insertDoc(ctx.store, meta(ctx), { _id: `l|${pad(v)}|${Math.floor(now / ABANDON_MS)}`, at: new Date() });
}

/** Publishes version `next.v`; false when another merge published it first. */
export async function publishManifest(ctx: IndexCtx, next: Manifest): Promise<boolean> {
  const body = { v: next.v, w: next.w, segs: next.segs, retired: next.retired, tomb: next.tomb, tombRetired: next.tombRetired, at: new Date() };
  if (!(await insertDoc(ctx.store, meta(ctx), { _id: `m|${pad(next.v)}`, ...body }))) return false;
  await replaceDoc(ctx.store, meta(ctx), { _id: 'head', ...body });
  changed(ctx);
  return true;
}

/**
 * Keeps the meta table small (every lookup scans it on FerretDB): old versions, locks, and the
 * reservations and commits of batches merged before the previous version (a search that read the
 * previous version may still be probing those).
 */
export async function pruneMeta(ctx: IndexCtx, current: Manifest, previous: Manifest): Promise<void> {
  const stale = (await listIds(ctx.store, meta(ctx))).filter((id) => {
    const [kind, n] = id.split('|');
    const num = Number(n);
    if (kind === 'm' || kind === 'l') return num < current.v - 2;
    if (kind === 'r' || kind === 'c') return num <= previous.w;
    return false;
  });
  await deleteDocs(ctx.store, meta(ctx), stale);
}

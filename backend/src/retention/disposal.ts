/**
 * The disposal run (MISSION M13): a leased job, scheduled by the retention settings or started by
 * an administrator. It first finishes what a crashed run left, then walks every archive a policy
 * with a maximum covers, oldest mail first, and deletes in batches what is due and not kept.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import type { JobContext } from '../jobs/worker';
import type { Logger } from '../log';
import { RETIRE_GRACE_MS } from '../search/index-merge';
import { compactIndex } from '../search/index-store';
import type { Store } from '../store';
import { pruneReleases } from '../store/disposals';
import { enqueue } from '../store/jobs';
import type { Item } from '../store/items';
import { itemsReceivedBefore } from '../store/retention-items';
import { ArchiveIndex, DeletionRun, recoverDeletions, type Settled } from './delete';
import { exclusively } from './exclusive';
import { Guard, type KeepReason } from './guard';
import type { ScopeResolver} from './rules';
import { DAY_MS, isDue, type RuleBook } from './rules';
import { getRetentionSettings } from './settings';

export const DISPOSAL_JOB = 'retention-disposal';
/** Drops the index segments a run replaced, once no search can still be reading them. */
export const INDEX_CLEANUP_JOB = 'retention-index-cleanup';
export const SYSTEM_ACTOR = { system: 'retention' };
/** Released-blob marks outlive any ingest that began before the release (store/disposals.ts). */
const RELEASE_MARK_MS = 10 * 60_000;
/** Staged messages settled together (a few large statements: see delete.ts). */
const SETTLE_MESSAGES = 100_000;

export interface RetentionDeps {
  store: Store;
  graph: Client | null;
  log?: Logger;
}

export interface DisposalResult {
  recovered: number;
  disposed: number;
  kept: Partial<Record<KeepReason['code'], number>>;
  /** Original and stored (compressed) bytes of the blobs deleted. */
  bytesFreed: number;
  storedBytesFreed: number;
  archives: number;
}

/** The archives where some policy may make mail due, with the date before which to look. */
export async function dueArchives(rules: RuleBook, scopes: ScopeResolver, now: Date): Promise<{ archiveId: string; before: Date }[]> {
  const out: { archiveId: string; before: Date }[] = [];
  for (const archiveId of await scopes.allArchives()) {
    const days = rules.earliestDue(archiveId);
    if (days !== null) out.push({ archiveId, before: new Date(now.getTime() - days * DAY_MS) });
  }
  return out;
}

/** An archive's due messages, oldest first, `size` at a time (the rules decide per folder). */
export async function* dueBatches(store: Store, rules: RuleBook, archive: { archiveId: string; before: Date }, size: number, now: Date): AsyncGenerator<Item[]> {
  let after: Parameters<typeof itemsReceivedBefore>[3]['after'] = null;
  do {
    const page = await itemsReceivedBefore(store, archive.archiveId, archive.before, { after, limit: size });
    const due = page.items.filter((i) => isDue(i.receivedAt, rules.effective(i.archiveId, i.folder), now));
    if (due.length > 0) yield due;
    after = page.next;
  } while (after);
}

export async function runDisposal(deps: RetentionDeps, opts: { signal?: AbortSignal; progress?: JobContext['progress']; run?: string; now?: Date; lockMs?: number } = {}): Promise<DisposalResult> {
  const { store } = deps;
  return exclusively(store, async (signal) => {
    const now = opts.now ?? new Date();
    const { batchSize } = await getRetentionSettings(store);
    const guard = await Guard.load(store, deps.graph, now);
    const result: DisposalResult = { recovered: await recoverDeletions(store, guard, () => SYSTEM_ACTOR), disposed: 0, kept: {}, bytesFreed: 0, storedBytesFreed: 0, archives: 0 };
    await pruneReleases(store, new Date(Date.now() - RELEASE_MARK_MS));
    const kind = { kind: 'disposal' as const, actor: SYSTEM_ACTOR, details: { run: opts.run ?? 'manual' }, refOf: (i: Item) => guard.rules.effective(i.archiveId, i.folder).maxBy.map((p) => p.id) };
    const run = new DeletionRun(store, guard, kind);
    const touched = new Set<string>();
    const settle = async () => count(result, await run.settle());
    for (const archive of await dueArchives(guard.rules, guard.scopes, now)) {
      let index: ArchiveIndex | null = null;
      for await (const batch of dueBatches(store, guard.rules, archive, batchSize, now)) {
        signal.throwIfAborted();
        index ??= await ArchiveIndex.open(store, archive.archiveId);
        touched.add(archive.archiveId);
        for (const { reason } of await run.stage(index, batch)) result.kept[reason.code] = (result.kept[reason.code] ?? 0) + 1;
        if (run.pending >= SETTLE_MESSAGES) await settle();
        await opts.progress?.({ disposed: result.disposed, staged: run.pending, kept: result.kept, bytesFreed: result.bytesFreed, currentArchive: archive.archiveId });
      }
    }
    await settle();
    result.archives = touched.size;
    // Segments that lost a large share of their messages are rewritten without them.
    for (const archiveId of touched) await compactIndex(store, archiveId);
    await scheduleIndexCleanup(store, [...touched], opts.run);
    deps.log?.info({ ...result }, 'disposal run finished');
    return result;
  }, opts);
}

/** After the grace, the replaced segments (and the text of what was deleted) leave the database. */
export async function scheduleIndexCleanup(store: Store, archives: string[], key?: string): Promise<void> {
  if (archives.length === 0) return;
  await enqueue(store, { type: INDEX_CLEANUP_JOB, ...(key ? { key: `index-cleanup:${key}` } : {}), runAt: new Date(Date.now() + RETIRE_GRACE_MS + 5_000), payload: { archives } });
}

export function indexCleanupHandler(deps: RetentionDeps) {
  return async (ctx: JobContext) => {
    const { archives } = ctx.job.payload as { archives: string[] };
    for (const archiveId of archives) await compactIndex(deps.store, archiveId);
    return { archives: archives.length };
  };
}

function count(result: DisposalResult, settled: Settled): void {
  result.disposed += settled.deleted.length;
  result.bytesFreed += settled.freed.size;
  result.storedBytesFreed += settled.freed.storedSize;
}

export function disposalHandler(deps: RetentionDeps) {
  return (ctx: JobContext) => runDisposal(deps, { signal: ctx.signal, progress: ctx.progress, run: ctx.job._id });
}

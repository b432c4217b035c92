import { parseMessage, PARSER_VERSION } from '../ingest/parse';
import { compactIndex, entryFor, indexBatch, type IndexEntry } from '../search/index-store';
import type { Store } from '../store';
import { enqueue, listJobs, type Job, type JobStatus } from '../store/jobs';
import { archivesWithItems, countItems, itemsAfter, setItemHasAttachments } from '../store/items';
import { replaceMessageContent } from '../store/messages';
import type { JobContext, JobHandler } from './worker';

/**
 * The reindex: brings archives stored by an older parser up to the current one (PARSER_VERSION)
 * from the stored blobs, nothing downloaded again. One job plans it (a child per archive); each
 * child walks its archive's items in `_id` order, a batch at a time: parse the blob again,
 * replace the message document, index the batch, then save the last `_id` as its progress. A
 * crash or a lost lease resumes from there (the batch in flight is done again; the index keeps
 * the newer copy of a message indexed twice). When the archive is done its index is merged into
 * one segment, which drops the older copies.
 */
export const REINDEX_JOB = 'reindex';
export const REINDEX_ARCHIVE_JOB = 'reindex-archive';
const DEFAULT_BATCH = 100;

export interface ReindexProgress {
  /** Items of the archive parsed and indexed again. */
  done: number;
  /** Of those, messages whose text the caps cut (their reading pane says what was left out). */
  cut: number;
  total: number;
  /** The `_id` of the last item done: where a resumed job goes on. */
  cursor?: string;
}

export function reindexHandlers(store: Store): Record<string, JobHandler> {
  return {
    [REINDEX_JOB]: async (ctx) => {
      const archives = await archivesWithItems(store.conn);
      for (const archiveId of archives) {
        ctx.signal.throwIfAborted();
        const total = await countItems(store.conn, archiveId);
        const { batch } = ctx.job.payload as { batch?: number };
        await ctx.enqueueChild({ type: REINDEX_ARCHIVE_JOB, key: `${ctx.job._id}:${archiveId}`, payload: { archiveId, total, batch } });
      }
      return { archives: archives.length, parserVersion: PARSER_VERSION };
    },
    [REINDEX_ARCHIVE_JOB]: (ctx) => reindexOneArchive(store, ctx),
  };
}

async function reindexOneArchive(store: Store, ctx: JobContext): Promise<ReindexProgress> {
  const { archiveId, total, batch = DEFAULT_BATCH } = ctx.job.payload as { archiveId: string; total: number; batch?: number };
  const progress = ctx.job.progress as Partial<ReindexProgress>;
  let cursor = progress.cursor ?? '';
  let done = progress.done ?? 0;
  let cut = progress.cut ?? 0;
  await ctx.progress({ total });
  for (;;) {
    ctx.signal.throwIfAborted();
    const rows = await itemsAfter(store.conn, archiveId, cursor, batch);
    if (rows.length === 0) break;
    const entries: IndexEntry[] = [];
    for (const row of rows) {
      const content = await parseMessage(() => store.blobs.open(row.sha256));
      await replaceMessageContent(store.conn, row.sha256, content);
      if (content.hasAttachments !== row.hasAttachments) await setItemHasAttachments(store.conn, row._id, content.hasAttachments);
      entries.push(entryFor({ ...row, hasAttachments: content.hasAttachments }, content));
      if (content.textTruncated) cut++;
    }
    await indexBatch(store, archiveId, entries);
    cursor = rows.at(-1)!._id;
    done += rows.length;
    await ctx.progress({ cursor, done, cut });
  }
  await compactIndex(store, archiveId, { force: true });
  return { done, cut, total, cursor };
}

/**
 * Starts a reindex of every archive; null when one is still going (its children unfinished).
 * `batch`: items an archive's job parses, indexes and saves its place after.
 */
export async function startReindex(store: Store, opts: { batch?: number } = {}): Promise<Job | null> {
  if ((await reindexStatus(store))?.status === 'running') return null;
  return enqueue(store, { type: REINDEX_JOB, maxAttempts: 5, payload: opts.batch ? { batch: opts.batch } : {} });
}

export interface ReindexStatus {
  id: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  parserVersion: number;
  startedAt: Date;
  finishedAt: Date | null;
  /** Items parsed and indexed again, of all archives' items. */
  done: number;
  total: number;
  /** Messages only partly indexed because of the text caps. */
  cut: number;
  archives: { total: number; done: number; failed: number };
  errors: { archiveId: string; message: string }[];
}

const UNFINISHED: JobStatus[] = ['queued', 'running'];

/** The latest reindex and how far it got (the Teams tab polls it). */
export async function reindexStatus(store: Store): Promise<ReindexStatus | null> {
  const [job] = await listJobs(store, { type: REINDEX_JOB, limit: 1 });
  if (!job) return null;
  const children = await listJobs(store, { parentId: job._id, limit: 10_000 });
  const of = (c: Job) => c.progress as Partial<ReindexProgress>;
  const failed = children.filter((c) => c.status === 'failed');
  const running = UNFINISHED.includes(job.status) || children.some((c) => UNFINISHED.includes(c.status));
  const finished = children.map((c) => c.finishedAt?.getTime() ?? 0);
  return {
    id: job._id,
    status: running ? 'running' : job.status === 'cancelled' ? 'cancelled' : job.status === 'failed' || failed.length > 0 ? 'failed' : 'succeeded',
    parserVersion: PARSER_VERSION,
    startedAt: job.createdAt,
    finishedAt: running ? null : new Date(Math.max(job.finishedAt?.getTime() ?? 0, ...finished)),
    done: children.reduce((n, c) => n + (of(c).done ?? 0), 0),
    total: children.reduce((n, c) => n + ((c.payload as { total?: number }).total ?? 0), 0),
    cut: children.reduce((n, c) => n + (of(c).cut ?? 0), 0),
    archives: { total: children.length, done: children.filter((c) => c.status === 'succeeded').length, failed: failed.length },
    errors: [...(job.error ? [{ archiveId: '', message: job.error.message }] : []), ...failed.map((c) => ({ archiveId: (c.payload as { archiveId: string }).archiveId, message: c.error?.message ?? 'failed' }))],
  };
}

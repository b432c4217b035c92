import { graphErrorOf } from '../graph/paging';
import { verifyArchived } from '../ingest';
import { duePending, removePending, type PendingItem } from '../store/pending';
import { recordRunError, setRunMailbox } from '../store/runs';
import { addCounts, type CrawlContext, type PartialCounts } from './context';
import { crawlFolder, deleteFromMailbox, noteOf, recordErrors, type MessageError } from './crawl-folder';
import { selectedFolders } from './folder-tree';
import { processMessages } from './process-message';

/** Due pending items handled and committed at a time. */
const PENDING_BATCH = 100;

/**
 * Archives one mailbox: due pending work first, then every selected folder through its delta.
 * A failing folder is recorded and the others go on; only mailbox-wide failures (no mailbox,
 * no permission) fail the whole mailbox.
 */
export async function crawlMailbox(ctx: CrawlContext): Promise<void> {
  const { conn } = ctx.store;
  const started = Date.now();
  await setRunMailbox(conn, ctx.runId, ctx.mailbox.id, { status: 'running', startedAt: new Date() });
  const folders = await selectedFolders(ctx);
  await setRunMailbox(conn, ctx.runId, ctx.mailbox.id, { foldersTotal: folders.length, foldersDone: 0 });
  await ctx.tally.loadFolders(folders.map((f) => f.id));
  // Taken over mid-run: show what the earlier attempts committed right away.
  if (ctx.tally.anything) await ctx.tally.publish();
  await processDuePending(ctx);

  let done = 0;
  for (const folder of folders) {
    await setRunMailbox(conn, ctx.runId, ctx.mailbox.id, { currentFolder: folder.path });
    try {
      await crawlFolder(ctx, folder);
    } catch (err) {
      if (ctx.signal.aborted || isMailboxWide(err)) throw err;
      await recordRunError(conn, ctx.runId, ctx.mailbox.id, { folder: folder.path, reason: describe(err) });
    }
    await setRunMailbox(conn, ctx.runId, ctx.mailbox.id, { foldersDone: ++done });
  }
  await setRunMailbox(conn, ctx.runId, ctx.mailbox.id, { currentFolder: '', durationMs: Date.now() - started });
}

/**
 * Messages that became old enough since an earlier run, for archiving or for deletion, a batch
 * at a time. A batch is committed (its counts and item ids, one write) before its items are
 * removed, so a crash in between neither loses nor repeats its counts: the retry finishes the
 * removal of the committed batch first.
 */
async function processDuePending(ctx: CrawlContext): Promise<void> {
  const { conn } = ctx.store;
  for (const id of ctx.tally.uncleared) await removePending(conn, id);
  for (;;) {
    const due = await duePending(conn, ctx.profileId, ctx.mailbox.id, ctx.now, PENDING_BATCH);
    if (due.length === 0) return;
    ctx.signal.throwIfAborted();
    const counts: PartialCounts = {};
    const errors: MessageError[] = [];
    const archive = due.filter((item) => item.kind === 'archive');
    const outcomes = await processMessages(
      ctx,
      archive.map((item) => ({ folder: folderOf(item), msg: { id: item.messageId, receivedDateTime: item.receivedAt.toISOString() } })),
      `${ctx.runId}:pending`,
    );
    for (const [i, outcome] of outcomes.entries()) {
      const item = archive[i]!;
      addCounts(counts, outcome.counts);
      errors.push(...noteOf(outcome, item.folderPath, item.messageId));
      if (outcome.deletable) collect(await deleteFromMailbox(ctx, folderOf(item), [outcome.deletable]), counts, errors);
    }
    for (const item of due.filter((d) => d.kind === 'delete')) collect(await deleteDue(ctx, item), counts, errors);
    const ids = due.map((d) => d._id);
    await ctx.tally.commitPending(counts, ids);
    await recordErrors(ctx, errors);
    for (const id of ids) await removePending(conn, id);
  }
}

const folderOf = (item: PendingItem) => ({ id: item.folderId, path: item.folderPath });

function collect(from: { counts: PartialCounts; errors: MessageError[] }, counts: PartialCounts, errors: MessageError[]): void {
  addCounts(counts, from.counts);
  errors.push(...from.errors);
}

async function deleteDue(ctx: CrawlContext, item: PendingItem): Promise<{ counts: PartialCounts; errors: MessageError[] }> {
  if (!item.sha256 || !(await verifyArchived(ctx.store, item.sha256))) {
    return { counts: { failed: 1 }, errors: [{ folder: item.folderPath, messageId: item.messageId, reason: 'archived copy failed verification; not deleted from the mailbox' }] };
  }
  return deleteFromMailbox(ctx, folderOf(item), [item.messageId]);
}

function isMailboxWide(err: unknown): boolean {
  const { status, code } = graphErrorOf(err);
  return status === 401 || status === 403 || code === 'MailboxNotEnabledForRESTAPI' || code === 'ErrorAccessDenied' || (status === 404 && /user|mailbox/i.test(code));
}

export function describe(err: unknown): string {
  const { status, code, message } = graphErrorOf(err);
  return status ? `${code || 'HTTP ' + status}: ${message}` : message;
}

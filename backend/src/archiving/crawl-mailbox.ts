import { graphErrorOf } from '../graph/paging';
import { verifyArchived } from '../ingest';
import { duePending, removePending, type PendingItem } from '../store/pending';
import { countRunMailbox, recordRunError, setRunMailbox } from '../store/runs';
import type { CrawlContext, PartialCounts } from './context';
import { crawlFolder, deleteFromMailbox } from './crawl-folder';
import { selectedFolders } from './folder-tree';
import { processMessage } from './process-message';

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

/** Messages that became old enough since an earlier run, for archiving or for deletion. */
async function processDuePending(ctx: CrawlContext): Promise<void> {
  for (;;) {
    const due = await duePending(ctx.store.conn, ctx.profileId, ctx.mailbox.id, ctx.now);
    if (due.length === 0) return;
    for (const item of due) {
      ctx.signal.throwIfAborted();
      const counts = item.kind === 'archive' ? await archiveDue(ctx, item) : await deleteDue(ctx, item);
      await countRunMailbox(ctx.store.conn, ctx.runId, ctx.mailbox.id, counts);
      await removePending(ctx.store.conn, item);
    }
  }
}

async function archiveDue(ctx: CrawlContext, item: PendingItem): Promise<PartialCounts> {
  const folder = { id: item.folderId, path: item.folderPath };
  const outcome = await processMessage(ctx, folder, { id: item.messageId, receivedDateTime: item.receivedAt.toISOString() });
  if (outcome.error) await recordRunError(ctx.store.conn, ctx.runId, ctx.mailbox.id, { folder: item.folderPath, messageId: item.messageId, reason: outcome.error });
  const counts = { ...outcome.counts };
  if (outcome.deletable) counts.deleted = (await deleteFromMailbox(ctx, folder, [outcome.deletable])).deleted ?? 0;
  return counts;
}

async function deleteDue(ctx: CrawlContext, item: PendingItem): Promise<PartialCounts> {
  if (!item.sha256 || !(await verifyArchived(ctx.store, item.sha256))) {
    await recordRunError(ctx.store.conn, ctx.runId, ctx.mailbox.id, { folder: item.folderPath, messageId: item.messageId, reason: 'archived copy failed verification; not deleted from the mailbox' });
    return { failed: 1 };
  }
  return deleteFromMailbox(ctx, { id: item.folderId, path: item.folderPath }, [item.messageId]);
}

function isMailboxWide(err: unknown): boolean {
  const { status, code } = graphErrorOf(err);
  return status === 401 || status === 403 || code === 'MailboxNotEnabledForRESTAPI' || code === 'ErrorAccessDenied' || (status === 404 && /user|mailbox/i.test(code));
}

export function describe(err: unknown): string {
  const { status, code, message } = graphErrorOf(err);
  return status ? `${code || 'HTTP ' + status}: ${message}` : message;
}

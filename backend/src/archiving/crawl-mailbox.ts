import { setTimeout as sleep } from 'node:timers/promises';
import { graphErrorOf } from '../graph/paging';
import { recordRunError, setRunMailbox, setRunMailboxCompleteness, settleRunErrors } from '../store/runs';
import { isDatabaseUnavailable } from '../store/unavailable';
import { assessMailbox, folderCounts } from './completeness';
import type { CrawlContext } from './context';
import { crawlFolder } from './crawl-folder';
import { processDueWork } from './due-work';
import { selectedFolders } from './folder-tree';
import type { SelectedFolder } from './folders';

/**
 * Archives one mailbox: due pending work first, then every selected folder through its delta.
 * A failing folder is recorded and the others go on, then it is tried once more; only
 * mailbox-wide failures (no mailbox, no permission) fail the whole mailbox. Owed downloads
 * that fall due soon are waited for; then the mailbox's completeness is assessed and kept with
 * the run, and the errors it overcame are marked recovered.
 */
export async function crawlMailbox(ctx: CrawlContext): Promise<void> {
  const { conn } = ctx.store;
  const started = Date.now();
  await setRunMailbox(conn, ctx.runId, ctx.mailbox.id, { status: 'running', startedAt: new Date() });
  const folders = await selectedFolders(ctx);
  await ctx.tally.loadFolders(folders.map((f) => f.id));
  await setRunMailbox(conn, ctx.runId, ctx.mailbox.id, { foldersTotal: folders.length, foldersDone: 0, expected: await firstArchiveSize(ctx, folders) });
  // Taken over mid-run: show what the earlier attempts committed right away.
  if (ctx.tally.anything) await ctx.tally.publish();
  await processDueWork(ctx);

  let done = 0;
  const failed: SelectedFolder[] = [];
  for (const folder of folders) {
    await setRunMailbox(conn, ctx.runId, ctx.mailbox.id, { currentFolder: folder.path });
    if (!(await crawlRecorded(ctx, folder))) failed.push(folder);
    await setRunMailbox(conn, ctx.runId, ctx.mailbox.id, { foldersDone: ++done });
  }
  // A reset or a timed-out page is often gone a moment later.
  for (const folder of failed) await crawlRecorded(ctx, folder);
  await awaitDueRetries(ctx);
  const report = await assessMailbox(ctx, folders);
  await setRunMailboxCompleteness(conn, ctx.runId, ctx.mailbox.id, report);
  const finished = new Set(folders.filter((f) => ctx.tally.roundComplete(f.id)).map((f) => f.path));
  // Folder errors of a folder crawled to its end, and errors of earlier attempts of this mailbox, were overcome.
  await settleRunErrors(conn, ctx.runId, ctx.mailbox.id, (e) => !e.messageId && (e.folder === undefined || finished.has(e.folder)));
  await setRunMailbox(conn, ctx.runId, ctx.mailbox.id, { currentFolder: '', durationMs: Date.now() - started });
}

/**
 * A first archive (no folder crawled before) can tell its administrator how long it still needs:
 * Graph's count of the selected folders, read once in `$batch` calls. Later runs see only changes.
 */
async function firstArchiveSize(ctx: CrawlContext, folders: SelectedFolder[]): Promise<number | null> {
  if (folders.some((f) => ctx.tally.folderLink(f.id) !== null)) return null;
  const counts = await folderCounts(ctx, folders);
  return [...counts.values()].reduce((n, c) => n + c, 0);
}

/**
 * Crawls a folder; a failure that is the folder's own is recorded and the crawl goes on. One that
 * is the mailbox's or the database's ends the attempt: an unavailable database fails every folder
 * alike, and the mailbox is put off (runner.ts) to resume them from what was committed.
 */
async function crawlRecorded(ctx: CrawlContext, folder: SelectedFolder): Promise<boolean> {
  try {
    await crawlFolder(ctx, folder);
    return true;
  } catch (err) {
    if (ctx.signal.aborted || isMailboxWide(err) || isDatabaseUnavailable(err)) throw err;
    ctx.log.warn({ mailbox: ctx.mailbox.upn, mailboxId: ctx.mailbox.id, folder: folder.path, reason: describe(err) }, 'folder crawl failed');
    await recordRunError(ctx.store.conn, ctx.runId, ctx.mailbox.id, { folder: folder.path, reason: describe(err) });
    return false;
  }
}

/**
 * Owed downloads due within the retry policy's wait are retried before the mailbox ends (a
 * timeout on a large item is often gone a minute later), rather than left to the next run.
 */
async function awaitDueRetries(ctx: CrawlContext): Promise<void> {
  const deadline = Date.now() + ctx.retry.waitMs;
  for (let wait = ctx.retries.wait(); wait !== null && Date.now() + wait <= deadline; wait = ctx.retries.wait()) {
    if (wait > 0) await sleep(wait, undefined, { signal: ctx.signal });
    await processDueWork(ctx);
  }
}

/** Errors that no retry of the mailbox can overcome: it does not exist, or the app may not read it. */
export function isMailboxWide(err: unknown): boolean {
  const { status, code } = graphErrorOf(err);
  return status === 401 || status === 403 || code === 'MailboxNotEnabledForRESTAPI' || code === 'ErrorAccessDenied' || (status === 404 && /user|mailbox/i.test(code));
}

export function describe(err: unknown): string {
  const { status, code, message } = graphErrorOf(err);
  return status ? `${code || 'HTTP ' + status}: ${message}` : message;
}

import { createHash } from 'node:crypto';
import type { Message } from '@microsoft/microsoft-graph-types';
import type { GraphPage } from '../graph/paging';
import { forgetMember } from '../store/members';
import { forgetPendingMessage } from '../store/pending';
import { saveFolderLink } from '../store/sync-state';
import { addCounts, mailboxRef, type CrawlContext } from './context';
import { processDueWork } from './due-work';
import { isSyncStateLost } from './folder-tree';
import { recordErrors, settleOutcomes, type Settled } from './outcomes';
import { processMessages, type FolderRef } from './process-message';
import { RESTORED_FROM_EXPAND } from './restored-copy';

type DeltaItem = Message & { '@removed'?: { reason: string } };

const PAGE_SIZE = 50;
/** The subject names a message that failed for good or that a filter skipped; the rest decides filters. */
const DELTA_FIELDS = 'receivedDateTime,isDraft,subject';

/**
 * Message delta for one folder: the first round takes everything, later rounds only changes.
 * A page is committed by one write, after its messages are archived: the link to the next page
 * together with what the run has counted in the folder so far. A crash before it re-reads the
 * page (ingest turns it into no-ops) and counts it once; after it, the crawl resumes past it.
 * Owed downloads that fall due meanwhile are retried between pages. Returns how many changes
 * the round brought (the completeness check asks whether a folder was quiet).
 */
export async function crawlFolder(ctx: CrawlContext, folder: FolderRef): Promise<number> {
  const ids = { ...mailboxRef(ctx), folderId: folder.id };
  const initial = `/users/${ctx.mailbox.id}/mailFolders/${folder.id}/messages/delta?$select=${DELTA_FIELDS}&$expand=${RESTORED_FROM_EXPAND}`;
  let link = ctx.tally.folderLink(folder.id) ?? initial;
  let restarted = false;
  let changes = 0;

  for (;;) {
    ctx.signal.throwIfAborted();
    let page: GraphPage<DeltaItem>;
    try {
      page = await ctx.graph.api(link).header('Prefer', `odata.maxpagesize=${PAGE_SIZE}`).get();
    } catch (err) {
      if (restarted || !isSyncStateLost(err)) throw err;
      // The delta token expired: take the folder again from the start; ingest dedups. The saved
      // link stays until the first page of the new round is committed.
      ctx.log.warn({ mailbox: ctx.mailbox.upn, folder: folder.path }, 'delta state lost; resynchronising folder');
      link = initial;
      restarted = true;
      continue;
    }
    changes += page.value.length;
    const { counts, errors } = await processPage(ctx, folder, page.value, unitOf(ctx, link, restarted));
    const deltaLink = page['@odata.deltaLink'];
    const next = deltaLink ?? page['@odata.nextLink'];
    if (!next) throw new Error(`Delta page for ${folder.path} had neither nextLink nor deltaLink`);
    const folderCounts = ctx.tally.folderWith(folder.id, counts);
    await saveFolderLink(ctx.store.conn, ids, next, Boolean(deltaLink), { runId: ctx.runId, counts: folderCounts });
    ctx.tally.committedFolder(folder.id, folderCounts, next, Boolean(deltaLink));
    await ctx.tally.publish();
    await recordErrors(ctx, errors);
    if (ctx.retries.wait() === 0) await processDueWork(ctx);
    if (deltaLink) return changes;
    link = next;
  }
}

/** Names a page of this run: the same link read again (a retry) is the same unit. */
function unitOf(ctx: CrawlContext, link: string, restarted: boolean): string {
  return `${ctx.runId}:${restarted ? 'r' : ''}${createHash('sha256').update(link).digest('base64url').slice(0, 22)}`;
}

async function processPage(ctx: CrawlContext, folder: FolderRef, items: DeltaItem[], unit: string): Promise<Settled> {
  const removed: Settled = { counts: {}, errors: [] };
  const ids = { ...mailboxRef(ctx), folderId: folder.id };
  for (const item of items) {
    if (!item.id || !item['@removed']) continue;
    await forgetPendingMessage(ctx.store.conn, ids, item.id);
    await forgetMember(ctx.store.conn, mailboxRef(ctx), folder.id, item.id);
    addCounts(removed.counts, { removedInMailbox: 1 });
  }
  const offered = items.filter((item) => item.id && !item['@removed']).map((msg) => ({ folder, msg }));
  const outcomes = await processMessages(ctx, offered, unit);
  const settled = await settleOutcomes(ctx, offered, outcomes);
  addCounts(settled.counts, { ...removed.counts, found: offered.length });
  return settled;
}

import type { Message } from '@microsoft/microsoft-graph-types';
import type { GraphPage } from '../graph/paging';
import { sendBatch } from '../graph/batch';
import { countRunMailbox, recordRunError } from '../store/runs';
import { forgetPendingMessage } from '../store/pending';
import { getFolderLink, resetFolderLink, saveFolderLink } from '../store/sync-state';
import { addCounts, type CrawlContext, type PartialCounts } from './context';
import { isSyncStateLost } from './folder-tree';
import { processMessage, type FolderRef, type MessageOutcome } from './process-message';

type DeltaItem = Message & { '@removed'?: { reason: string } };

const PAGE_SIZE = 50;
const DELTA_FIELDS = 'receivedDateTime,isDraft';

/**
 * Message delta for one folder: the first round takes everything, later rounds only changes.
 * The link to the next page is saved after the page's messages are ingested, so a crash resumes
 * at the last committed page.
 */
export async function crawlFolder(ctx: CrawlContext, folder: FolderRef): Promise<void> {
  const ids = { profileId: ctx.profileId, mailboxId: ctx.mailbox.id, folderId: folder.id };
  const initial = `/users/${ctx.mailbox.id}/mailFolders/${folder.id}/messages/delta?$select=${DELTA_FIELDS}`;
  let link = (await getFolderLink(ctx.store.conn, ctx.profileId, ctx.mailbox.id, folder.id))?.link ?? initial;
  let restarted = false;

  for (;;) {
    ctx.signal.throwIfAborted();
    let page: GraphPage<DeltaItem>;
    try {
      const url = link;
      page = await ctx.limiter.run(() => ctx.graph.api(url).header('Prefer', `odata.maxpagesize=${PAGE_SIZE}`).get());
    } catch (err) {
      if (restarted || !isSyncStateLost(err)) throw err;
      // The delta token expired: take the folder again from the start; ingest dedups.
      ctx.log.warn({ mailbox: ctx.mailbox.upn, folder: folder.path }, 'delta state lost; resynchronising folder');
      await resetFolderLink(ctx.store.conn, ctx.profileId, ctx.mailbox.id, folder.id);
      link = initial;
      restarted = true;
      continue;
    }
    await processPage(ctx, folder, page.value);
    const deltaLink = page['@odata.deltaLink'];
    const next = deltaLink ?? page['@odata.nextLink'];
    if (!next) throw new Error(`Delta page for ${folder.path} had neither nextLink nor deltaLink`);
    await saveFolderLink(ctx.store.conn, ids, next, Boolean(deltaLink));
    if (deltaLink) return;
    link = next;
  }
}

export async function processPage(ctx: CrawlContext, folder: FolderRef, items: DeltaItem[]): Promise<void> {
  const counts: PartialCounts = {};
  const outcomes = await Promise.all(
    items.map(async (item): Promise<MessageOutcome> => {
      if (!item.id) return { counts: {} };
      if (item['@removed']) {
        await forgetPendingMessage(ctx.store.conn, ctx.profileId, ctx.mailbox.id, item.id);
        return { counts: { removedInMailbox: 1 } };
      }
      const outcome = await processMessage(ctx, folder, item);
      return { ...outcome, counts: { found: 1, ...outcome.counts } };
    }),
  );
  const deletable: string[] = [];
  for (const [i, o] of outcomes.entries()) {
    addCounts(counts, o.counts);
    if (o.deletable) deletable.push(o.deletable);
    if (o.error) await recordRunError(ctx.store.conn, ctx.runId, ctx.mailbox.id, { folder: folder.path, messageId: items[i]!.id, reason: o.error });
  }
  if (deletable.length) addCounts(counts, await deleteFromMailbox(ctx, folder, deletable));
  await countRunMailbox(ctx.store.conn, ctx.runId, ctx.mailbox.id, counts);
}

/** Deletes verified messages in $batch calls of 20 (one round trip instead of twenty). */
export async function deleteFromMailbox(ctx: CrawlContext, folder: FolderRef, messageIds: string[]): Promise<PartialCounts> {
  const requests = messageIds.map((id, i) => ({ id: String(i), method: 'DELETE' as const, url: `/users/${ctx.mailbox.id}/messages/${id}` }));
  const answers = await ctx.limiter.run(() => sendBatch(ctx.graph, requests, ctx.signal));
  let deleted = 0;
  for (const req of requests) {
    const status = answers.get(req.id)?.status ?? 0;
    if (status === 204 || status === 404) {
      deleted += status === 204 ? 1 : 0;
      continue;
    }
    await recordRunError(ctx.store.conn, ctx.runId, ctx.mailbox.id, {
      folder: folder.path,
      messageId: messageIds[Number(req.id)],
      reason: `delete after archiving failed with HTTP ${status}`,
    });
  }
  return { deleted };
}

import { createHash } from 'node:crypto';
import type { Message } from '@microsoft/microsoft-graph-types';
import type { GraphPage } from '../graph/paging';
import { sendBatch } from '../graph/batch';
import { recordRunError, recordRunSkip } from '../store/runs';
import { forgetPendingMessage } from '../store/pending';
import { saveFolderLink } from '../store/sync-state';
import { addCounts, type CrawlContext, type PartialCounts } from './context';
import { isSyncStateLost } from './folder-tree';
import { processMessages, type FolderRef, type MessageOutcome } from './process-message';
import { RESTORED_FROM_EXPAND } from './restored-copy';

type DeltaItem = Message & { '@removed'?: { reason: string } };

/** A problem with one message, recorded in the run once its page is committed. */
export interface MessageError {
  folder: string;
  messageId?: string;
  reason: string;
  /** Not an error: a filter skipped the message, and the run names it (recorded apart). */
  skipped?: boolean;
}

/** What the run records of one message's outcome: its error, or why a filter skipped it. */
export function noteOf(o: MessageOutcome, folder: string, messageId: string | undefined): MessageError[] {
  if (o.error) return [{ folder, messageId, reason: o.error }];
  return o.skipped ? [{ folder, messageId, reason: o.skipped, skipped: true }] : [];
}

const PAGE_SIZE = 50;
/** The subject names a message the run reports as skipped by a filter. */
const DELTA_FIELDS = 'receivedDateTime,isDraft,subject';

/**
 * Message delta for one folder: the first round takes everything, later rounds only changes.
 * A page is committed by one write, after its messages are archived: the link to the next page
 * together with what the run has counted in the folder so far. A crash before it re-reads the
 * page (ingest turns it into no-ops) and counts it once; after it, the crawl resumes past it.
 */
export async function crawlFolder(ctx: CrawlContext, folder: FolderRef): Promise<void> {
  const ids = { profileId: ctx.profileId, mailboxId: ctx.mailbox.id, folderId: folder.id };
  const initial = `/users/${ctx.mailbox.id}/mailFolders/${folder.id}/messages/delta?$select=${DELTA_FIELDS}&$expand=${RESTORED_FROM_EXPAND}`;
  let link = ctx.tally.folderState(folder.id)?.link ?? initial;
  let restarted = false;

  for (;;) {
    ctx.signal.throwIfAborted();
    let page: GraphPage<DeltaItem>;
    try {
      const url = link;
      page = await ctx.limiter.run(() => ctx.graph.api(url).header('Prefer', `odata.maxpagesize=${PAGE_SIZE}`).get());
    } catch (err) {
      if (restarted || !isSyncStateLost(err)) throw err;
      // The delta token expired: take the folder again from the start; ingest dedups. The saved
      // link stays until the first page of the new round is committed.
      ctx.log.warn({ mailbox: ctx.mailbox.upn, folder: folder.path }, 'delta state lost; resynchronising folder');
      link = initial;
      restarted = true;
      continue;
    }
    const { counts, errors } = await processPage(ctx, folder, page.value, unitOf(ctx, link, restarted));
    const deltaLink = page['@odata.deltaLink'];
    const next = deltaLink ?? page['@odata.nextLink'];
    if (!next) throw new Error(`Delta page for ${folder.path} had neither nextLink nor deltaLink`);
    const folderCounts = ctx.tally.folderWith(folder.id, counts);
    await saveFolderLink(ctx.store.conn, ids, next, Boolean(deltaLink), { runId: ctx.runId, counts: folderCounts });
    ctx.tally.committedFolder(folder.id, folderCounts);
    await ctx.tally.publish();
    await recordErrors(ctx, errors);
    if (deltaLink) return;
    link = next;
  }
}

/** Names a page of this run: the same link read again (a retry) is the same unit. */
function unitOf(ctx: CrawlContext, link: string, restarted: boolean): string {
  return `${ctx.runId}:${restarted ? 'r' : ''}${createHash('sha256').update(link).digest('base64url').slice(0, 22)}`;
}

export async function processPage(ctx: CrawlContext, folder: FolderRef, items: DeltaItem[], unit: string): Promise<{ counts: PartialCounts; errors: MessageError[] }> {
  const counts: PartialCounts = {};
  const offered = items.filter((item) => item.id && !item['@removed']);
  for (const item of items) {
    if (!item.id || !item['@removed']) continue;
    await forgetPendingMessage(ctx.store.conn, ctx.profileId, ctx.mailbox.id, item.id);
    addCounts(counts, { removedInMailbox: 1 });
  }
  const outcomes = await processMessages(ctx, offered.map((msg) => ({ folder, msg })), unit);
  const errors: MessageError[] = [];
  const deletable: string[] = [];
  for (const [i, o] of outcomes.entries()) {
    addCounts(counts, { found: 1, ...o.counts });
    if (o.deletable) deletable.push(o.deletable);
    errors.push(...noteOf(o, folder.path, offered[i]!.id));
  }
  if (deletable.length) {
    const deleted = await deleteFromMailbox(ctx, folder, deletable);
    addCounts(counts, deleted.counts);
    errors.push(...deleted.errors);
  }
  return { counts, errors };
}

export async function recordErrors(ctx: CrawlContext, errors: MessageError[]): Promise<void> {
  for (const { skipped, ...error } of errors) await (skipped ? recordRunSkip : recordRunError)(ctx.store.conn, ctx.runId, ctx.mailbox.id, error);
}

/** Deletes verified messages in $batch calls of 20 (one round trip instead of twenty). */
export async function deleteFromMailbox(ctx: CrawlContext, folder: FolderRef, messageIds: string[]): Promise<{ counts: PartialCounts; errors: MessageError[] }> {
  const requests = messageIds.map((id, i) => ({ id: String(i), method: 'DELETE' as const, url: `/users/${ctx.mailbox.id}/messages/${id}` }));
  const answers = await ctx.limiter.run(() => sendBatch(ctx.graph, requests, ctx.signal));
  let deleted = 0;
  const errors: MessageError[] = [];
  for (const req of requests) {
    const status = answers.get(req.id)?.status ?? 0;
    if (status === 204 || status === 404) {
      deleted += status === 204 ? 1 : 0;
      continue;
    }
    errors.push({ folder: folder.path, messageId: messageIds[Number(req.id)], reason: `delete after archiving failed with HTTP ${status}` });
  }
  return { counts: { deleted }, errors };
}

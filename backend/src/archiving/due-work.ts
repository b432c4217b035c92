import { verifyArchived } from '../ingest';
import { duePending, nextRetry, removePending, type PendingItem } from '../store/pending';
import { addCounts, type CrawlContext } from './context';
import { deleteFromMailbox, merge, recordErrors, settleOutcomes, type Settled } from './outcomes';
import { processMessages, type Offered } from './process-message';

/** Due pending items handled and committed at a time. */
const PENDING_BATCH = 100;

/**
 * Pending work that is due, a batch at a time: messages that became old enough for the age
 * filter, owed downloads whose retry is due, archived messages that became old enough for the
 * deletion rule. A batch is committed (its counts and the ids of the items it finished, one
 * write) before those items are removed, so a crash in between neither loses nor repeats its
 * counts: the retry finishes the removal of the committed batch first. An owed download that
 * fails again stays pending, rescheduled (owed.ts), and is not among the finished.
 */
export async function processDueWork(ctx: CrawlContext): Promise<void> {
  const { conn } = ctx.store;
  for (const id of ctx.tally.takeUncleared()) await removePending(conn, id);
  ctx.retries.reset();
  for (;;) {
    const due = await duePending(conn, ctx.profileId, ctx.mailbox.id, new Date(), PENDING_BATCH);
    if (due.length === 0) break;
    ctx.signal.throwIfAborted();
    const archive = due.filter((item) => item.kind === 'archive');
    const offered = archive.map(offeredOf);
    const outcomes = await processMessages(ctx, offered, `${ctx.runId}:pending`);
    const settled = await settleOutcomes(ctx, offered, outcomes);
    // Owed again, or failed for good: the item stays, as the retry schedule or as the record of the loss.
    const stays = new Set(archive.filter((_, i) => outcomes[i]!.state === 'owed' || outcomes[i]!.state === 'failed'));
    const finished = due.filter((item) => !stays.has(item));
    for (const [i, item] of archive.entries()) {
      if (item.state === 'retrying' && outcomes[i]!.state === 'held') addCounts(settled.counts, { recovered: 1 });
    }
    for (const item of due.filter((d) => d.kind === 'delete')) merge(settled, await deleteDue(ctx, item));
    const ids = finished.map((d) => d._id);
    await ctx.tally.commitPending(settled.counts, ids);
    await recordErrors(ctx, settled.errors);
    for (const id of ids) await removePending(conn, id);
  }
  // What is still owed (not due yet, or failed again just now) sets the clock for the next retry.
  const next = await nextRetry(conn, ctx.profileId, ctx.mailbox.id);
  if (next) ctx.retries.due(next);
}

/** A pending item as the crawl offers a message; the failed-for-good ones keep their state in the ledger. */
function offeredOf(item: PendingItem): Offered {
  return {
    folder: { id: item.folderId, path: item.folderPath },
    msg: { id: item.messageId, receivedDateTime: item.receivedAt.toISOString(), subject: item.subject ?? null },
  };
}

async function deleteDue(ctx: CrawlContext, item: PendingItem): Promise<Settled> {
  const folder = { id: item.folderId, path: item.folderPath };
  if (!item.sha256 || !(await verifyArchived(ctx.store, item.sha256))) {
    return { counts: { failed: 1 }, errors: [{ folder: item.folderPath, messageId: item.messageId, reason: 'archived copy failed verification; not deleted from the mailbox' }] };
  }
  return deleteFromMailbox(ctx, folder, [item.messageId]);
}

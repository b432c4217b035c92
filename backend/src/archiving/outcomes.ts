import { sendBatch } from '../graph/batch';
import { forgetMember, recordMembers, type MemberState } from '../store/members';
import { recordRunError, recordRunSkip } from '../store/runs';
import { addCounts, mailboxRef, type CrawlContext, type PartialCounts } from './context';
import type { FolderRef, MessageOutcome, Offered } from './process-message';

/** A problem with one message, recorded in the run once its unit of work is committed. */
export interface MessageError {
  folder: string;
  messageId?: string;
  subject?: string;
  reason: string;
  /** Not an error: a filter skipped the message, and the run names it (recorded apart). */
  skipped?: boolean;
}

export interface Settled {
  counts: PartialCounts;
  errors: MessageError[];
}

/**
 * Writes down what became of messages (the folder ledger, store/members.ts) and deletes from the
 * mailbox those the deletion rule lets go, before the unit's commit: a retried unit writes the
 * same again. The counts and errors are for the commit.
 */
export async function settleOutcomes(ctx: CrawlContext, offered: Offered[], outcomes: MessageOutcome[]): Promise<Settled> {
  const settled: Settled = { counts: {}, errors: [] };
  const members: { messageId: string; folderId: string; state: MemberState }[] = [];
  const deletable = new Map<string, { folder: FolderRef; ids: string[] }>();
  for (const [i, o] of outcomes.entries()) {
    const { folder, msg } = offered[i]!;
    addCounts(settled.counts, o.counts);
    if (o.state) members.push({ messageId: msg.id!, folderId: folder.id, state: o.state });
    else await forgetMember(ctx.store.conn, mailboxRef(ctx), folder.id, msg.id!);
    if (o.error) settled.errors.push({ folder: folder.path, messageId: msg.id!, subject: msg.subject ?? undefined, reason: o.error });
    if (o.skipped) settled.errors.push({ folder: folder.path, messageId: msg.id!, reason: o.skipped, skipped: true });
    if (o.deletable) {
      const entry = deletable.get(folder.id) ?? { folder, ids: [] };
      entry.ids.push(o.deletable);
      deletable.set(folder.id, entry);
    }
  }
  await recordMembers(ctx.store.conn, mailboxRef(ctx), members);
  for (const { folder, ids } of deletable.values()) merge(settled, await deleteFromMailbox(ctx, folder, ids));
  return settled;
}

export function merge(into: Settled, from: Settled): void {
  addCounts(into.counts, from.counts);
  into.errors.push(...from.errors);
}

export async function recordErrors(ctx: CrawlContext, errors: MessageError[]): Promise<void> {
  for (const { skipped, ...error } of errors) await (skipped ? recordRunSkip : recordRunError)(ctx.store.conn, ctx.runId, ctx.mailbox.id, error);
}

/**
 * Deletes verified messages in $batch calls of 20 (one round trip instead of twenty). A deleted
 * message leaves its folder at once, so it leaves the folder's ledger with it.
 */
export async function deleteFromMailbox(ctx: CrawlContext, folder: FolderRef, messageIds: string[]): Promise<Settled> {
  const requests = messageIds.map((id, i) => ({ id: String(i), method: 'DELETE' as const, url: `/users/${ctx.mailbox.id}/messages/${id}` }));
  const answers = await sendBatch(ctx.graph, requests, ctx.signal);
  let deleted = 0;
  const errors: MessageError[] = [];
  for (const req of requests) {
    const status = answers.get(req.id)?.status ?? 0;
    const messageId = messageIds[Number(req.id)]!;
    if (status === 204 || status === 404) {
      deleted += status === 204 ? 1 : 0;
      await forgetMember(ctx.store.conn, mailboxRef(ctx), folder.id, messageId);
      continue;
    }
    errors.push({ folder: folder.path, messageId, reason: `delete after archiving failed with HTTP ${status}` });
  }
  return { counts: { deleted }, errors };
}

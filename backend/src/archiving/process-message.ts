import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ResponseType } from '@microsoft/microsoft-graph-client';
import type { Message } from '@microsoft/microsoft-graph-types';
import { ingestMessage, verifyArchived } from '../ingest';
import { graphErrorOf } from '../graph/paging';
import { findItemBySource } from '../store/items';
import { addPending } from '../store/pending';
import { daysAfter, daysBefore, type CrawlContext, type PartialCounts } from './context';

export interface FolderRef {
  id: string;
  path: string;
}

/** What happened to one message, and whether it may now be deleted from the mailbox. */
export interface MessageOutcome {
  counts: PartialCounts;
  deletable?: string;
  error?: string;
}

/**
 * One message of a delta page: filter, skip what this archive already holds from this source,
 * else stream its MIME from $value into ingest. Never throws for a message-level problem: the
 * outcome says what went wrong and the crawl goes on.
 */
export async function processMessage(ctx: CrawlContext, folder: FolderRef, msg: Message): Promise<MessageOutcome> {
  const received = msg.receivedDateTime ? new Date(msg.receivedDateTime) : ctx.now;
  const { filters, deletion } = ctx.settings;
  if ((filters.receivedAfter && received < filters.receivedAfter) || (filters.receivedBefore && received >= filters.receivedBefore)) {
    return { counts: { filtered: 1 } };
  }
  if (filters.olderThanDays !== undefined && received > daysBefore(ctx.now, filters.olderThanDays)) {
    // Too young today; delta will not offer it again, so remember it for the run that is due.
    await remember(ctx, 'archive', folder, msg.id!, received, daysAfter(received, filters.olderThanDays), null);
    return { counts: { filtered: 1 } };
  }

  const existing = await findItemBySource(ctx.store.conn, ctx.archiveId, ctx.mailbox.id, msg.id!);
  let sha256 = existing?.sha256;
  const counts: PartialCounts = {};
  if (existing) {
    counts.alreadyArchived = 1;
  } else {
    const result = await download(ctx, folder, msg, received);
    if ('skip' in result) return result.skip;
    sha256 = result.sha256;
    Object.assign(counts, result.counts);
  }

  if (deletion.mode === 'delete-after-archiving' && sha256) {
    if (received <= daysBefore(ctx.now, deletion.olderThanDays)) {
      // Delete only what we have read back and re-hashed (MISSION M6).
      if (await verifyArchived(ctx.store, sha256)) return { counts, deletable: msg.id! };
      return { counts: { ...counts, failed: 1 }, error: 'archived copy failed verification; not deleted from the mailbox' };
    }
    await remember(ctx, 'delete', folder, msg.id!, received, daysAfter(received, deletion.olderThanDays), sha256);
  }
  return { counts };
}

type Download = { sha256: string; counts: PartialCounts } | { skip: MessageOutcome };

async function download(ctx: CrawlContext, folder: FolderRef, msg: Message, received: Date): Promise<Download> {
  const maxBytes = ctx.settings.filters.maxSizeMB ? Math.floor(ctx.settings.filters.maxSizeMB * 1024 * 1024) : undefined;
  try {
    const result = await ctx.limiter.run(async () => {
      const body: WebReadableStream = await ctx.graph
        .api(`/users/${ctx.mailbox.id}/messages/${msg.id}/$value`)
        .responseType(ResponseType.STREAM)
        .get();
      return ingestMessage(ctx.store, {
        archiveId: ctx.archiveId,
        folder: folder.path,
        receivedAt: received,
        source: { kind: 'graph', mailboxId: ctx.mailbox.id, folderId: folder.id, messageId: msg.id! },
        content: Readable.fromWeb(body),
        maxBytes,
      });
    });
    return {
      sha256: result.sha256,
      counts: result.status === 'archived' ? { archived: 1, bytes: result.size } : { alreadyArchived: 1 },
    };
  } catch (err) {
    if ((err as { code?: string }).code === 'MESSAGE_TOO_LARGE') return { skip: { counts: { filtered: 1 } } };
    const { status, code, message } = graphErrorOf(err);
    // Deleted or moved between the delta page and the download: the target folder's delta has it.
    if (status === 404 || code === 'ErrorItemNotFound') return { skip: { counts: { removedInMailbox: 1 } } };
    return { skip: { counts: { failed: 1 }, error: `${code || 'error'}: ${message}` } };
  }
}

function remember(ctx: CrawlContext, kind: 'archive' | 'delete', folder: FolderRef, messageId: string, receivedAt: Date, dueAt: Date, sha256: string | null) {
  return addPending(ctx.store.conn, {
    kind,
    profileId: ctx.profileId,
    mailboxId: ctx.mailbox.id,
    messageId,
    folderId: folder.id,
    folderPath: folder.path,
    receivedAt,
    dueAt,
    sha256,
  });
}

import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ResponseType } from '@microsoft/microsoft-graph-client';
import type { Message } from '@microsoft/microsoft-graph-types';
import { archiveStored, prepareSpooled, settleAll, storePrepared, verifyArchived, type ArchiveEntry, type PreparedMessage } from '../ingest';
import { MessageTooLargeError, spool, type Spool } from '../ingest/spool';
import { downloadRetryOptions } from '../graph/client';
import { graphErrorOf } from '../graph/paging';
import type { Store } from '../store';
import { claimSources, type SourceRef } from '../store/items';
import type { MemberState } from '../store/members';
import { addPending } from '../store/pending';
import { mailboxCopyMayGo } from '../retention';
import { daysAfter, daysBefore, type CrawlContext, type PartialCounts } from './context';
import { owe } from './owed';
import { isRestoredCopy } from './restored-copy';

export interface FolderRef {
  id: string;
  path: string;
}

/** A mailbox message offered for archiving: by a delta page, or by due pending work. */
export interface Offered {
  folder: FolderRef;
  msg: Message;
}

/** What happened to one message, and whether it may now be deleted from the mailbox. */
export interface MessageOutcome {
  counts: PartialCounts;
  /** What the archive holds of it now; null when it left the mailbox before it could be read. */
  state: MemberState | null;
  deletable?: string;
  /** A problem to record in the run (the message is not necessarily missing). */
  error?: string;
  /** Why a filter skipped it, where the counter alone would not say which message (the size limit). */
  skipped?: string;
}

/** Text and encoded bytes held for a batch before it is stored early: a page of large messages stays within memory. */
const MAX_BATCH_CHARS = 2_000_000;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * The messages of one unit of work (a delta page, or a batch of due pending work) together:
 * filter each; ask which ones the archive holds already (one insert of claims, see
 * store/items.ts); download the others, holding the mailbox's Graph slot for the HTTP download
 * only (the body is spooled, then checked, encoded and parsed within the process's ingest
 * slots); store them and add them to the archive in one batch of writes. `unit` names this unit of this run, so that a retry counts
 * what the first attempt archived as archived. Never throws for a message-level problem (the
 * outcome says what went wrong and the crawl goes on); a database error fails the whole unit,
 * which is then retried, as its delta link was not saved.
 */
export async function processMessages(ctx: CrawlContext, offered: Offered[], unit: string): Promise<MessageOutcome[]> {
  const filtered = await Promise.all(offered.map((o) => filter(ctx, o)));
  const wanted = offered.filter((_, i) => filtered[i] === null).map((o) => o.msg.id!);
  const known = await claimSources(ctx.store.conn, ctx.archiveId, ctx.mailbox.id, wanted);
  const batch = new ArchiveBatch(ctx.store);
  const steps = await settleAll(
    offered.map(async (o, i): Promise<Step> => {
      const done = filtered[i];
      if (done) return { done };
      const ref = known.get(o.msg.id!);
      if (ref) return { archived: Promise.resolve({ sha256: ref.sha256, counts: countKnown(ref, unit) }) };
      return ctx.inFlight.run(() => fetchAndStore(ctx, o, unit, batch));
    }),
  );
  await batch.flush();
  return settleAll(steps.map(async (step, i) => ('done' in step ? step.done : afterArchiving(ctx, offered[i]!, await step.archived))));
}

type Archived = { sha256: string; counts: PartialCounts };
type Step = { done: MessageOutcome } | { archived: Promise<Archived> };

const receivedOf = (ctx: CrawlContext, msg: Message) => (msg.receivedDateTime ? new Date(msg.receivedDateTime) : ctx.now);

/** The profile's filters, and restored copies: an outcome for a message they exclude, null for one to archive. */
async function filter(ctx: CrawlContext, { folder, msg }: Offered): Promise<MessageOutcome | null> {
  if (await isRestoredCopy(ctx.store, ctx.archiveId, msg)) return { counts: { alreadyArchived: 1 }, state: 'held' };
  const received = receivedOf(ctx, msg);
  const { filters } = ctx.settings;
  if ((filters.receivedAfter && received < filters.receivedAfter) || (filters.receivedBefore && received >= filters.receivedBefore)) {
    return filtered();
  }
  if (filters.olderThanDays !== undefined && received > daysBefore(ctx.now, filters.olderThanDays)) {
    // Too young today; delta will not offer it again, so remember it for the run that is due.
    await remember(ctx, 'archive', folder, msg.id!, received, daysAfter(received, filters.olderThanDays), null);
    return filtered();
  }
  return null;
}

const filtered = (): MessageOutcome => ({ counts: { filtered: 1 }, state: 'filtered' });

/** An archived copy counts as archived only for the unit that archived it (a retry of that unit). */
function countKnown(ref: SourceRef, unit: string): PartialCounts {
  return ref.unit === unit && ref.outcome === 'archived' ? { archived: 1, bytes: ref.size ?? 0 } : { alreadyArchived: 1 };
}

async function fetchAndStore(ctx: CrawlContext, offered: Offered, unit: string, batch: ArchiveBatch): Promise<Step> {
  const { folder, msg } = offered;
  const maxBytes = ctx.settings.filters.maxSizeMB ? Math.floor(ctx.settings.filters.maxSizeMB * 1024 * 1024) : undefined;
  let spooled: Spool;
  try {
    // The Graph client holds one of the mailbox's slots until the body is read (graph/mailbox-requests.ts).
    const body: WebReadableStream = await ctx.graph
      .api(`/users/${ctx.mailbox.id}/messages/${msg.id}/$value`)
      .middlewareOptions([downloadRetryOptions()])
      .responseType(ResponseType.STREAM)
      .get();
    spooled = await spool(Readable.fromWeb(body), { maxBytes });
  } catch (err) {
    return { done: await downloadFailed(ctx, offered, err) };
  }
  let prepared: PreparedMessage;
  try {
    prepared = await prepareSpooled(ctx.store, spooled);
  } finally {
    await spooled.dispose();
  }
  const source = { kind: 'graph' as const, mailboxId: ctx.mailbox.id, folderId: folder.id, messageId: msg.id! };
  const added = batch.add({ archiveId: ctx.archiveId, folder: folder.path, receivedAt: receivedOf(ctx, msg), source, unit }, prepared);
  const { size, identity } = prepared;
  const archived = added.then((status): Archived => ({ sha256: identity.id, counts: status === 'archived' ? { archived: 1, bytes: size } : { alreadyArchived: 1 } }));
  // Awaited once the whole unit is stored; a failed batch must not count as unhandled meanwhile.
  archived.catch(() => undefined);
  return { archived };
}

/**
 * A download that failed leaves the message owed: delta will not offer it again, so it goes to
 * the pending work with a retry schedule (owed.ts) before the page's link is saved.
 */
async function downloadFailed(ctx: CrawlContext, offered: Offered, err: unknown): Promise<MessageOutcome> {
  if (err instanceof MessageTooLargeError) {
    const limit = +(err.maxBytes / 1024 / 1024).toFixed(2);
    return { ...filtered(), skipped: `"${offered.msg.subject ?? ''}" not archived: larger than the profile's size limit of ${limit} MB` };
  }
  const { status, code, message } = graphErrorOf(err);
  // Deleted between the delta page and the download: that folder's delta reports it removed.
  if (status === 404 || code === 'ErrorItemNotFound') return { counts: { removedInMailbox: 1 }, state: null };
  // A streamed answer's error body is never read: the status is what there is to tell.
  const what = [code, status ? `HTTP ${status}` : ''].filter(Boolean).join(', ') || 'error';
  return owe(ctx, offered, message ? `${what}: ${message}` : what);
}

/** The deletion rule, for a message the archive now holds. */
async function afterArchiving(ctx: CrawlContext, { folder, msg }: Offered, { sha256, counts }: Archived): Promise<MessageOutcome> {
  const { deletion } = ctx.settings;
  if (deletion.mode !== 'delete-after-archiving' || (ctx.mailbox.onlineArchive && !deletion.alsoOnlineArchives)) return { counts, state: 'held' };
  const received = receivedOf(ctx, msg);
  if (received <= daysBefore(ctx.now, deletion.olderThanDays)) {
    // Delete only what we have read back and re-hashed (MISSION M6), and what retention has not just removed.
    if (!(await verifyArchived(ctx.store, sha256))) return { counts: { ...counts, failed: 1 }, state: 'held', error: 'archived copy failed verification; not deleted from the mailbox' };
    const kept = await mailboxCopyMayGo(ctx.store, ctx.archiveId, sha256);
    return kept ? { counts: { ...counts, failed: 1 }, state: 'held', error: kept } : { counts, state: 'held', deletable: msg.id! };
  }
  await remember(ctx, 'delete', folder, msg.id!, received, daysAfter(received, deletion.olderThanDays), sha256);
  return { counts, state: 'held' };
}

type BatchEntry = Omit<ArchiveEntry, 'stored'>;

/**
 * Prepared messages waiting to be stored and added to the archive together (one insert each of
 * chunks, files, message documents and items, one of source references, one index batch).
 * Written early once their text or bytes grow large, so a page of big messages does not hold
 * them all at once.
 */
class ArchiveBatch {
  private waiting: { entry: BatchEntry; prepared: PreparedMessage; settle: (status: Promise<'archived' | 'duplicate'>) => void }[] = [];
  private chars = 0;
  private bytes = 0;
  private readonly writes: Promise<void>[] = [];

  constructor(private readonly store: Store) {}

  add(entry: BatchEntry, prepared: PreparedMessage): Promise<'archived' | 'duplicate'> {
    const added = new Promise<'archived' | 'duplicate'>((resolve) => this.waiting.push({ entry, prepared, settle: resolve }));
    this.chars += textChars(prepared.content);
    this.bytes += prepared.encoded?.data.length ?? 0;
    if (this.chars >= MAX_BATCH_CHARS || this.bytes >= MAX_BATCH_BYTES) this.writes.push(this.write());
    return added;
  }

  async flush(): Promise<void> {
    this.writes.push(this.write());
    await Promise.all(this.writes);
  }

  private async write(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    this.chars = 0;
    this.bytes = 0;
    if (batch.length === 0) return;
    const statuses = storePrepared(this.store, batch.map((b) => b.prepared)).then((stored) =>
      archiveStored(this.store, batch.map((b, i) => ({ ...b.entry, stored: stored[i]! }))),
    );
    batch.forEach((b, i) => b.settle(statuses.then((s) => s[i]!)));
    // Each message's promise carries the batch's error; this one only waits.
    await statuses.catch(() => undefined);
  }
}

function textChars(content: PreparedMessage['content']): number {
  const text = content as { bodyText?: string; attachmentText?: string[] };
  return (text.bodyText?.length ?? 0) + (text.attachmentText ?? []).reduce((n, t) => n + t.length, 0);
}

function remember(ctx: CrawlContext, kind: 'archive' | 'delete', folder: FolderRef, messageId: string, receivedAt: Date, dueAt: Date, sha256: string | null) {
  return addPending(ctx.store.conn, {
    kind,
    ...(kind === 'archive' ? { state: 'waiting' as const } : {}),
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

import { Readable } from 'node:stream';
import type { Attachment, ConversationThread, FileAttachment, Post } from '@microsoft/microsoft-graph-types';
import { describe } from '../archiving/crawl-mailbox';
import { daysBefore, type CrawlContext, type PartialCounts } from '../archiving/context';
import { pages, collect } from '../graph/paging';
import { archiveStored, settleAll, storeMessage, type ArchiveEntry } from '../ingest';
import { getArchiveUser } from '../store/directory';
import { getGroupSync, saveGroupSync, type GroupSync } from '../store/group-sync';
import { recordRunError, setRunMailboxCompleteness } from '../store/runs';
import { postToMime, type PostForMime, type ThreadForMime } from './post-mime';

/**
 * How often every thread of a group is read again, whatever its `lastDeliveredDateTime` says:
 * the pass that catches what the incremental passes cannot see (a post edited in place, a
 * thread Graph listed out of order). Unchanged posts rebuild to the same bytes and are no-ops.
 */
export const FULL_PASS_MS = 7 * 86_400_000;
/** Threads read per page: each page's progress is saved once its threads are archived. */
const THREAD_PAGE = 50;
/** Posts of a thread added to the archive in one batch of writes. */
const POST_BATCH = 50;
/** Archive folder of a group's posts. */
export const GROUP_FOLDER = 'Conversations';

/**
 * Archives one Microsoft 365 group's conversations into its archive (`ctx.mailbox.id` is the
 * group id). Graph documents no delta query for threads or posts
 * (https://learn.microsoft.com/en-us/graph/api/resources/conversationthread), so a thread is
 * read again when its `lastDeliveredDateTime` differs from what the last run archived; threads
 * come most recently delivered first, and the listing stops at the first thread older than
 * everything archived before. Every FULL_PASS_MS, every thread is read. A thread that fails keeps
 * its earlier state and makes the next run a full pass, which reads it again (owed until then).
 */
export async function crawlGroup(ctx: CrawlContext): Promise<void> {
  const groupId = ctx.mailbox.id;
  const group = await getArchiveUser(ctx.store.conn, groupId);
  if (!group) throw new Error(`Group ${groupId} is not in the directory; synchronise groups first`);
  const thread0: Omit<ThreadForMime, 'threadId' | 'topic'> = { groupId, groupName: group.displayName, groupMail: group.mail };
  const state = (await getGroupSync(ctx.store.conn, ctx.profileId, groupId)) ?? { threads: [], fullPassAt: null };
  const known = new Map(state.threads.map((t) => [t.id, t.lastDelivered]));
  const full = !state.fullPassAt || ctx.now.getTime() - state.fullPassAt.getTime() >= FULL_PASS_MS;
  const watermark = full ? '' : state.threads.reduce((max, t) => (t.lastDelivered > max ? t.lastDelivered : max), '');
  let owed = 0;
  for await (const threads of pages<ConversationThread>(ctx.graph, `/groups/${groupId}/threads?$select=id,topic,lastDeliveredDateTime&$top=${THREAD_PAGE}`)) {
    const counts: PartialCounts = {};
    let older = false;
    for (const t of threads) {
      ctx.signal.throwIfAborted();
      const last = t.lastDeliveredDateTime ?? '';
      if (last < watermark) older = true;
      if (older || (!full && known.get(t.id!) === last)) continue;
      const outcome = await archiveThread(ctx, { ...thread0, threadId: t.id!, topic: t.topic ?? '' }, counts);
      if (outcome === 'done') known.set(t.id!, last);
      else if (outcome === 'failed') owed++;
    }
    await saveGroupSync(ctx.store.conn, ctx.profileId, groupId, { threads: listed(known), fullPassAt: owed > 0 ? null : state.fullPassAt });
    await ctx.tally.commitPending(counts, []);
    if (older) break;
  }
  // A thread that failed may be older than the watermark: a full pass next run reads it again.
  await saveGroupSync(ctx.store.conn, ctx.profileId, groupId, { threads: listed(known), fullPassAt: owed > 0 ? null : full ? ctx.now : state.fullPassAt });
  await setRunMailboxCompleteness(ctx.store.conn, ctx.runId, groupId, { folders: [], failedMessages: [], missing: { owed, failed: 0, incompleteFolders: 0, gapFolders: 0 } });
}

const listed = (known: Map<string, string>): GroupSync['threads'] => [...known].map(([id, lastDelivered]) => ({ id, lastDelivered }));

/**
 * Reads a thread's posts with their attachments (expanded on the listing: listing a post's
 * attachments is not open to applications, https://learn.microsoft.com/en-us/graph/api/post-list-attachments)
 * and archives each post the profile's filters let through. 'failed': the thread could not be
 * read or stored whole; 'young': a post is too young for "older than N days" yet, so the thread
 * is read again next run.
 */
async function archiveThread(ctx: CrawlContext, thread: ThreadForMime, counts: PartialCounts): Promise<'done' | 'young' | 'failed'> {
  try {
    const posts = await collect<Post>(ctx.graph, `/groups/${thread.groupId}/threads/${thread.threadId}/posts?$expand=attachments`);
    posts.sort((a, b) => (a.receivedDateTime ?? '').localeCompare(b.receivedDateTime ?? '') || a.id!.localeCompare(b.id!));
    const kept = posts.map((post, i) => ({ post, i })).filter(({ post }) => {
      const skip = filteredOut(ctx, new Date(post.receivedDateTime!));
      if (skip) counts.filtered = (counts.filtered ?? 0) + 1;
      return !skip;
    });
    counts.found = (counts.found ?? 0) + posts.length;
    for (let at = 0; at < kept.length; at += POST_BATCH) {
      const batch = kept.slice(at, at + POST_BATCH);
      // Stored a few at a time (the crawl's in-flight bound), then added to the archive in one batch of writes.
      const stored = await settleAll(batch.map(({ post, i }) => ctx.inFlight.run(() => storeMessage(ctx.store, Readable.from([postToMime(thread, forMime(post), posts.slice(0, i).map((p) => p.id!))])))));
      const statuses = await archiveStored(ctx.store, batch.map(({ post }, k): ArchiveEntry => ({
        archiveId: ctx.archiveId, folder: GROUP_FOLDER, receivedAt: new Date(post.receivedDateTime!), stored: stored[k]!,
        source: { kind: 'group-post', groupId: thread.groupId, threadId: thread.threadId, postId: post.id! },
      })));
      for (const [k, status] of statuses.entries()) {
        if (status === 'archived') {
          counts.archived = (counts.archived ?? 0) + 1;
          counts.bytes = (counts.bytes ?? 0) + stored[k]!.size;
        } else counts.alreadyArchived = (counts.alreadyArchived ?? 0) + 1;
      }
    }
    const young = posts.some((p) => filteredOut(ctx, new Date(p.receivedDateTime!)) === 'young');
    return young ? 'young' : 'done';
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    await recordRunError(ctx.store.conn, ctx.runId, thread.groupId, { reason: `thread "${thread.topic}" (${thread.threadId}): ${describe(err)}; read again next run` });
    return 'failed';
  }
}

/** The profile's date filters, as for mail (archiving/process-message.ts); the size limit applies to mail only. */
function filteredOut(ctx: CrawlContext, received: Date): 'window' | 'young' | null {
  const { filters } = ctx.settings;
  if ((filters.receivedAfter && received < filters.receivedAfter) || (filters.receivedBefore && received >= filters.receivedBefore)) return 'window';
  return filters.olderThanDays !== undefined && received > daysBefore(ctx.now, filters.olderThanDays) ? 'young' : null;
}

function forMime(post: Post): PostForMime {
  const files = (post.attachments ?? []).filter((a): a is FileAttachment => isFile(a) && typeof (a as FileAttachment).contentBytes === 'string');
  return {
    id: post.id!,
    from: { name: post.from?.emailAddress?.name ?? '', address: post.from?.emailAddress?.address ?? '' },
    receivedDateTime: post.receivedDateTime!,
    html: post.body?.content ?? '',
    attachments: files.map((a) => ({ name: a.name ?? 'attachment', contentType: a.contentType ?? 'application/octet-stream', contentBytes: a.contentBytes! })),
    omitted: (post.attachments ?? []).filter((a) => !files.includes(a as FileAttachment)).map((a) => `${a.name ?? 'attachment'} (${kindOf(a)})`),
  };
}

const kindOf = (a: Attachment) => String((a as { '@odata.type'?: string })['@odata.type'] ?? 'attachment').replace('#microsoft.graph.', '');
const isFile = (a: Attachment) => kindOf(a) === 'fileAttachment';

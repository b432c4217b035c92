import type { ConversationThread, FileAttachment, Post } from '@microsoft/microsoft-graph-types';
import type { GroupRecord, PostAttachmentRecord, PostRecord, ThreadRecord } from '../tenant/directory';
import { PERMS, requireDirectory } from './auth';
import { badRequest, GraphError, notFound } from './errors';
import { groupOr404 } from './groups';
import { applySelect, contextUrl, selectFields } from './odata';
import type { GraphResponse, HandlerContext } from './types';
import { ok, pageCollection } from './users';

/**
 * Group conversations: threads and posts of a Microsoft 365 group's mailbox. Listing threads and
 * posts takes Group-Conversation.Read.All, for applications too
 * (https://learn.microsoft.com/en-us/graph/api/group-list-threads,
 * https://learn.microsoft.com/en-us/graph/api/conversationthread-list-posts); listing a post's
 * attachments does NOT support application permissions
 * (https://learn.microsoft.com/en-us/graph/api/post-list-attachments), so an app reads them by
 * expanding them on the posts listing (`$expand=attachments`, one relationship per request).
 * Graph documents no delta query for threads or posts.
 */
function conversationsOf(h: HandlerContext): GroupRecord {
  requireDirectory(h.principal, PERMS.conversations);
  const g = groupOr404(h);
  if (!g.group.groupTypes?.includes('Unified')) {
    throw notFound('ErrorInvalidGroup', 'The requested group is not a Microsoft 365 group with a group mailbox.');
  }
  return g;
}

const lastDelivered = (t: ThreadRecord) => t.posts.reduce((max, p) => (p.receivedDateTime > max ? p.receivedDateTime : max), '');
const hasFiles = (p: PostRecord) => (p.attachments?.length ?? 0) > 0;

function threadJson(t: ThreadRecord): ConversationThread {
  const last = t.posts[t.posts.length - 1];
  return {
    id: t.id,
    topic: t.topic,
    hasAttachments: t.posts.some(hasFiles),
    lastDeliveredDateTime: lastDelivered(t),
    uniqueSenders: [...new Set(t.posts.map((p) => p.from.name))],
    preview: (last?.content ?? '').replace(/<[^>]+>/g, '').slice(0, 255),
    isLocked: false,
    toRecipients: [],
    ccRecipients: [],
  };
}

/** Most recently delivered first, as Outlook lists a group's conversations. */
export async function listThreads(h: HandlerContext): Promise<GraphResponse> {
  const g = conversationsOf(h);
  const fields = selectFields(h.req.query);
  const threads = [...g.threads].sort((a, b) => lastDelivered(b).localeCompare(lastDelivered(a)) || a.id.localeCompare(b.id));
  return pageCollection(h, threads, {
    path: `/groups/${g.group.id}/threads`, resource: 'ConversationThread', defaultTop: 10, maxTop: 999,
    context: `groups('${g.group.id}')/threads`,
    render: (t) => applySelect(threadJson(t), fields),
  });
}

function threadOr404(h: HandlerContext, g: GroupRecord): ThreadRecord {
  const t = g.threads.find((x) => x.id === h.params.thread);
  if (!t) throw notFound('ErrorItemNotFound', 'The specified object was not found in the store.');
  return t;
}

export async function getThread(h: HandlerContext): Promise<GraphResponse> {
  const g = conversationsOf(h);
  return ok({ '@odata.context': contextUrl(h.env, `groups('${g.group.id}')/threads/$entity`), ...applySelect(threadJson(threadOr404(h, g)), selectFields(h.req.query)) });
}

function attachmentJson(a: PostAttachmentRecord, modified: string): FileAttachment & { '@odata.type': string } {
  return {
    '@odata.type': '#microsoft.graph.fileAttachment',
    id: a.id,
    name: a.name,
    contentType: a.contentType,
    size: Buffer.from(a.contentBytes, 'base64').length,
    isInline: false,
    lastModifiedDateTime: modified,
    contentBytes: a.contentBytes,
  };
}

function postJson(t: ThreadRecord, p: PostRecord, expand: boolean): Post {
  return {
    id: p.id,
    createdDateTime: p.receivedDateTime,
    lastModifiedDateTime: p.receivedDateTime,
    receivedDateTime: p.receivedDateTime,
    hasAttachments: hasFiles(p),
    body: { contentType: 'html', content: p.content },
    from: { emailAddress: p.from },
    sender: { emailAddress: p.from },
    conversationThreadId: t.id,
    newParticipants: [],
    ...(expand ? { attachments: (p.attachments ?? []).map((a) => attachmentJson(a, p.receivedDateTime)) } : {}),
  };
}

/** `$expand=attachments` is the one expansion the emulator knows; Graph allows one per request. */
function expandsAttachments(h: HandlerContext): boolean {
  const expand = h.req.query.get('$expand');
  if (!expand) return false;
  if (expand.trim().toLowerCase() !== 'attachments') throw badRequest('BadRequest', `Parsing OData Select and Expand failed: Could not find a property named '${expand}' on type 'microsoft.graph.post'.`);
  return true;
}

export async function listPosts(h: HandlerContext): Promise<GraphResponse> {
  const g = conversationsOf(h);
  const t = threadOr404(h, g);
  const fields = selectFields(h.req.query);
  const expand = expandsAttachments(h);
  return pageCollection(h, t.posts, {
    path: `/groups/${g.group.id}/threads/${t.id}/posts`, resource: 'Post', defaultTop: 10, maxTop: 999,
    context: `groups('${g.group.id}')/threads('${t.id}')/posts`,
    render: (p) => applySelect(postJson(t, p, expand), fields && expand ? [...fields, 'attachments'] : fields),
  });
}

/** Delegated callers only: "Application: Not supported" (post-list-attachments, cited above). */
export async function listPostAttachments(h: HandlerContext): Promise<GraphResponse> {
  if (h.principal.kind === 'app') throw new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  const g = conversationsOf(h);
  const t = threadOr404(h, g);
  const p = t.posts.find((x) => x.id === h.params.post);
  if (!p) throw notFound('ErrorItemNotFound', 'The specified object was not found in the store.');
  return pageCollection(h, p.attachments ?? [], {
    path: `/groups/${g.group.id}/threads/${t.id}/posts/${p.id}/attachments`, resource: 'Attachment', defaultTop: 10, maxTop: 999,
    context: `groups('${g.group.id}')/threads('${t.id}')/posts('${p.id}')/attachments`,
    render: (a) => attachmentJson(a, p.receivedDateTime),
  });
}

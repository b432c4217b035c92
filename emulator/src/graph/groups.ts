import type { ConversationThread, Post } from '@microsoft/microsoft-graph-types';
import type { GroupRecord, ThreadRecord } from '../tenant/directory';
import { PERMS, requireDirectory } from './auth';
import { notFound } from './errors';
import { applySelect, contextUrl, selectFields } from './odata';
import type { GraphResponse, HandlerContext } from './types';
import { ok, pageCollection, userJson } from './users';

function groupOr404(h: HandlerContext): GroupRecord {
  const g = h.env.tenant.groups.get(h.params.group!);
  if (!g) throw notFound('Request_ResourceNotFound', `Resource '${h.params.group}' does not exist or one of its queried reference-property objects are not present.`);
  return g;
}

export async function listGroups(h: HandlerContext): Promise<GraphResponse> {
  requireDirectory(h.principal, PERMS.groups);
  const fields = selectFields(h.req.query);
  const groups = [...h.env.tenant.groups.values()].sort((a, b) => a.group.id.localeCompare(b.group.id));
  return pageCollection(h, groups.map((g) => g.group), {
    path: '/groups', resource: 'Group', defaultTop: 100, maxTop: 999,
    context: fields ? `groups(${fields.join(',')})` : 'groups',
    render: (g) => applySelect(g, fields),
  });
}

export async function getGroup(h: HandlerContext): Promise<GraphResponse> {
  requireDirectory(h.principal, PERMS.groups);
  const g = groupOr404(h);
  return ok({ '@odata.context': contextUrl(h.env, 'groups/$entity'), ...applySelect(g.group, selectFields(h.req.query)) });
}

/**
 * GET /groups/{id}/members and /transitiveMembers. Emulated groups hold users only (no nested
 * groups), so both list the same users; transitiveMembers is what a directory filter must use
 * in a real tenant (https://learn.microsoft.com/en-us/graph/api/group-list-transitivemembers).
 */
export const listMembers = (h: HandlerContext) => membersPage(h, 'members');
export const listTransitiveMembers = (h: HandlerContext) => membersPage(h, 'transitiveMembers');

async function membersPage(h: HandlerContext, relation: string): Promise<GraphResponse> {
  requireDirectory(h.principal, PERMS.groups);
  const g = groupOr404(h);
  const fields = selectFields(h.req.query);
  const members = g.memberIds.map((id) => h.env.tenant.users.get(id)).filter((u) => u !== undefined);
  return pageCollection(h, members, {
    path: `/groups/${g.group.id}/${relation}`, resource: 'DirectoryObject', defaultTop: 100, maxTop: 999,
    context: 'directoryObjects',
    render: (u) => ({ '@odata.type': '#microsoft.graph.user', ...userJson(u, fields) }),
    filterOn: (u) => u.user,
  });
}

function conversationsOf(h: HandlerContext): GroupRecord {
  requireDirectory(h.principal, PERMS.conversations);
  const g = groupOr404(h);
  if (!g.group.groupTypes?.includes('Unified')) {
    throw notFound('ErrorInvalidGroup', 'The requested group is not a Microsoft 365 group with a group mailbox.');
  }
  return g;
}

function threadJson(t: ThreadRecord): ConversationThread {
  const last = t.posts[t.posts.length - 1];
  const senders = [...new Set(t.posts.map((p) => p.from.name))];
  return {
    id: t.id,
    topic: t.topic,
    hasAttachments: false,
    lastDeliveredDateTime: last?.receivedDateTime,
    uniqueSenders: senders,
    preview: (last?.content ?? '').replace(/<[^>]+>/g, '').slice(0, 255),
    isLocked: false,
    toRecipients: [],
    ccRecipients: [],
  };
}

export async function listThreads(h: HandlerContext): Promise<GraphResponse> {
  const g = conversationsOf(h);
  const fields = selectFields(h.req.query);
  return pageCollection(h, g.threads, {
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

export async function listPosts(h: HandlerContext): Promise<GraphResponse> {
  const g = conversationsOf(h);
  const t = threadOr404(h, g);
  const fields = selectFields(h.req.query);
  const post = (p: ThreadRecord['posts'][number]): Post => ({
    id: p.id,
    createdDateTime: p.receivedDateTime,
    lastModifiedDateTime: p.receivedDateTime,
    receivedDateTime: p.receivedDateTime,
    hasAttachments: false,
    body: { contentType: 'html', content: p.content },
    from: { emailAddress: p.from },
    sender: { emailAddress: p.from },
    conversationThreadId: t.id,
    newParticipants: [],
  });
  return pageCollection(h, t.posts, {
    path: `/groups/${g.group.id}/threads/${t.id}/posts`, resource: 'Post', defaultTop: 10, maxTop: 999,
    context: `groups('${g.group.id}')/threads('${t.id}')/posts`,
    render: (p) => applySelect(post(p), fields),
  });
}

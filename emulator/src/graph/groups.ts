import type { GroupRecord } from '../tenant/directory';
import { PERMS, requireDirectory } from './auth';
import { notFound } from './errors';
import { applySelect, contextUrl, selectFields } from './odata';
import type { GraphResponse, HandlerContext } from './types';
import { ok, pageCollection, userJson } from './users';

export function groupOr404(h: HandlerContext): GroupRecord {
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
/** GET /groups/{id}/owners (https://learn.microsoft.com/en-us/graph/api/group-list-owners): users only here too. */
export const listOwners = (h: HandlerContext) => membersPage(h, 'owners');

async function membersPage(h: HandlerContext, relation: 'members' | 'transitiveMembers' | 'owners'): Promise<GraphResponse> {
  requireDirectory(h.principal, PERMS.groups);
  const g = groupOr404(h);
  const fields = selectFields(h.req.query);
  const ids = relation === 'owners' ? g.ownerIds ?? [] : g.memberIds;
  const members = ids.map((id) => h.env.tenant.users.get(id)).filter((u) => u !== undefined);
  return pageCollection(h, members, {
    path: `/groups/${g.group.id}/${relation}`, resource: 'DirectoryObject', defaultTop: 100, maxTop: 999,
    context: 'directoryObjects',
    render: (u) => ({ '@odata.type': '#microsoft.graph.user', ...userJson(u, fields) }),
    filterOn: (u) => u.user,
  });
}

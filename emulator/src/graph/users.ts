import type { MailboxSettings, User } from '@microsoft/microsoft-graph-types';
import { header } from '../http';
import type { UserRecord } from '../tenant/directory';
import { allowed, PERMS, requireDirectory, requireMailbox } from './auth';
import { badRequest, mailboxNotEnabled, notFound } from './errors';
import { parseFilter } from './filter';
import { applySelect, contextUrl, graphLink, parseTop, readToken, selectFields, signToken } from './odata';
import type { GraphResponse, HandlerContext } from './types';

/** Properties Graph v1.0 returns for a user when $select is absent. */
const DEFAULT_USER_PROPS = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone',
  'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'];

export const ok = (body: unknown, headers: Record<string, string> = {}): GraphResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8', ...headers },
  body,
});

interface PageToken { o: number; adv?: boolean }

function isAdvanced(h: HandlerContext): boolean {
  return header(h.req.headers, 'consistencylevel')?.toLowerCase() === 'eventual';
}

export function userJson(rec: UserRecord, fields: string[] | null): Partial<User> {
  return applySelect(rec.user, fields ?? DEFAULT_USER_PROPS);
}

/**
 * Generic directory collection paging: $top, $skiptoken in @odata.nextLink (which keeps the other
 * query options), and the advanced-query rules for $count and $filter.
 */
export function pageCollection<T>(h: HandlerContext, items: T[], opts: { path: string; context: string; resource: string; render: (t: T) => unknown; defaultTop: number; maxTop: number; filterOn?: (t: T) => object }): GraphResponse {
  const q = h.req.query;
  const skipToken = q.get('$skiptoken');
  const token = skipToken ? readToken<PageToken>(h.env, skipToken) : { o: 0 };
  if (!token) throw badRequest('Request_BadRequest', 'Invalid paging token.');
  const advanced = token.adv || isAdvanced(h);
  const wantsCount = q.get('$count') === 'true';
  if (wantsCount && !advanced) throw badRequest('Request_BadRequest', '$count is not currently supported.');
  let list = items;
  const filterText = q.get('$filter');
  if (filterText) {
    const filter = parseFilter(filterText, opts.resource);
    if (filter.advancedOn.length > 0 && !(advanced && (wantsCount || token.adv))) {
      throw badRequest('Request_UnsupportedQuery', `Unsupported or invalid query filter clause specified for property '${filter.advancedOn[0]}' of resource '${opts.resource}'.`);
    }
    list = list.filter((item) => filter.test((opts.filterOn ? opts.filterOn(item) : item) as Record<string, unknown>));
  }
  const top = parseTop(q, opts.defaultTop, opts.maxTop);
  const page = list.slice(token.o, token.o + top);
  const body: Record<string, unknown> = { '@odata.context': contextUrl(h.env, opts.context) };
  if (wantsCount) body['@odata.count'] = list.length;
  if (token.o + top < list.length) {
    const params: Record<string, string | undefined> = {};
    for (const [k, v] of q) if (k !== '$skiptoken') params[k] = v;
    params.$skiptoken = signToken(h.env, { o: token.o + top, adv: advanced || undefined });
    body['@odata.nextLink'] = graphLink(h.env, opts.path, params);
  }
  body.value = page.map(opts.render);
  return ok(body);
}

export async function listUsers(h: HandlerContext): Promise<GraphResponse> {
  requireDirectory(h.principal, PERMS.users);
  const fields = selectFields(h.req.query);
  return pageCollection(h, sortedUsers(h), {
    path: '/users', resource: 'User', defaultTop: 100, maxTop: 999,
    context: fields ? `users(${fields.join(',')})` : 'users',
    render: (u) => userJson(u, fields),
    filterOn: (u) => u.user,
  });
}

/** Directory order is by object id; `$orderby` works on displayName and userPrincipalName. */
function sortedUsers(h: HandlerContext): UserRecord[] {
  const users = [...h.env.tenant.users.values()];
  const orderBy = h.req.query.get('$orderby');
  if (!orderBy) return users.sort((a, b) => a.user.id.localeCompare(b.user.id));
  const m = /^\s*(displayName|userPrincipalName)(?:\s+(asc|desc))?\s*$/i.exec(orderBy);
  if (!m) throw badRequest('Request_UnsupportedQuery', `Sorting not supported for '${orderBy}'.`);
  const key = m[1]!.toLowerCase() === 'displayname' ? 'displayName' : 'userPrincipalName';
  const sign = m[2]?.toLowerCase() === 'desc' ? -1 : 1;
  return users.sort((a, b) => sign * String(a.user[key] ?? '').localeCompare(String(b.user[key] ?? '')));
}

export function findUserOr404(h: HandlerContext, ref: string): UserRecord {
  const rec = h.env.tenant.findUser(ref);
  if (!rec) throw notFound('Request_ResourceNotFound', `Resource '${ref}' does not exist or one of its queried reference-property objects are not present.`);
  return rec;
}

export async function getUser(h: HandlerContext): Promise<GraphResponse> {
  const rec = findUserOr404(h, h.params.user!);
  const self = h.principal.kind === 'delegated' && h.principal.userId === rec.user.id;
  if (!(self && allowed(h.principal, { app: [], delegated: ['User.Read', 'User.ReadWrite'] }))) requireDirectory(h.principal, PERMS.users);
  const fields = selectFields(h.req.query);
  return ok({ '@odata.context': contextUrl(h.env, fields ? `users(${fields.join(',')})/$entity` : 'users/$entity'), ...userJson(rec, fields) });
}

export async function memberOf(h: HandlerContext): Promise<GraphResponse> {
  requireDirectory(h.principal, { app: [...PERMS.users.app, ...PERMS.groups.app], delegated: [...PERMS.users.delegated, ...PERMS.groups.delegated] });
  const rec = findUserOr404(h, h.params.user!);
  const groups = [...h.env.tenant.groups.values()].filter((g) => g.memberIds.includes(rec.user.id));
  const fields = selectFields(h.req.query);
  return pageCollection(h, groups, {
    path: `/users/${rec.user.id}/memberOf`, resource: 'DirectoryObject', defaultTop: 100, maxTop: 999,
    context: 'directoryObjects',
    render: (g) => ({ '@odata.type': '#microsoft.graph.group', ...applySelect(g.group, fields) }),
    filterOn: (g) => g.group,
  });
}

/** GET /users/{id}/mailboxSettings — userPurpose tells user, shared, room and equipment mailboxes apart. */
export async function mailboxSettings(h: HandlerContext): Promise<GraphResponse> {
  const rec = h.env.tenant.findUser(h.params.user!);
  if (!rec) throw notFound('ErrorInvalidUser', `The requested user '${h.params.user}' is invalid.`);
  requireMailbox(h.principal, PERMS.mailboxSettings, rec.user.id);
  if (!rec.userPurpose) throw mailboxNotEnabled();
  const settings: MailboxSettings = {
    archiveFolder: h.env.tenant.mailbox(rec.user.id)?.wellKnownFolder('archive')?.id ?? null,
    timeZone: 'UTC',
    automaticRepliesSetting: { status: 'disabled', externalAudience: 'all', internalReplyMessage: '', externalReplyMessage: '' },
    dateFormat: 'M/d/yyyy',
    timeFormat: 'h:mm tt',
    delegateMeetingMessageDeliveryOptions: 'sendToDelegateOnly',
    language: { locale: 'en-US', displayName: 'English (United States)' },
    workingHours: { daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], startTime: '08:00:00.0000000', endTime: '17:00:00.0000000', timeZone: { name: 'UTC' } },
    userPurpose: rec.userPurpose,
  };
  const fields = selectFields(h.req.query);
  return ok({ '@odata.context': contextUrl(h.env, `users('${rec.user.id}')/mailboxSettings`), ...applySelect(settings, fields) });
}

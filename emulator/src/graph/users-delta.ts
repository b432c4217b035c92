import { PERMS, requireDirectory } from './auth';
import { GraphError } from './errors';
import { contextUrl, graphLink, preferredPageSize, readToken, selectFields, signToken } from './odata';
import type { GraphResponse, HandlerContext } from './types';
import { ok, userJson } from './users';

interface UsersDeltaToken { k: 'ud'; from: number; upTo?: number; cursor?: number; select?: string }

/**
 * GET /users/delta (https://learn.microsoft.com/en-us/graph/delta-query-users): every user first,
 * then users changed since the deltaLink, and deleted ones as `@removed: { reason: 'changed' }`
 * (deleted directory objects stay restorable for 30 days).
 */
export async function usersDelta(h: HandlerContext): Promise<GraphResponse> {
  requireDirectory(h.principal, PERMS.users);
  const tenant = h.env.tenant;
  const q = h.req.query;
  const raw = q.get('$skiptoken') ?? q.get('$deltatoken');
  const token: UsersDeltaToken | undefined = raw ? readToken<UsersDeltaToken>(h.env, raw) : { k: 'ud', from: 0, select: q.get('$select') ?? undefined };
  if (!token || token.k !== 'ud') {
    throw new GraphError(410, 'syncStateNotFound', 'The delta token is invalid or expired; synchronize again.', { location: graphLink(h.env, '/users/delta') });
  }
  const upTo = token.upTo ?? tenant.dirSeq;
  const after = token.cursor ?? token.from;
  const inRange = (seq: number) => seq > after && seq <= upTo;
  const changes: { seq: number; render: () => unknown }[] = [];
  const fields = token.select ? token.select.split(',').map((s) => s.trim()) : selectFields(q);
  for (const rec of tenant.users.values()) {
    if (inRange(rec.seq)) changes.push({ seq: rec.seq, render: () => userJson(rec, fields) });
  }
  if (token.from > 0) {
    for (const gone of tenant.removedUsers) {
      if (inRange(gone.seq)) changes.push({ seq: gone.seq, render: () => ({ id: gone.id, '@removed': { reason: 'changed' } }) });
    }
  }
  changes.sort((a, b) => a.seq - b.seq);
  const page = changes.slice(0, preferredPageSize(h.req.headers) ?? 100);
  const body: Record<string, unknown> = { '@odata.context': contextUrl(h.env, 'users') };
  if (page.length < changes.length) {
    body['@odata.nextLink'] = graphLink(h.env, '/users/delta', { $skiptoken: signToken(h.env, { ...token, upTo, cursor: page[page.length - 1]!.seq }) });
  } else {
    body['@odata.deltaLink'] = graphLink(h.env, '/users/delta', { $deltatoken: signToken(h.env, { k: 'ud', from: upTo, select: token.select }) });
  }
  body.value = page.map((c) => c.render());
  return ok(body);
}

import { guidFromSeed } from '../tenant/ids';
import { PERMS, requireDirectory } from './auth';
import { badRequest, mailboxNotEnabled } from './errors';
import type { Route } from './routes';
import type { GraphEnv, GraphRequest, GraphResponse, HandlerContext } from './types';
import { ok, findUserOr404 } from './users';
import { contextUrl } from './odata';

/**
 * Online archive mailboxes through the beta mail API
 * (https://learn.microsoft.com/en-us/graph/archive-mailbox-mail-api): discovered through
 * `GET /beta/users/{id}/settings/exchange` (User.Read.All), addressed by the `MBX:` id it returns.
 */
export async function exchangeSettings(h: HandlerContext): Promise<GraphResponse> {
  if (h.env.version !== 'beta') throw badRequest('BadRequest', "Resource not found for the segment 'settings'.");
  requireDirectory(h.principal, PERMS.users);
  const rec = findUserOr404(h, h.params.user!);
  if (!rec.userPurpose) throw mailboxNotEnabled();
  return ok({
    '@odata.context': contextUrl(h.env, `users('${rec.user.id}')/settings/exchange/$entity`),
    primaryMailboxId: `MBX:${guidFromSeed(rec.user.id).slice(0, 8)}@${h.env.tenant.id.slice(0, 8)}`,
    inPlaceArchiveMailboxId: rec.archiveMailboxId ?? null,
  });
}

/**
 * A read of an expanded folder (its content lives in the auxiliary archive) or of an item stored
 * in the auxiliary archive, addressed through the main archive, answers 308 Permanent Redirect
 * with the same request on the auxiliary archive in `Location`
 * (https://learn.microsoft.com/graph/handle-archive-mailbox-redirects). Writes to folders never
 * redirect: they go to the main archive.
 */
export function archiveRedirect(env: GraphEnv, req: GraphRequest, mailboxRef: string | undefined, route: Route, params: Record<string, string>): GraphResponse | undefined {
  if (req.method !== 'GET' || route.scope !== 'mailbox' || !mailboxRef) return undefined;
  const main = env.tenant.archives.get(mailboxRef);
  if (main?.kind !== 'main' || !main.auxiliaryId) return undefined;
  const aux = env.tenant.archives.get(main.auxiliaryId)!;
  const moved = params.folder ? main.expanded.has(params.folder) : params.message ? !main.mb.find(params.message) && Boolean(aux.mb.find(params.message)) : false;
  if (!moved) return undefined;
  const path = req.path.replace(/^\/users(\/[^/]+|\('[^']*'\))/i, `/users/${main.auxiliaryId}`);
  const query = req.query.toString();
  return { status: 308, headers: { location: `${env.graphBase}/beta${path}${query ? `?${query}` : ''}` }, body: undefined };
}


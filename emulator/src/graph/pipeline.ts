import type { Faults } from '../faults';
import type { Stats } from '../stats';
import type { Throttler } from '../throttle';
import { authenticate } from './auth';
import type { AuthConfig, Principal } from './auth';
import { badRequest, GraphError, graphErrorBody } from './errors';
import { prefersImmutableIds } from './odata';
import { matchRoute, segmentsOf } from './routes';
import type { GraphEnv, GraphRequest, GraphResponse } from './types';

export interface PipelineDeps {
  env: GraphEnv;
  auth: AuthConfig;
  throttle: Throttler;
  faults: Faults;
  stats: Stats;
}

const MAILBOX_SEGMENTS = new Set(['mailfolders', 'messages', 'mailboxsettings']);

/** The mailbox a path addresses (`/users/{id}/messages/...`), for throttling, faults and stats. */
function mailboxOf(deps: PipelineDeps, segs: string[]): string | undefined {
  if (segs.length < 3 || segs[0]!.toLowerCase() !== 'users' || !MAILBOX_SEGMENTS.has(segs[2]!.toLowerCase())) return undefined;
  return deps.env.tenant.findUser(segs[1]!)?.user.id ?? segs[1];
}

/**
 * One Graph request, as both the HTTP front end and $batch parts run it:
 * count → authenticate → route → throttle → injected faults → handler.
 */
export async function runGraphRequest(deps: PipelineDeps, req: GraphRequest): Promise<GraphResponse> {
  let segs = segmentsOf(req.path);
  const pathOnly = `/v1.0${req.path}`;
  let mailboxId = segs[0]?.toLowerCase() === 'me' ? undefined : mailboxOf(deps, segs);
  let release: (() => void) | undefined;
  try {
    const principal = await authenticate(deps.auth, req.headers);
    segs = normalizeMe(segs, principal);
    mailboxId = mailboxOf(deps, segs);
    const match = matchRoute(req.method, segs);
    if ('error' in match) {
      if (match.error === 'methodNotAllowed') throw new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
      throw badRequest('BadRequest', `Resource not found for the segment '${match.segment ?? ''}'.`);
    }
    const decision = deps.throttle.acquire(`${principal.appId}|${match.route.scope === 'mailbox' ? mailboxId : 'directory'}`, match.route.scope);
    if (!decision.ok) {
      throw new GraphError(429, decision.code, decision.message, { 'retry-after': String(decision.retryAfterSeconds) });
    }
    release = decision.release;
    const fault = await applyFault(deps, pathOnly, req.method, mailboxId);
    if (fault) return fault;
    const immutableIds = prefersImmutableIds(req.headers);
    const res = await match.route.handler({ env: deps.env, req, principal, params: match.params, immutableIds });
    if (immutableIds) res.headers['preference-applied'] = 'IdType="ImmutableId"';
    return withStandardHeaders(res, req);
  } catch (e) {
    return errorResponse(e, req);
  } finally {
    release?.();
    deps.stats.record(pathOnly, mailboxId);
  }
}

function normalizeMe(segs: string[], principal: Principal): string[] {
  if (segs[0]?.toLowerCase() !== 'me') return segs;
  if (principal.kind !== 'delegated' || !principal.userId) {
    throw badRequest('BadRequest', '/me request is only valid with delegated authentication flow.');
  }
  return ['users', principal.userId, ...segs.slice(1)];
}

async function applyFault(deps: PipelineDeps, path: string, method: string, mailboxId: string | undefined): Promise<GraphResponse | undefined> {
  const rule = deps.faults.take(path, method, mailboxId);
  if (!rule) return undefined;
  switch (rule.kind) {
    case 'slow':
      await new Promise((r) => setTimeout(r, rule.delayMs ?? 1000));
      return undefined;
    case 'drop':
      return { status: 0, headers: {}, drop: true };
    case '429':
      throw new GraphError(429, 'TooManyRequests', 'Too many requests.', { 'retry-after': String(rule.retryAfterSeconds ?? 1) });
    case '503':
      throw new GraphError(503, 'ServiceUnavailable', 'Service Unavailable', rule.retryAfterSeconds ? { 'retry-after': String(rule.retryAfterSeconds) } : {});
    case '504':
      throw new GraphError(504, 'GatewayTimeout', 'The gateway did not receive a response in time.');
  }
}

function withStandardHeaders(res: GraphResponse, req: GraphRequest): GraphResponse {
  res.headers['request-id'] = req.requestId;
  res.headers['client-request-id'] = req.clientRequestId;
  res.headers['x-ms-ags-diagnostic'] = '{"ServerInfo":{"DataCenter":"Local Emulator","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"LOCALHOST"}}';
  return res;
}

export function errorResponse(e: unknown, req: GraphRequest): GraphResponse {
  const err = e instanceof GraphError ? e : new GraphError(500, 'InternalServerError', 'An internal server error occurred.');
  if (!(e instanceof GraphError)) console.error('[emulator] unhandled error', e);
  return withStandardHeaders({
    status: err.status,
    headers: { 'content-type': 'application/json', ...err.headers },
    body: graphErrorBody(err.code, err.message, req.requestId, req.clientRequestId),
  }, req);
}

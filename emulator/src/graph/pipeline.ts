import type { FaultRule, Faults } from '../faults';
import type { Stats } from '../stats';
import type { Throttler } from '../throttle';
import { archiveRedirect } from './archive';
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
  const pathOnly = `/${req.version ?? 'v1.0'}${req.path}`;
  const env = req.version === 'beta' ? { ...deps.env, version: req.version } : deps.env;
  let mailboxId = segs[0]?.toLowerCase() === 'me' ? undefined : mailboxOf(deps, segs);
  let release: (() => void) | undefined;
  let res: GraphResponse | undefined;
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
    const rule = deps.faults.take({ path: pathOnly, method: req.method, mailboxId, message: messageOf(deps, mailboxId, match.params.message) });
    const fault = await applyFault(rule);
    if (fault) return (res = fault);
    const moved = archiveRedirect(env, req, segs[1], match.route, match.params);
    if (moved) return (res = withStandardHeaders(moved, req));
    const immutableIds = prefersImmutableIds(req.headers);
    res = await match.route.handler({ env, req, principal, params: match.params, immutableIds });
    if (immutableIds) res.headers['preference-applied'] = 'IdType="ImmutableId"';
    // A reset breaks the connection half-way through a real answer's body.
    if (rule?.kind === 'reset') res.truncate = true;
    return (res = withStandardHeaders(res, req));
  } catch (e) {
    return (res = errorResponse(e, req));
  } finally {
    release?.();
    deps.stats.record(pathOnly, mailboxId, res?.status ?? 0, errorCodeOf(res));
  }
}

/** The immutable id of the message a route addresses, whichever of its ids the path uses. */
function messageOf(deps: PipelineDeps, mailboxId: string | undefined, ref: string | undefined): string | undefined {
  if (!mailboxId || !ref) return undefined;
  return deps.env.tenant.mailbox(mailboxId)?.find(ref)?.immutableId ?? ref;
}

function errorCodeOf(res: GraphResponse | undefined): string | undefined {
  return (res?.body as { error?: { code?: string } } | undefined)?.error?.code;
}

function normalizeMe(segs: string[], principal: Principal): string[] {
  if (segs[0]?.toLowerCase() !== 'me') return segs;
  if (principal.kind !== 'delegated' || !principal.userId) {
    throw badRequest('BadRequest', '/me request is only valid with delegated authentication flow.');
  }
  return ['users', principal.userId, ...segs.slice(1)];
}

async function applyFault(rule: FaultRule | undefined): Promise<GraphResponse | undefined> {
  if (!rule) return undefined;
  switch (rule.kind) {
    case 'slow':
      await new Promise((r) => setTimeout(r, rule.delayMs ?? 1000));
      return undefined;
    case 'reset':
      return undefined;
    case 'drop':
      return { status: 0, headers: {}, drop: true };
    case 'redirect':
      return { status: 308, headers: { location: rule.location ?? '/' } };
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

import { GRAPH_RESOURCE } from '../config';
import type { HttpReq, HttpRes } from '../http';
import { header, html, json } from '../http';
import { authorize } from './authorize';
import type { AuthorizeContext } from './authorize';
import { EntraError, entraErrorBody } from './errors';
import { jwks } from './keys';
import { issueTokens } from './token';
import type { TokenContext } from './token';

export type EntraContext = TokenContext & AuthorizeContext;

const MULTI_TENANT = ['common', 'organizations'];

/** Routes under /{tenant}/…: discovery, keys, authorize, token. Returns undefined for other paths. */
export async function handleEntra(ctx: EntraContext, req: HttpReq): Promise<HttpRes | undefined> {
  const [tenantSegment, ...rest] = req.url.pathname.split('/').filter(Boolean);
  if (!tenantSegment) return undefined;
  const route = rest.join('/');
  if (!isEntraRoute(route)) return undefined;
  const known = tenantSegment === ctx.tenantId || MULTI_TENANT.includes(tenantSegment)
    || tenantSegment.toLowerCase() === ctx.tenant.domain;
  if (!known) {
    return json(400, entraErrorBody(new EntraError(400, 'invalid_tenant', 90002,
      `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`), ctx.url));
  }
  const multi = MULTI_TENANT.includes(tenantSegment);
  switch (route) {
    case 'v2.0/.well-known/openid-configuration':
      return json(200, discovery(ctx, multi ? tenantSegment : ctx.tenantId, multi));
    case '.well-known/openid-configuration':
      return json(200, discoveryV1(ctx, multi ? tenantSegment : ctx.tenantId, multi));
    case 'discovery/v2.0/keys':
    case 'discovery/keys':
      return json(200, jwks(ctx.keys, multi ? `${ctx.url}/{tenantid}/v2.0` : `${ctx.url}/${ctx.tenantId}/v2.0`));
    case 'oauth2/v2.0/authorize':
      return authorizeRoute(ctx, req, tenantSegment);
    case 'oauth2/v2.0/token':
      return tokenRoute(ctx, req);
    case 'oauth2/v2.0/logout':
      return logout(req);
    default:
      return undefined;
  }
}

function isEntraRoute(route: string): boolean {
  return ['v2.0/.well-known/openid-configuration', '.well-known/openid-configuration', 'discovery/v2.0/keys', 'discovery/keys', 'oauth2/v2.0/authorize',
    'oauth2/v2.0/token', 'oauth2/v2.0/logout'].includes(route);
}

/** The v2.0 OpenID Connect metadata document, shaped like login.microsoftonline.com's. */
export function discovery(ctx: EntraContext, tenantSegment: string, multi: boolean): Record<string, unknown> {
  const base = `${ctx.url}/${tenantSegment}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: multi ? `${ctx.url}/{tenantid}/v2.0` : `${ctx.url}/${ctx.tenantId}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${GRAPH_RESOURCE}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}

/**
 * The v1.0 metadata: what an API validating v1.0 tokens reads for their issuer
 * (https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens#v10-and-v20-tokens).
 * The same keys sign both versions. (The emulator serves the v2.0 endpoints only.)
 */
export function discoveryV1(ctx: EntraContext, tenantSegment: string, multi: boolean): Record<string, unknown> {
  const base = `${ctx.url}/${tenantSegment}`;
  return {
    token_endpoint: `${base}/oauth2/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
    scopes_supported: ['openid'],
    issuer: `https://sts.windows.net/${multi ? '{tenantid}' : ctx.tenantId}/`,
    authorization_endpoint: `${base}/oauth2/authorize`,
    end_session_endpoint: `${base}/oauth2/logout`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
  };
}

function authorizeRoute(ctx: EntraContext, req: HttpReq, tenantSegment: string): HttpRes {
  if (req.method !== 'GET' && req.method !== 'POST') return { status: 405 };
  const query = req.method === 'POST' ? new URLSearchParams(req.body.toString()) : req.url.searchParams;
  const result = authorize(ctx, query, `${ctx.url}/${tenantSegment}/oauth2/v2.0/authorize`);
  if (result.kind === 'redirect') return { status: 302, headers: { location: result.location, 'cache-control': 'no-store' } };
  return html(result.kind === 'page' ? result.status : 200, result.html);
}

async function tokenRoute(ctx: EntraContext, req: HttpReq): Promise<HttpRes> {
  const correlation = header(req.headers, 'client-request-id');
  if (req.method !== 'POST') {
    return json(405, entraErrorBody(new EntraError(405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.'), ctx.url, correlation));
  }
  try {
    const body = await issueTokens(ctx, {
      form: new URLSearchParams(req.body.toString('utf8')),
      authorization: header(req.headers, 'authorization'),
      origin: header(req.headers, 'origin'),
    });
    return json(200, body, { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' });
  } catch (e) {
    if (!(e instanceof EntraError)) throw e;
    return json(e.status, entraErrorBody(e, ctx.url, correlation), { 'cache-control': 'no-store, no-cache' });
  }
}

function logout(req: HttpReq): HttpRes {
  const target = req.url.searchParams.get('post_logout_redirect_uri');
  if (target) return { status: 302, headers: { location: target } };
  return html(200, '<!doctype html><title>Signed out</title><p>You signed out of your account.</p>');
}

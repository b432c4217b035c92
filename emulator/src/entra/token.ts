import { createHash, timingSafeEqual } from 'node:crypto';
import { jwtVerify } from 'jose';
import type { AppRegistration, UserRecord } from '../tenant/directory';
import type { Tenant } from '../tenant/model';
import { EntraError, invalidClient, invalidGrant, invalidRequest, invalidScope } from './errors';
import type { GrantStore } from './grants';
import { verifyClientAssertion } from './client-assertion';
import { ACCESS_TOKEN_SECONDS, appToken, clientInfo, idToken, userToken, v1Issuer, v2Issuer } from './issue';
import type { ClientAuth, IssuerContext } from './issue';
import { grantedDelegated, parseScopes } from './scopes';
import type { ScopeRequest } from './scopes';

export interface TokenContext extends IssuerContext {
  tenant: Tenant;
  grants: GrantStore;
}

export interface TokenRequest {
  form: URLSearchParams;
  authorization?: string;
  origin?: string;
}

type TokenResponse = Record<string, string | number>;

const OBO_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** POST /{tenant}/oauth2/v2.0/token (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow). */
export async function issueTokens(ctx: TokenContext, req: TokenRequest): Promise<TokenResponse> {
  const grantType = req.form.get('grant_type');
  if (!grantType) throw invalidRequest(900144, "The request body must contain the following parameter: 'grant_type'.");
  const { client, auth } = await authenticateClient(ctx, req);
  switch (grantType) {
    case 'client_credentials':
      return clientCredentials(ctx, client, auth, req.form);
    case 'authorization_code':
      return authorizationCode(ctx, client, req);
    case 'refresh_token':
      return refreshToken(ctx, client, req);
    case OBO_GRANT:
      return onBehalfOf(ctx, client, auth, req.form);
    default:
      throw new EntraError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
  }
}

/** The client and how it proved itself: a secret, a certificate's signed assertion, or nothing (a public client). */
async function authenticateClient(ctx: TokenContext, req: TokenRequest): Promise<{ client: AppRegistration; auth: ClientAuth }> {
  let clientId = req.form.get('client_id') ?? undefined;
  let secret = req.form.get('client_secret') ?? undefined;
  if (req.authorization?.startsWith('Basic ')) {
    const [id, pw] = Buffer.from(req.authorization.slice(6), 'base64').toString().split(':');
    clientId = decodeURIComponent(id ?? '');
    secret = decodeURIComponent(pw ?? '');
  }
  if (!clientId) throw invalidRequest(900144, "The request body must contain the following parameter: 'client_id'.");
  const client = ctx.tenant.apps.get(clientId);
  if (!client) {
    throw new EntraError(400, 'unauthorized_client', 700016,
      `Application with identifier '${clientId}' was not found in the directory '${ctx.tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
  }
  const assertion = req.form.get('client_assertion');
  const confidential = client.secrets.length + client.certificates.length > 0;
  if (!confidential) {
    if (secret || assertion) throw invalidClient(700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.");
    return { client, auth: '0' };
  }
  if (assertion) {
    if (secret) throw invalidRequest(90014, "Only one of 'client_assertion' and 'client_secret' may be presented.");
    await verifyClientAssertion(client, req.form.get('client_assertion_type'), assertion, tokenEndpoints(ctx));
    return { client, auth: '2' };
  }
  if (!secret) throw invalidClient(7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  if (!client.secrets.some((s) => safeEqual(s, secret))) {
    throw invalidClient(7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client.clientId}'.`);
  }
  return { client, auth: '1' };
}

/** What a client assertion's `aud` may name: this tenant's token endpoints (v2.0 and v1.0), by id or domain. */
function tokenEndpoints(ctx: TokenContext): string[] {
  return [ctx.tenantId, ctx.tenant.domain].flatMap((t) => [`${ctx.url}/${t}/oauth2/v2.0/token`, `${ctx.url}/${t}/oauth2/token`]);
}

/** Client credentials and on-behalf-of are for confidential clients only. */
function requireConfidential(auth: ClientAuth): void {
  if (auth === '0') throw invalidClient(7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function clientCredentials(ctx: TokenContext, client: AppRegistration, auth: ClientAuth, form: URLSearchParams): Promise<TokenResponse> {
  requireConfidential(auth);
  const scope = form.get('scope') ?? '';
  const req = parseScopes(scope, ctx.tenant);
  if (!req.isDefault || !req.resource) {
    throw invalidScope(1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
  }
  const roles = req.resource.kind === 'graph' ? client.graphAppRoles : [];
  const accessToken = await appToken(ctx, client, req.resource, roles, auth);
  return { token_type: 'Bearer', expires_in: ACCESS_TOKEN_SECONDS - 1, ext_expires_in: ACCESS_TOKEN_SECONDS - 1, access_token: accessToken };
}

function activeUser(ctx: TokenContext, userId: string): UserRecord {
  const user = ctx.tenant.findUser(userId);
  if (!user) throw invalidGrant(50034, `The user account ${userId} does not exist in the ${ctx.tenant.displayName} directory.`);
  if (user.user.accountEnabled === false) throw invalidGrant(50057, 'The user account is disabled.');
  return user;
}

async function authorizationCode(ctx: TokenContext, client: AppRegistration, req: TokenRequest): Promise<TokenResponse> {
  const form = req.form;
  const code = form.get('code');
  if (!code) throw invalidRequest(900144, "The request body must contain the following parameter: 'code'.");
  const grant = ctx.grants.code(code);
  if (!grant || grant.clientId !== client.clientId) throw invalidGrant(9002313, 'Invalid request. Request is malformed or invalid.');
  if (grant.redeemed) throw invalidGrant(54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.');
  if (Date.now() > grant.expiresAt) throw invalidGrant(70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
  if (form.get('redirect_uri') !== grant.redirectUri) {
    throw invalidGrant(500112, `The reply address '${form.get('redirect_uri') ?? ''}' does not match the reply address '${grant.redirectUri}' provided when requesting Authorization code.`);
  }
  if (client.spa && !req.origin) {
    throw invalidRequest(9002327, "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.");
  }
  verifyPkce(grant.codeChallenge, grant.codeChallengeMethod, form.get('code_verifier'));
  grant.redeemed = true;
  const user = activeUser(ctx, grant.userId);
  return userTokenResponse(ctx, user, client, parseScopes(form.get('scope') || grant.scope, ctx.tenant), form, grant.nonce);
}

/** PKCE per RFC 7636; Entra supports S256 and plain. */
function verifyPkce(challenge: string | undefined, method: string | undefined, verifier: string | null): void {
  if (!challenge) return;
  if (!verifier) throw invalidRequest(900144, "The request body must contain the following parameter: 'code_verifier'.");
  const computed = method === 'plain' ? verifier : createHash('sha256').update(verifier).digest('base64url');
  if (computed !== challenge) throw invalidGrant(501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
}

async function refreshToken(ctx: TokenContext, client: AppRegistration, req: TokenRequest): Promise<TokenResponse> {
  const token = req.form.get('refresh_token');
  if (!token) throw invalidRequest(900144, "The request body must contain the following parameter: 'refresh_token'.");
  const grant = ctx.grants.refreshToken(token);
  if (!grant || grant.clientId !== client.clientId) throw invalidGrant(9002313, 'Invalid request. Request is malformed or invalid.');
  if (Date.now() > grant.expiresAt) throw invalidGrant(700082, 'The refresh token has expired due to inactivity.');
  const user = activeUser(ctx, grant.userId);
  ctx.grants.revokeRefreshToken(token);
  return userTokenResponse(ctx, user, client, parseScopes(req.form.get('scope') ?? 'openid profile offline_access', ctx.tenant), req.form);
}

/** On-behalf-of (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-on-behalf-of-flow). */
async function onBehalfOf(ctx: TokenContext, client: AppRegistration, auth: ClientAuth, form: URLSearchParams): Promise<TokenResponse> {
  requireConfidential(auth);
  if (form.get('requested_token_use') !== 'on_behalf_of') {
    throw invalidRequest(900144, "The request body must contain the following parameter: 'requested_token_use'.");
  }
  const assertion = form.get('assertion');
  if (!assertion) throw invalidRequest(900144, "The request body must contain the following parameter: 'assertion'.");
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, ctx.keys.publicKey, { issuer: [v2Issuer(ctx), v1Issuer(ctx)], algorithms: ['RS256'] }));
  } catch (e) {
    const expired = (e as { code?: string }).code === 'ERR_JWT_EXPIRED';
    if (expired) throw invalidGrant(500133, 'Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion, or request a new token.');
    throw invalidGrant(50013, 'Assertion failed signature validation.');
  }
  const aud = String(payload.aud);
  if (![client.clientId, `api://${client.clientId}`, ...client.identifierUris].includes(aud)) {
    throw invalidGrant(500131, `Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '${aud}' and the expected audience is '${client.clientId}' or one of the Application Id URIs of this application.`);
  }
  const user = activeUser(ctx, String(payload.oid));
  return userTokenResponse(ctx, user, client, parseScopes(form.get('scope') ?? '', ctx.tenant), form);
}

async function userTokenResponse(
  ctx: TokenContext, user: UserRecord, client: AppRegistration, req: ScopeRequest, form: URLSearchParams, nonce?: string,
): Promise<TokenResponse> {
  // Only OpenID scopes: Entra still returns an access token, for Microsoft Graph's User.Read.
  const scopeReq: ScopeRequest = req.resource ? req : { ...req, resource: { kind: 'graph' }, scopes: ['User.Read'] };
  const resource = scopeReq.resource!;
  const scopes = grantedDelegated(client, scopeReq);
  const roles = resource.kind === 'api' ? user.appRoles.filter((r) => resource.app.appRoles.includes(r)) : undefined;
  const accessToken = await userToken(ctx, { user, client, resource, scopes, roles });
  const prefix = resource.kind === 'api' ? `api://${resource.app.clientId}/` : '';
  const body: TokenResponse = {
    token_type: 'Bearer',
    scope: [...scopes.map((s) => prefix + s), ...req.oidc.filter((s) => s !== 'offline_access')].join(' '),
    expires_in: ACCESS_TOKEN_SECONDS - 1,
    ext_expires_in: ACCESS_TOKEN_SECONDS - 1,
    access_token: accessToken,
  };
  if (req.oidc.includes('offline_access')) body.refresh_token = ctx.grants.newRefreshToken(client.clientId, user.user.id);
  if (req.oidc.includes('openid')) body.id_token = await idToken(ctx, user, client, nonce);
  if (form.get('client_info') === '1') body.client_info = clientInfo(ctx, user);
  return body;
}

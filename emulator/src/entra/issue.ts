import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { GRAPH_RESOURCE } from '../config';
import type { AppRegistration, UserRecord } from '../tenant/directory';
import type { Resource } from './scopes';
import { signJwt } from './keys';
import type { SigningKeys } from './keys';

export const ACCESS_TOKEN_SECONDS = 3600;

export interface IssuerContext {
  url: string;
  tenantId: string;
  keys: SigningKeys;
}

export const v2Issuer = (ctx: IssuerContext) => `${ctx.url}/${ctx.tenantId}/v2.0`;
/** Graph access tokens are v1.0 tokens issued by sts.windows.net, whatever endpoint minted them. */
export const v1Issuer = (ctx: IssuerContext) => `https://sts.windows.net/${ctx.tenantId}/`;

function times(lifetime: number): { iat: number; nbf: number; exp: number } {
  // Entra backdates iat/nbf by five minutes to absorb clock skew.
  const now = Math.floor(Date.now() / 1000);
  return { iat: now - 300, nbf: now - 300, exp: now + lifetime };
}

const opaque = (n: number) => randomBytes(n).toString('base64url');

/** Entra's `sub` is pairwise: the same user has a different subject in every application. */
function pairwiseSub(oid: string, clientId: string): string {
  return createHash('sha256').update(`${oid}:${clientId}`).digest('base64url').slice(0, 43);
}

/** How the client proved who it is: `appidacr`/`azpacr` 0 public, 1 secret, 2 certificate. */
export type ClientAuth = '0' | '1' | '2';

/** Tokens for a registered API follow its manifest's requestedAccessTokenVersion; Graph's are always v1.0. */
const isV2 = (resource: Resource) => resource.kind === 'api' && resource.app.requestedAccessTokenVersion === 2;

export async function appToken(ctx: IssuerContext, client: AppRegistration, resource: Resource, roles: string[], acr: ClientAuth): Promise<string> {
  const common = { ...times(ACCESS_TOKEN_SECONDS), tid: ctx.tenantId, oid: client.servicePrincipalId, sub: client.servicePrincipalId, idtyp: 'app', uti: opaque(16), rh: opaque(24) };
  const claims: JWTPayload = isV2(resource)
    ? { ...common, aud: audienceOf(resource), iss: v2Issuer(ctx), azp: client.clientId, azpacr: acr, ver: '2.0' }
    : { ...common, aud: audienceOf(resource), iss: v1Issuer(ctx), idp: v1Issuer(ctx), appid: client.clientId, appidacr: acr, app_displayname: client.displayName, ver: '1.0' };
  if (roles.length > 0) claims.roles = roles;
  return signJwt(ctx.keys, claims);
}

/**
 * v2.0 tokens always name the API by its client id; v1.0 tokens by whatever the client asked for,
 * client id or Application ID URI (https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference).
 */
function audienceOf(resource: Resource): string {
  if (resource.kind === 'graph') return GRAPH_RESOURCE;
  return isV2(resource) ? resource.app.clientId : resource.requestedAs;
}

export interface DelegatedGrant {
  user: UserRecord;
  client: AppRegistration;
  resource: Resource;
  scopes: string[];
  roles?: string[];
  lifetimeSeconds?: number;
  /** Tests only: a correctly signed token that names another issuer. Entra never does this. */
  issuer?: string;
  /** Tests only: claims set or replaced in a correctly signed token, to test claim validation. */
  claims?: JWTPayload;
}

export async function userToken(ctx: IssuerContext, g: DelegatedGrant): Promise<string> {
  const u = g.user.user;
  const base: JWTPayload = {
    ...times(g.lifetimeSeconds ?? ACCESS_TOKEN_SECONDS), tid: ctx.tenantId, oid: u.id, name: u.displayName ?? undefined,
    scp: g.scopes.join(' '), uti: opaque(16), rh: opaque(24), aio: opaque(40),
  };
  if (g.roles && g.roles.length > 0) base.roles = g.roles;
  const acr = g.client.secrets.length || g.client.certificates.length ? '1' : '0';
  const appId = g.resource.kind === 'api' ? g.resource.app.clientId : g.client.clientId;
  if (!isV2(g.resource)) {
    return signJwt(ctx.keys, {
      ...base, aud: audienceOf(g.resource), iss: g.issuer ?? v1Issuer(ctx), ver: '1.0', appid: g.client.clientId, appidacr: acr,
      app_displayname: g.client.displayName, idtyp: 'user', sub: pairwiseSub(u.id, appId), upn: u.userPrincipalName,
      unique_name: u.userPrincipalName, given_name: u.givenName ?? undefined, family_name: u.surname ?? undefined, amr: ['pwd'],
      ...g.claims,
    });
  }
  return signJwt(ctx.keys, {
    ...base, aud: audienceOf(g.resource), iss: g.issuer ?? v2Issuer(ctx), ver: '2.0', azp: g.client.clientId,
    azpacr: acr, sub: pairwiseSub(u.id, appId), preferred_username: u.userPrincipalName, ...g.claims,
  });
}

export async function idToken(ctx: IssuerContext, user: UserRecord, client: AppRegistration, nonce?: string): Promise<string> {
  const u = user.user;
  return signJwt(ctx.keys, {
    ...times(ACCESS_TOKEN_SECONDS), aud: client.clientId, iss: v2Issuer(ctx), tid: ctx.tenantId, oid: u.id,
    sub: pairwiseSub(u.id, client.clientId), name: u.displayName ?? undefined, preferred_username: u.userPrincipalName,
    email: u.mail ?? undefined, ver: '2.0', uti: opaque(16), rh: opaque(24), ...(nonce ? { nonce } : {}),
  });
}

/** `client_info` lets MSAL build the account's home id (uid.utid). */
export function clientInfo(ctx: IssuerContext, user: UserRecord): string {
  return Buffer.from(JSON.stringify({ uid: user.user.id, utid: ctx.tenantId })).toString('base64url');
}

export const newOpaqueToken = () => `${randomUUID()}.${opaque(48)}`;

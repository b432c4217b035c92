import type { RequestHandler } from 'express';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import type { Caller, Role } from '../access/caller';
import { HttpError } from './errors';

export type { Caller, Role } from '../access/caller';

export interface AuthOptions {
  tenantId: string;
  /** The API's client id: the audience of every v2.0 token, and a possible one of v1.0 tokens. */
  clientId: string;
  /** Issuer of v2.0 tokens (from the v2.0 metadata): `https://login.microsoftonline.com/{tid}/v2.0`. */
  issuer: string;
  /** Issuer of v1.0 tokens (from the v1.0 metadata): `https://sts.windows.net/{tid}/`. */
  v1Issuer: string;
  /** Application ID URIs of the API: what a v1.0 token carries as `aud` when the client asked by one. */
  appIdUris: string[];
  jwksUri: string;
  /** UPNs or object ids that are administrators even without the app role. */
  adminUsers: string[];
  requiredScope?: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Caller;
  }
}

const ADMIN_ROLE = 'Archive.Admin';
const AUDITOR_ROLE = 'Archive.Auditor';

/**
 * Accepts the access tokens Entra issues for this API in either format, each checked strictly:
 * the version the app manifest's `api.requestedAccessTokenVersion` selects decides the shape
 * (https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens#token-formats). A v2.0
 * token comes from the v2.0 issuer with the client id as `aud`; a v1.0 token from the v1.0
 * issuer with the client id or an Application ID URI. Signature, lifetime, tenant and scope are
 * checked for both, and the claims are type-checked before anything reads them.
 */
export function authenticate(opts: AuthOptions): RequestHandler {
  const keys = createRemoteJWKSet(new URL(opts.jwksUri), { cooldownDuration: 30_000 });
  const requiredScope = opts.requiredScope ?? 'access_as_user';
  return async (req, _res, next) => {
    try {
      const token = bearerToken(req.headers.authorization);
      const { payload } = await jwtVerify(token, keys, {
        issuer: [opts.issuer, opts.v1Issuer],
        audience: [opts.clientId, ...opts.appIdUris],
        algorithms: ['RS256'],
        clockTolerance: 60,
        requiredClaims: ['exp', 'oid', 'tid', 'ver'],
      }).catch((err: unknown) => {
        throw new HttpError(401, 'invalid_token', describeJoseError(err));
      });
      req.caller = toCaller(checkVersion(parseClaims(payload), opts), opts, requiredScope);
      next();
    } catch (err) {
      next(err);
    }
  };
}

function bearerToken(header: string | undefined): string {
  const match = /^Bearer ([A-Za-z0-9\-_.]+)$/.exec(header ?? '');
  if (!match) throw new HttpError(401, 'missing_token', 'Send an Entra ID access token as "Authorization: Bearer <token>"');
  return match[1]!;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const name = z.string().max(1024);

/**
 * The claims we read, as Entra documents them
 * (https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference):
 * a signed token whose `roles` is a string or whose `oid` is an object is refused here, before
 * any of it reaches a database filter or a role check.
 */
const claimsSchema = z.object({
  iss: z.string(),
  aud: z.string(),
  ver: z.enum(['1.0', '2.0']),
  tid: z.string().regex(GUID),
  oid: z.string().regex(GUID),
  scp: z.string().max(4096).optional(),
  roles: z.array(z.string().max(256)).max(500).optional(),
  preferred_username: name.optional(),
  upn: name.optional(),
  unique_name: name.optional(),
  name: name.optional(),
});
type Claims = z.infer<typeof claimsSchema>;

function parseClaims(payload: JWTPayload): Claims {
  const parsed = claimsSchema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const claim = String(parsed.error.issues[0]?.path[0] ?? '?');
  throw new HttpError(401, 'invalid_token', `Access token claim "${claim}" is not of the type Entra ID issues`);
}

/** Each issuer with its own token version and audiences: a v2.0 issuer never names the API by an App ID URI. */
function checkVersion(claims: Claims, opts: AuthOptions): Claims {
  const v2 = claims.iss === opts.issuer;
  const audiences = v2 ? [opts.clientId] : [opts.clientId, ...opts.appIdUris];
  if (claims.ver !== (v2 ? '2.0' : '1.0')) throw new HttpError(401, 'invalid_token', `Access token claim "ver" (${claims.ver}) does not match its issuer`);
  if (!audiences.includes(claims.aud)) throw new HttpError(401, 'invalid_token', 'Access token claim "aud" is not valid for this API and token version');
  return claims;
}

function toCaller(claims: Claims, opts: AuthOptions, requiredScope: string): Caller {
  if (claims.tid !== opts.tenantId) throw new HttpError(401, 'invalid_token', 'Token was issued for another tenant');
  const scopes = (claims.scp ?? '').split(' ');
  if (!scopes.includes(requiredScope)) throw new HttpError(401, 'invalid_token', `Token lacks the delegated scope ${requiredScope}`);
  // v2.0 tokens name the user in preferred_username, v1.0 tokens in upn (unique_name for guests).
  const upn = (claims.preferred_username ?? claims.upn ?? claims.unique_name ?? '').toLowerCase();
  const appRoles = claims.roles ?? [];
  const roles = new Set<Role>();
  if (appRoles.includes(ADMIN_ROLE) || opts.adminUsers.includes(upn) || opts.adminUsers.includes(claims.oid.toLowerCase())) roles.add('admin');
  if (appRoles.includes(AUDITOR_ROLE)) roles.add('auditor');
  return { oid: claims.oid, tenantId: claims.tid, upn, name: claims.name ?? upn, roles };
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'Access token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `Access token claim "${err.claim}" is not valid for this API`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'Access token signature is not valid';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'Access token algorithm is not allowed (RS256 only)';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'Access token was signed with an unknown key';
  return 'Access token is not valid';
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    const caller = req.caller;
    if (caller && roles.some((r) => caller.roles.has(r))) return next();
    next(new HttpError(403, 'forbidden', `This needs one of the roles: ${roles.join(', ')}`));
  };
}

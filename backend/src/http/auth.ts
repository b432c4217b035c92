import type { RequestHandler } from 'express';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { HttpError } from './errors';

/** Who is calling, as proven by an Entra ID access token for this API. */
export interface Caller {
  oid: string;
  tenantId: string;
  upn: string;
  name: string;
  roles: ReadonlySet<Role>;
}
export type Role = 'admin' | 'auditor';

export interface AuthOptions {
  issuer: string;
  audiences: string[];
  jwksUri: string;
  tenantId: string;
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

export function authenticate(opts: AuthOptions): RequestHandler {
  const keys = createRemoteJWKSet(new URL(opts.jwksUri), { cooldownDuration: 30_000 });
  const requiredScope = opts.requiredScope ?? 'access_as_user';
  return async (req, _res, next) => {
    try {
      const token = bearerToken(req.headers.authorization);
      const { payload } = await jwtVerify(token, keys, {
        issuer: opts.issuer,
        audience: opts.audiences,
        algorithms: ['RS256'],
        clockTolerance: 60,
        requiredClaims: ['exp', 'oid', 'tid'],
      }).catch((err: unknown) => {
        throw new HttpError(401, 'invalid_token', describeJoseError(err));
      });
      req.caller = toCaller(payload, opts, requiredScope);
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

function toCaller(payload: JWTPayload, opts: AuthOptions, requiredScope: string): Caller {
  const claims = payload as JWTPayload & { oid: string; tid: string; scp?: string; roles?: string[]; preferred_username?: string; upn?: string; name?: string };
  if (claims.tid !== opts.tenantId) throw new HttpError(401, 'invalid_token', 'Token was issued for another tenant');
  const scopes = (claims.scp ?? '').split(' ');
  if (!scopes.includes(requiredScope)) throw new HttpError(401, 'invalid_token', `Token lacks the delegated scope ${requiredScope}`);
  const upn = (claims.preferred_username ?? claims.upn ?? '').toLowerCase();
  const appRoles = claims.roles ?? [];
  const roles = new Set<Role>();
  if (appRoles.includes(ADMIN_ROLE) || opts.adminUsers.includes(upn) || opts.adminUsers.includes(claims.oid)) roles.add('admin');
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

import { GRAPH_APP_ID, GRAPH_RESOURCE } from '../config';
import type { AppRegistration } from '../tenant/directory';
import type { Tenant } from '../tenant/model';
import { EntraError, invalidRequest, invalidScope } from './errors';

export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

/**
 * The resource a token is for: Microsoft Graph or one of the tenant's own APIs, with the name the
 * client asked for it by (its client id or one of its Application ID URIs): a v1.0 token's `aud`.
 */
export type Resource = { kind: 'graph' } | { kind: 'api'; app: AppRegistration; requestedAs: string };

export interface ScopeRequest {
  resource: Resource | null;
  /** Permission names on the resource, without prefix (e.g. Mail.Read, access_as_user). */
  scopes: string[];
  isDefault: boolean;
  oidc: string[];
}

/** The resource a scope prefix or audience names: Graph, or an API by client id or Application ID URI. */
export function resourceOf(prefix: string, tenant: Tenant): Resource {
  const p = prefix.replace(/\/$/, '');
  if (p === GRAPH_RESOURCE || p === GRAPH_APP_ID || p === 'https://graph.microsoft.com') return { kind: 'graph' };
  const app = tenant.apps.get(p.replace(/^api:\/\//, ''))
    ?? [...tenant.apps.values()].find((a) => a.identifierUris.some((uri) => uri.toLowerCase() === p.toLowerCase()));
  if (app && app.exposedScopes.length + app.appRoles.length > 0) return { kind: 'api', app, requestedAs: p };
  throw new EntraError(400, 'invalid_resource', 500011,
    `The resource principal named ${p} was not found in the tenant named ${tenant.displayName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`);
}

function sameResource(a: Resource, b: Resource): boolean {
  return a.kind === b.kind && (a.kind === 'graph' || (b.kind === 'api' && a.app.clientId === b.app.clientId));
}

/** Parses the `scope` parameter: one resource per request, as Entra requires (AADSTS28000). */
export function parseScopes(scope: string | undefined, tenant: Tenant): ScopeRequest {
  if (!scope?.trim()) throw invalidRequest(900144, "The request body must contain the following parameter: 'scope'.");
  const out: ScopeRequest = { resource: null, scopes: [], isDefault: false, oidc: [] };
  for (const raw of scope.trim().split(/\s+/)) {
    if (OIDC_SCOPES.includes(raw.toLowerCase())) {
      out.oidc.push(raw.toLowerCase());
      continue;
    }
    const slash = raw.lastIndexOf('/');
    const prefix = slash > 0 ? raw.slice(0, slash) : GRAPH_RESOURCE;
    const name = slash > 0 ? raw.slice(slash + 1) : raw;
    const resource = resourceOf(prefix, tenant);
    if (out.resource && !sameResource(out.resource, resource)) {
      throw invalidRequest(28000, 'Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ' + scope + ' is not valid.');
    }
    out.resource = resource;
    if (name === '.default') out.isDefault = true;
    else out.scopes.push(name);
  }
  if (out.isDefault && out.scopes.length > 0) {
    throw invalidScope(70011, `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid. static scope limit exceeded.`);
  }
  return out;
}

/** Delegated permissions the client may receive for the resource (admin consent is pre-granted in the emulator). */
export function grantedDelegated(client: AppRegistration, req: ScopeRequest): string[] {
  const resource = req.resource;
  if (!resource) return [];
  const available = resource.kind === 'graph'
    ? client.graphDelegated.filter((s) => !OIDC_SCOPES.includes(s))
    : resource.app.exposedScopes;
  if (req.isDefault) return available;
  const missing = req.scopes.filter((s) => !available.some((a) => a.toLowerCase() === s.toLowerCase()));
  if (missing.length > 0) {
    throw new EntraError(400, 'invalid_grant', 65001,
      `The user or administrator has not consented to use the application with ID '${client.clientId}' named '${client.displayName}'. Send an interactive authorization request for this user and resource.`);
  }
  return req.scopes.map((s) => available.find((a) => a.toLowerCase() === s.toLowerCase())!);
}

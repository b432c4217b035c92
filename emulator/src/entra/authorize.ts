import type { AppRegistration, UserRecord } from '../tenant/directory';
import { EntraError } from './errors';
import type { GrantStore } from './grants';
import { clientInfo } from './issue';
import type { IssuerContext } from './issue';
import { parseScopes } from './scopes';
import type { Tenant } from '../tenant/model';

export interface AuthorizeContext extends IssuerContext {
  tenant: Tenant;
  grants: GrantStore;
}

export type AuthorizeResult =
  | { kind: 'page'; status: number; html: string }
  | { kind: 'redirect'; location: string }
  | { kind: 'form_post'; html: string };

/** Redirect URIs registered for the demo apps: any loopback http(s) address, any port and path. */
function isAllowedRedirectUri(uri: string): boolean {
  try {
    const u = new URL(uri);
    return ['http:', 'https:'].includes(u.protocol) && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);

function errorPage(e: EntraError): AuthorizeResult {
  return {
    kind: 'page',
    status: 400,
    html: page('Sign in failed', `<p class="error">AADSTS${e.code}: ${esc(e.message)}</p>`),
  };
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:Segoe UI,system-ui,sans-serif;max-width:28rem;margin:3rem auto;color:#1b1b1b}
a.account{display:block;padding:.75rem 1rem;margin:.5rem 0;border:1px solid #8a8886;border-radius:4px;text-decoration:none;color:inherit}
a.account:hover{background:#f3f2f1}.upn{color:#605e5c;font-size:.9em}.error{color:#a4262c}</style></head>
<body><h1>${esc(title)}</h1>${body}</body></html>`;
}

/** Users who can sign in interactively: enabled members holding a licence. */
function signInCandidates(tenant: Tenant): UserRecord[] {
  return [...tenant.users.values()].filter(
    (u) => u.user.accountEnabled !== false && u.user.userType === 'Member' && (u.user.assignedLicenses?.length ?? 0) > 0,
  );
}

/** GET /{tenant}/oauth2/v2.0/authorize: an account picker, then a redirect with code and state. */
export function authorize(ctx: AuthorizeContext, query: URLSearchParams, selfUrl: string): AuthorizeResult {
  const clientId = query.get('client_id') ?? '';
  const client = ctx.tenant.apps.get(clientId);
  if (!client) return errorPage(new EntraError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${ctx.tenant.displayName}'.`));
  const redirectUri = query.get('redirect_uri') ?? '';
  if (!isAllowedRedirectUri(redirectUri)) {
    return errorPage(new EntraError(400, 'invalid_request', 50011, `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`));
  }
  const respond = (params: Record<string, string>) => redirect(redirectUri, query.get('response_mode') ?? 'query', { ...params, ...(query.get('state') ? { state: query.get('state')! } : {}) });
  try {
    validate(ctx, client, query);
  } catch (e) {
    if (!(e instanceof EntraError)) throw e;
    return respond({ error: e.error, error_description: `AADSTS${e.code}: ${e.message}` });
  }
  const candidates = signInCandidates(ctx.tenant);
  const chosenId = query.get('emulator_user') ?? (query.get('prompt') === 'none' ? hinted(candidates, query.get('login_hint')) : undefined);
  if (!chosenId) {
    if (query.get('prompt') === 'none') return respond({ error: 'login_required', error_description: 'AADSTS50058: A silent sign-in request was sent but no user is signed in.' });
    return { kind: 'page', status: 200, html: picker(candidates, query, selfUrl) };
  }
  const user = candidates.find((u) => u.user.id === chosenId);
  if (!user) return respond({ error: 'access_denied', error_description: 'AADSTS50057: The user account is disabled.' });
  const code = ctx.grants.newCode({
    clientId, redirectUri, userId: user.user.id, scope: query.get('scope') ?? '',
    codeChallenge: query.get('code_challenge') ?? undefined, codeChallengeMethod: query.get('code_challenge_method') ?? undefined,
    nonce: query.get('nonce') ?? undefined,
  });
  return respond({
    code,
    ...(query.get('client_info') === '1' ? { client_info: clientInfo(ctx, user) } : {}),
    session_state: user.user.id,
  });
}

function validate(ctx: AuthorizeContext, client: AppRegistration, query: URLSearchParams): void {
  if (query.get('response_type') !== 'code') {
    throw new EntraError(400, 'unsupported_response_type', 700054, `response_type '${query.get('response_type') ?? ''}' is not enabled for the application.`);
  }
  parseScopes(query.get('scope') ?? undefined, ctx.tenant);
  const method = query.get('code_challenge_method');
  if (query.get('code_challenge') && method && method !== 'S256' && method !== 'plain') {
    throw new EntraError(400, 'invalid_request', 50148, 'The code_challenge_method is not supported.');
  }
  if (client.spa && !query.get('code_challenge')) {
    throw new EntraError(400, 'invalid_request', 9002325, 'Proof Key for Code Exchange is required for cross-origin authorization code redemption.');
  }
}

function hinted(candidates: UserRecord[], hint: string | null): string | undefined {
  if (!hint) return undefined;
  return candidates.find((u) => u.user.userPrincipalName.toLowerCase() === hint.toLowerCase())?.user.id;
}

function picker(candidates: UserRecord[], query: URLSearchParams, selfUrl: string): string {
  const links = candidates.map((u) => {
    const q = new URLSearchParams(query);
    q.set('emulator_user', u.user.id);
    return `<a class="account" data-upn="${esc(u.user.userPrincipalName)}" href="${esc(`${selfUrl}?${q}`)}">${esc(u.user.displayName ?? '')}<br><span class="upn">${esc(u.user.userPrincipalName)}</span></a>`;
  });
  return page('Pick an account', `<p>Contoso Demo (local Microsoft 365 emulator)</p>${links.join('\n')}`);
}

function redirect(uri: string, mode: string, params: Record<string, string>): AuthorizeResult {
  const encoded = new URLSearchParams(params).toString();
  if (mode === 'form_post') {
    const inputs = Object.entries(params).map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
    return { kind: 'form_post', html: `<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${esc(uri)}">${inputs}</form></body></html>` };
  }
  if (mode === 'fragment') return { kind: 'redirect', location: `${uri}#${encoded}` };
  return { kind: 'redirect', location: `${uri}${uri.includes('?') ? '&' : '?'}${encoded}` };
}

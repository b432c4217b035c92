import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { IncomingHttpHeaders } from 'node:http';
import { GRAPH_APP_ID, GRAPH_RESOURCE } from '../config';
import type { SigningKeys } from '../entra/keys';
import { header } from '../http';
import { directoryDenied, GraphError, mailboxDenied } from './errors';

export interface Principal {
  kind: 'app' | 'delegated';
  appId: string;
  /** The signed-in user (delegated tokens only). */
  userId?: string;
  roles: string[];
  scopes: string[];
}

export interface AuthConfig {
  keys: SigningKeys;
  tenantId: string;
  v2Issuer: string;
}

const CLOCK_SKEW_SECONDS = 300;

const unauthorized = (message: string) =>
  new GraphError(401, 'InvalidAuthenticationToken', message, {
    'www-authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`,
  });

/** Tokens whose signature was checked, by their text: at most this many, then the cache starts over. */
const VERIFIED_MAX = 1000;
const verified = new Map<string, { keys: SigningKeys; payload: JWTPayload }>();

/**
 * The token's claims once its signature and lifetime hold. A client sends the same token for an
 * hour, and an RSA verification per request was a tenth of the emulator's time in bench:archive
 * (CPU the backend under test shares); the same bytes under the same key verify the same way, so
 * only the lifetime is checked again.
 */
async function verifiedPayload(keys: SigningKeys, token: string): Promise<JWTPayload> {
  const known = verified.get(token);
  if (known?.keys === keys) {
    // As jose decides it: expired once exp is the skew behind the current second.
    if (typeof known.payload.exp === 'number' && known.payload.exp <= Math.floor(Date.now() / 1000) - CLOCK_SKEW_SECONDS) throw expired();
    return known.payload;
  }
  try {
    const { payload } = await jwtVerify(token, keys.publicKey, { algorithms: ['RS256'], clockTolerance: CLOCK_SKEW_SECONDS });
    if (verified.size >= VERIFIED_MAX) verified.clear();
    verified.set(token, { keys, payload });
    return payload;
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) throw expired();
    throw unauthorized('Access token validation failure.');
  }
}

const expired = () => unauthorized('Lifetime validation failed, the token is expired.');

/** Validates a Graph bearer token as Graph does: signature, lifetime (5 min skew), audience, tenant. */
export async function authenticate(cfg: AuthConfig, headers: IncomingHttpHeaders): Promise<Principal> {
  const authz = header(headers, 'authorization');
  if (!authz) throw unauthorized('Access token is empty.');
  const token = /^Bearer\s+(.+)$/i.exec(authz)?.[1]?.trim();
  if (!token || token.split('.').length !== 3) throw unauthorized('IDX14100: JWT is not well formed, there are no dots (.).');
  const payload = await verifiedPayload(cfg.keys, token);
  const aud = String(payload.aud);
  if (![GRAPH_RESOURCE, `${GRAPH_RESOURCE}/`, GRAPH_APP_ID].includes(aud)) {
    throw unauthorized('Access token validation failure. Invalid audience.');
  }
  if (payload.tid !== cfg.tenantId || ![`https://sts.windows.net/${cfg.tenantId}/`, cfg.v2Issuer].includes(String(payload.iss))) {
    throw unauthorized('Access token validation failure. Invalid issuer.');
  }
  const scp = typeof payload.scp === 'string' ? payload.scp.split(' ').filter(Boolean) : [];
  const roles = Array.isArray(payload.roles) ? payload.roles.map(String) : [];
  const appId = String(payload.appid ?? payload.azp ?? '');
  if (scp.length > 0) return { kind: 'delegated', appId, userId: String(payload.oid), roles, scopes: scp };
  return { kind: 'app', appId, roles, scopes: [] };
}

export interface Need {
  app: string[];
  delegated: string[];
}

function has(granted: string[], wanted: string[]): boolean {
  const lower = granted.map((g) => g.toLowerCase());
  return wanted.some((w) => lower.includes(w.toLowerCase()));
}

export function allowed(p: Principal, need: Need): boolean {
  return p.kind === 'app' ? has(p.roles, need.app) : has(p.scopes, need.delegated);
}

/** Directory routes fail with Authorization_RequestDenied. */
export function requireDirectory(p: Principal, need: Need): void {
  if (!allowed(p, need)) throw directoryDenied();
}

/** Mailbox routes fail with ErrorAccessDenied; a delegated caller may only open their own mailbox. */
export function requireMailbox(p: Principal, need: Need, mailboxUserId: string): void {
  if (!allowed(p, need)) throw mailboxDenied();
  if (p.kind === 'delegated' && p.userId !== mailboxUserId) throw mailboxDenied();
}

const ALL_MAIL = ['Mail.Read', 'Mail.ReadWrite'];
export const PERMS = {
  users: {
    app: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All', 'User.ReadBasic.All'],
    delegated: ['User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.AccessAsUser.All'],
  },
  groups: {
    app: ['Group.Read.All', 'Group.ReadWrite.All', 'GroupMember.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
    delegated: ['Group.Read.All', 'Group.ReadWrite.All', 'GroupMember.Read.All', 'Directory.Read.All', 'Directory.AccessAsUser.All'],
  },
  conversations: {
    app: ['Group-Conversation.Read.All', 'Group-Conversation.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All'],
    delegated: ['Group-Conversation.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All'],
  },
  mailboxSettings: { app: ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'], delegated: ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'] },
  mailBasic: { app: ['Mail.ReadBasic.All', ...ALL_MAIL], delegated: ['Mail.ReadBasic', ...ALL_MAIL] },
  mailRead: { app: ALL_MAIL, delegated: ALL_MAIL },
  mailWrite: { app: ['Mail.ReadWrite'], delegated: ['Mail.ReadWrite'] },
} satisfies Record<string, Need>;

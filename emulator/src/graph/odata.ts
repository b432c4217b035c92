import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { header } from '../http';
import { badRequest } from './errors';
import type { GraphEnv } from './types';

export function selectFields(query: URLSearchParams): string[] | null {
  const raw = query.get('$select');
  if (!raw) return null;
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Keeps the selected properties (case-insensitive, as Graph matches them), id, annotations and what $expand asked for. */
export function applySelect<T extends object>(obj: T, fields: string[] | null): Partial<T> {
  if (!fields) return obj;
  const wanted = new Set(fields.map((f) => f.toLowerCase()));
  wanted.add('id');
  wanted.add('singlevalueextendedproperties');
  return Object.fromEntries(Object.entries(obj).filter(([k]) => k.startsWith('@') || wanted.has(k.toLowerCase()))) as Partial<T>;
}

export function parseTop(query: URLSearchParams, fallback: number, max: number): number {
  const raw = query.get('$top');
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw badRequest('Request_BadRequest', `Invalid page size specified: '${raw}'. Must be between 1 and ${max} inclusive.`);
  }
  return n;
}

export function parseSkip(query: URLSearchParams): number {
  const raw = query.get('$skip');
  if (raw === null) return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw badRequest('BadRequest', `Invalid $skip value '${raw}'.`);
  return n;
}

/** `Prefer: odata.maxpagesize=N` */
export function preferredPageSize(headers: IncomingHttpHeaders): number | undefined {
  const m = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(header(headers, 'prefer') ?? '');
  return m ? Number(m[1]) : undefined;
}

/** `Prefer: IdType="ImmutableId"` (https://learn.microsoft.com/en-us/graph/outlook-immutable-id). */
export function prefersImmutableIds(headers: IncomingHttpHeaders): boolean {
  return /IdType\s*=\s*"?ImmutableId"?/i.test(header(headers, 'prefer') ?? '');
}

/** `Prefer: outlook.body-content-type="text"` */
export function preferredBodyType(headers: IncomingHttpHeaders): 'text' | 'html' | undefined {
  const m = /outlook\.body-content-type\s*=\s*"?(text|html)"?/i.exec(header(headers, 'prefer') ?? '');
  return m ? (m[1]!.toLowerCase() as 'text' | 'html') : undefined;
}

/** Opaque, tamper-evident state tokens ($skiptoken, $deltatoken): base64url JSON plus a MAC. */
export function signToken(env: GraphEnv, payload: object): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}${mac(env, body)}`;
}

export function readToken<T>(env: GraphEnv, token: string): T | undefined {
  if (token.length <= 22) return undefined;
  const body = token.slice(0, -22);
  const expected = Buffer.from(mac(env, body));
  const given = Buffer.from(token.slice(-22));
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString()) as T;
  } catch {
    return undefined;
  }
}

function mac(env: GraphEnv, body: string): string {
  return createHmac('sha256', env.tokenSecret).update(body).digest('base64url').slice(0, 22);
}

export function graphLink(env: GraphEnv, path: string, params: Record<string, string | undefined> = {}): string {
  const query = Object.entries(params)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  return `${env.graphBase}/${env.version ?? 'v1.0'}${path}${query ? `?${query}` : ''}`;
}

export function contextUrl(env: GraphEnv, fragment: string): string {
  return `${env.graphBase}/${env.version ?? 'v1.0'}/$metadata#${fragment}`;
}

/**
 * Change tracking refuses query options its page does not document, as Outlook does
 * ("The following parameters are not supported with change tracking over the 'Messages'
 * resource: '$orderby, $search'"): a client that relies on one only works against a lenient server.
 */
export function rejectUndocumented(query: URLSearchParams, documented: readonly string[], resource: string): void {
  const allowed = new Set(documented.map((o) => o.toLowerCase()));
  const refused = [...new Set([...query.keys()].filter((k) => !allowed.has(k.toLowerCase())))];
  if (refused.length > 0) {
    throw badRequest('ErrorInvalidUrlQuery', `The following parameters are not supported with change tracking over the '${resource}' resource: '${refused.join(', ')}'.`);
  }
}

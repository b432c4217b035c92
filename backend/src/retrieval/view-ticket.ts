import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Caller, Role } from '../access/caller';
import { DomainError, invalidInput } from '../errors';

/**
 * An iframe cannot send an Authorization header, so the message view (and the inline images it
 * loads) also accepts `?t=<ticket>`: a short-lived HMAC-signed statement "this caller may open
 * this one message", issued to a caller who authenticated with a bearer token.
 *
 * - Bound to the item id and to the caller (their oid, tenant, name and roles at issue time, so
 *   that the usual access check runs again on use); valid for TICKET_SECONDS.
 * - Not single-use: the document's inline images use the same ticket.
 * - The key is derived (HKDF) from the app's client secret, which every backend process of a
 *   deployment shares, so a ticket issued by one process is accepted by the others without a
 *   new setting; rotating the secret invalidates outstanding tickets, which live a minute anyway.
 * - It never grants anything else: only GET of /messages/<that id>/view and /cid/*.
 */
export const TICKET_SECONDS = 60;

interface TicketBody {
  v: 1;
  /** Item id. */
  i: string;
  o: string;
  t: string;
  u: string;
  n: string;
  r: Role[];
  /** Expiry, seconds since the epoch. */
  e: number;
}

export interface ViewTickets {
  issue(itemId: string, caller: Caller): { ticket: string; expiresAt: Date };
  /** The caller the ticket was issued to, or null when it is forged, expired or for another item. */
  verify(ticket: string, itemId: string): Caller | null;
}

export function viewTickets(secret: { deploymentSecret: string; TENANT_ID: string }, now: () => number = Date.now): ViewTickets {
  const key = Buffer.from(hkdfSync('sha256', secret.deploymentSecret, secret.TENANT_ID, 'm365-archive/view-ticket/v1', 32));
  const sign = (payload: string) => createHmac('sha256', key).update(payload).digest();
  return {
    issue(itemId, caller) {
      const e = Math.floor(now() / 1000) + TICKET_SECONDS;
      const body: TicketBody = { v: 1, i: itemId, o: caller.oid, t: caller.tenantId, u: caller.upn, n: caller.name, r: [...caller.roles], e };
      const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
      return { ticket: `${payload}.${sign(payload).toString('base64url')}`, expiresAt: new Date(e * 1000) };
    },
    verify(ticket, itemId) {
      const [payload, mac, extra] = ticket.split('.');
      if (!payload || !mac || extra !== undefined) return null;
      const expected = sign(payload);
      const given = Buffer.from(mac, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      const body = parseBody(payload);
      if (!body || body.i !== itemId || body.e * 1000 <= now()) return null;
      return { oid: body.o, tenantId: body.t, upn: body.u, name: body.n, roles: new Set(body.r) };
    },
  };
}

function parseBody(payload: string): TicketBody | null {
  try {
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TicketBody;
    const ok = body.v === 1 && [body.i, body.o, body.t, body.u, body.n].every((s) => typeof s === 'string') && Array.isArray(body.r) && Number.isFinite(body.e);
    return ok ? body : null;
  } catch {
    return null;
  }
}

const TICKET_PATH = /^\/messages\/([^/]+)\/(?:view|cid\/[^/]+)$/;

/**
 * Authenticates view-ticket requests; mounted before the bearer-token check, which must let a
 * request through that already has `req.caller`. Acts only on GET of the ticket paths without an
 * Authorization header; an invalid ticket there is a 401, like an invalid token.
 */
export function viewTicketAuth(tickets: ViewTickets): RequestHandler {
  return (req, res, next) => {
    const ticket = req.query.t;
    const match = TICKET_PATH.exec(req.path);
    if (req.method !== 'GET' || !match || typeof ticket !== 'string' || req.headers.authorization) return next();
    let itemId: string;
    try {
      itemId = decodeURIComponent(match[1]!);
    } catch {
      return next(invalidInput('id', 'not a message id'));
    }
    const caller = tickets.verify(ticket, itemId);
    if (!caller) return next(new DomainError('unauthenticated', 'invalid_ticket', 'The view ticket is not valid or has expired; ask for a new one'));
    req.caller = caller;
    res.locals.viewTicket = ticket;
    next();
  };
}

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { Caller } from '../../backend/src/access/caller';
import { toHttpError } from '../../backend/src/http/errors';
import { TICKET_SECONDS, viewTicketAuth, viewTickets } from '../../backend/src/retrieval/view-ticket';

const SECRET = { deploymentSecret: 'client-secret-for-tests', TENANT_ID: '00000000-0000-4000-8000-000000000001' };
const caller: Caller = { oid: 'oid-1', tenantId: SECRET.TENANT_ID, upn: 'megan@contoso.example', name: 'Megan Bowen', roles: new Set(['auditor']) };
const ITEM = `oid-1:${'a'.repeat(64)}`;
const OTHER = `oid-1:${'b'.repeat(64)}`;

test('a ticket names its caller, for its item only, until it expires', () => {
  let now = Date.parse('2024-05-01T10:00:00Z');
  const tickets = viewTickets(SECRET, () => now);
  const { ticket, expiresAt } = tickets.issue(ITEM, caller);
  assert.equal(expiresAt.getTime(), now + TICKET_SECONDS * 1000);
  const back = tickets.verify(ticket, ITEM)!;
  assert.deepEqual({ ...back, roles: [...back.roles] }, { ...caller, roles: ['auditor'] });
  assert.equal(tickets.verify(ticket, OTHER), null, 'bound to the item');
  now += TICKET_SECONDS * 1000 - 1;
  assert.ok(tickets.verify(ticket, ITEM));
  now += 1;
  assert.equal(tickets.verify(ticket, ITEM), null, 'expired');
});

test('a ticket cannot be altered, forged with another key, or truncated', () => {
  const tickets = viewTickets(SECRET);
  const { ticket } = tickets.issue(ITEM, caller);
  const [payload, mac] = ticket.split('.');
  const body = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  const forgedPayload = Buffer.from(JSON.stringify({ ...body, o: 'someone-else' })).toString('base64url');
  assert.equal(tickets.verify(`${forgedPayload}.${mac}`, ITEM), null);
  assert.equal(viewTickets({ ...SECRET, deploymentSecret: 'another' }).verify(ticket, ITEM), null);
  assert.equal(viewTickets({ ...SECRET, TENANT_ID: 'another' }).verify(ticket, ITEM), null);
  for (const bad of ['', '.', payload!, `${payload}.`, `${ticket}.x`, `${ticket.slice(0, -2)}`]) assert.equal(tickets.verify(bad, ITEM), null, bad);
  // Another process of the same deployment derives the same key.
  assert.ok(viewTickets(SECRET).verify(ticket, ITEM));
});

let server: Server;
let base: string;
const tickets = viewTickets(SECRET);

before(async () => {
  const app = express();
  app.use(viewTicketAuth(tickets));
  app.use((req, res) => void res.json({ caller: req.caller?.upn ?? null, ticket: res.locals.viewTicket ?? null }));
  app.use(((err, _req, res, _next) => {
    const { status, code } = toHttpError(err);
    res.status(status).json({ code });
  }) as express.ErrorRequestHandler);
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const get = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(base + path, { headers });
  return { status: res.status, body: await res.json() };
};

test('the middleware authenticates only GETs of the view and its images, with a ticket for that item', async () => {
  const { ticket } = tickets.issue(ITEM, caller);
  const id = encodeURIComponent(ITEM);
  assert.deepEqual((await get(`/messages/${id}/view?t=${ticket}`)).body, { caller: caller.upn, ticket });
  assert.deepEqual((await get(`/messages/${id}/cid/${encodeURIComponent('img@x')}?t=${ticket}`)).body.caller, caller.upn);
  assert.deepEqual(await get(`/messages/${encodeURIComponent(OTHER)}/view?t=${ticket}`), { status: 401, body: { code: 'invalid_ticket' } });
  assert.deepEqual(await get(`/messages/${id}/view?t=${ticket}x`), { status: 401, body: { code: 'invalid_ticket' } });
  // Elsewhere, or with a bearer token, the ticket means nothing and the usual check decides.
  for (const path of [`/messages/${id}/raw?t=${ticket}`, `/messages/${id}?t=${ticket}`, `/messages/${id}/attachments/0?t=${ticket}`]) {
    assert.deepEqual((await get(path)).body, { caller: null, ticket: null }, path);
  }
  assert.deepEqual((await get(`/messages/${id}/view?t=${ticket}`, { authorization: 'Bearer x' })).body, { caller: null, ticket: null });
});

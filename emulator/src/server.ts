import { randomUUID } from 'node:crypto';
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:https';
import type { HttpReq, HttpRes } from './http';
import { header, json } from './http';
import { handleUpload, MAX_REQUEST_BYTES } from './graph/attachments';
import { runBatch } from './graph/batch';
import { graphErrorBody } from './graph/errors';
import { runGraphRequest } from './graph/pipeline';
import type { PipelineDeps } from './graph/pipeline';
import type { GraphRequest, GraphVersion } from './graph/types';
import { handleEntra } from './entra/routes';
import type { EntraContext } from './entra/routes';

export interface ServerDeps {
  graph: PipelineDeps;
  entra: EntraContext;
  control: (req: HttpReq) => Promise<HttpRes | undefined>;
  /** The human-readable front page and the CA certificate. */
  front: (req: HttpReq) => HttpRes | undefined;
}

const MAX_BODY = 200 * 1024 * 1024;

export function createEmulatorServer(tls: { key: Buffer; cert: Buffer }, deps: () => ServerDeps): Server {
  return createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    handle(deps(), req, res).catch((e) => {
      console.error('[emulator] request failed', e);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'InternalServerError', message: 'An internal server error occurred.' } }));
    });
  });
}

async function handle(deps: ServerDeps, raw: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(raw);
  const req: HttpReq = { method: raw.method ?? 'GET', url: new URL(raw.url ?? '/', 'https://localhost'), headers: raw.headers, body };
  const out = req.method === 'OPTIONS' ? preflight(req) : await route(deps, req);
  if (out.drop) {
    raw.socket.destroy();
    return;
  }
  if (header(req.headers, 'origin')) Object.assign((out.headers ??= {}), CORS_HEADERS);
  send(res, out);
}

/**
 * Browser clients (msal-browser in the add-in and the Teams tab) call discovery, token and Graph
 * endpoints cross-origin, as Entra and Graph allow.
 */
const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'request-id, client-request-id, retry-after, location, preference-applied, www-authenticate',
};

function preflight(req: HttpReq): HttpRes {
  return {
    status: 204,
    headers: {
      'access-control-allow-methods': 'GET, POST, PATCH, PUT, DELETE, OPTIONS',
      'access-control-allow-headers': header(req.headers, 'access-control-request-headers') ?? 'authorization, content-type',
      'access-control-max-age': '86400',
    },
  };
}

async function route(deps: ServerDeps, req: HttpReq): Promise<HttpRes> {
  const path = req.url.pathname;
  if (path.startsWith('/_emulator/')) return (await deps.control(req)) ?? json(404, { error: 'not_found' });
  const version = (['v1.0', 'beta'] as const).find((v) => path === `/${v}` || path.startsWith(`/${v}/`));
  if (version) return graph(deps, req, version);
  const front = deps.front(req);
  if (front) return front;
  const fault = deps.graph.faults.take({ path, method: req.method });
  if (fault?.kind === 'drop') return { status: 0, drop: true };
  if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs ?? 1000));
  else if (fault?.kind === 'redirect') return { status: 308, headers: { location: fault.location ?? '/' } };
  else if (fault) {
    return json(Number(fault.kind), { error: 'temporarily_unavailable', error_description: 'Injected fault.' },
      fault.retryAfterSeconds ? { 'retry-after': String(fault.retryAfterSeconds) } : {});
  }
  // Upload sessions' pre-authenticated URLs (Outlook's REST host in Exchange Online).
  if (path.startsWith('/api/v2.0/')) return handleUpload(deps.graph.env, req);
  return (await handleEntra(deps.entra, req)) ?? json(404, { error: 'not_found', error_description: `No route for ${path}` });
}

async function graph(deps: ServerDeps, req: HttpReq, version: GraphVersion): Promise<HttpRes> {
  const requestId = randomUUID();
  if (req.body.length > MAX_REQUEST_BYTES) return tooLarge(req, requestId);
  const greq: GraphRequest = {
    method: req.method.toUpperCase(),
    path: req.url.pathname.slice(version.length + 1) || '/',
    version,
    query: req.url.searchParams,
    headers: req.headers,
    body: req.body,
    requestId,
    clientRequestId: header(req.headers, 'client-request-id') ?? requestId,
  };
  const res = greq.method === 'POST' && greq.path === '/$batch' ? await runBatch(deps.graph, greq) : await runGraphRequest(deps.graph, greq);
  return { status: res.status, headers: res.headers, body: res.body, drop: res.drop, truncate: res.truncate };
}

/**
 * Graph refuses a request body over 4 MB, whatever the endpoint
 * (https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/682: "The maximum
 * request length supported is 4MB."; 413 Request Entity Too Large). Larger attachments go
 * through upload sessions.
 */
function tooLarge(req: HttpReq, requestId: string): HttpRes {
  const body = graphErrorBody('BadRequest', 'The maximum request length supported is 4MB.', requestId, header(req.headers, 'client-request-id') ?? requestId);
  return json(413, body, { 'request-id': requestId });
}

function send(res: ServerResponse, out: HttpRes): void {
  const headers: Record<string, string> = { ...(out.headers ?? {}) };
  let payload: Buffer | undefined;
  if (Buffer.isBuffer(out.body)) payload = out.body;
  else if (typeof out.body === 'string') payload = Buffer.from(out.body);
  else if (out.body !== undefined) {
    payload = Buffer.from(JSON.stringify(out.body));
    headers['content-type'] ??= 'application/json';
  }
  if (payload) headers['content-length'] = String(payload.length);
  res.writeHead(out.status, headers);
  // A truncated answer announces its whole length, sends half, then breaks the connection.
  if (out.truncate) res.write(payload?.subarray(0, Math.floor(payload.length / 2)) ?? '', () => res.socket?.destroy());
  else res.end(payload);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

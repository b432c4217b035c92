import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { header } from '../http';
import { badRequest, GraphError, graphErrorBody } from './errors';
import { errorResponse, runGraphRequest } from './pipeline';
import type { PipelineDeps } from './pipeline';
import type { GraphRequest, GraphResponse } from './types';

interface Part {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

interface PartResult {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const MAX_PARTS = 20;
/** Exchange runs at most four requests of a batch at once. */
const PARALLEL = 4;

/**
 * POST /v1.0/$batch (https://learn.microsoft.com/en-us/graph/json-batching): up to 20 parts, each
 * authenticated, throttled and counted like a standalone request; dependents of a failed part get 424.
 */
export async function runBatch(deps: PipelineDeps, outer: GraphRequest): Promise<GraphResponse> {
  deps.stats.record(`/${outer.version ?? 'v1.0'}/$batch`, undefined);
  let parts: Part[];
  try {
    parts = parseParts(outer.body);
  } catch (e) {
    return errorResponse(e, outer);
  }
  const results = new Map<string, PartResult>();
  const running = new Map<string, Promise<void>>();
  let dropped = false;
  const start = (part: Part) => {
    const failedDep = (part.dependsOn ?? []).find((d) => (results.get(d)?.status ?? 0) >= 400);
    const task = failedDep
      ? Promise.resolve(results.set(part.id, failedDependency(part, outer))).then(() => undefined)
      : runGraphRequest(deps, toRequest(part, outer)).then((res) => {
          if (res.drop || res.truncate) dropped = true;
          results.set(part.id, { id: part.id, status: res.status, headers: partHeaders(res.headers), body: encodeBody(res.body) });
        });
    running.set(part.id, task.finally(() => running.delete(part.id)));
  };
  const pending = [...parts];
  while (pending.length > 0 || running.size > 0) {
    const ready = pending.filter((p) => (p.dependsOn ?? []).every((d) => results.has(d)));
    for (const part of ready) {
      if (running.size >= PARALLEL) break;
      pending.splice(pending.indexOf(part), 1);
      start(part);
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  if (dropped) return { status: 0, headers: {}, drop: true };
  return {
    status: 200,
    headers: { 'content-type': 'application/json', 'request-id': outer.requestId, 'client-request-id': outer.clientRequestId },
    body: { responses: parts.map((p) => results.get(p.id)).filter((r) => r !== undefined) },
  };
}

function parseParts(body: Buffer): Part[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest('BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
  const requests = (parsed as { requests?: unknown })?.requests;
  if (!Array.isArray(requests) || requests.length === 0) throw badRequest('BadRequest', 'Invalid batch payload format.');
  if (requests.length > MAX_PARTS) throw badRequest('BadRequest', `Limit of ${MAX_PARTS} requests exceeded.`);
  const ids = new Set<string>();
  for (const r of requests as Part[]) {
    if (typeof r?.id !== 'string' || typeof r.method !== 'string' || typeof r.url !== 'string') {
      throw badRequest('BadRequest', 'Each batch request must have id, method and url.');
    }
    if (ids.has(r.id)) throw badRequest('BadRequest', `Request id '${r.id}' is used more than once.`);
    if (/^https?:/i.test(r.url)) throw badRequest('BadRequest', 'Batch request URLs must be relative.');
    ids.add(r.id);
  }
  for (const r of requests as Part[]) {
    for (const d of r.dependsOn ?? []) {
      if (!ids.has(d)) throw badRequest('BadRequest', `Request '${r.id}' depends on unknown request '${d}'.`);
    }
  }
  return requests as Part[];
}

/** A part runs on the batch's own version (a `/beta/$batch` part is a beta request). */
function toRequest(part: Part, outer: GraphRequest): GraphRequest {
  const outerHeaders = outer.headers;
  const url = new URL(part.url.replace(/^\/?(v1\.0\/)?/, '/'), 'https://batch.invalid');
  const headers: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(part.headers ?? {})) headers[k.toLowerCase()] = v;
  headers.authorization = header(outerHeaders, 'authorization');
  let body = Buffer.alloc(0);
  if (part.body !== undefined) {
    if (typeof part.body === 'string') body = Buffer.from(part.body, 'utf8');
    else {
      body = Buffer.from(JSON.stringify(part.body));
      headers['content-type'] ??= 'application/json';
    }
  }
  const requestId = randomUUID();
  return {
    method: part.method.toUpperCase(), path: url.pathname, query: url.searchParams, headers, body,
    requestId, clientRequestId: requestId, version: outer.version,
  };
}

const PER_REQUEST_ONLY = new Set(['request-id', 'client-request-id', 'x-ms-ags-diagnostic', 'content-length']);

/** Part headers are written as Graph writes them in batch responses: `Retry-After`, `Content-Type`. */
function partHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (PER_REQUEST_ONLY.has(name)) continue;
    out[name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase())] = value;
  }
  return out;
}

/** Non-JSON bodies (such as MIME from $value) travel base64-encoded inside a batch response. */
function encodeBody(body: unknown): unknown {
  return Buffer.isBuffer(body) ? body.toString('base64') : body;
}

function failedDependency(part: Part, outer: GraphRequest): PartResult {
  const e = new GraphError(424, 'FailedDependency', 'Failed dependency: a request this request depends on failed.');
  return { id: part.id, status: 424, headers: { 'content-type': 'application/json' }, body: graphErrorBody(e.code, e.message, outer.requestId, outer.clientRequestId) };
}

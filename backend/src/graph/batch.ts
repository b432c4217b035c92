import type { Client } from '@microsoft/microsoft-graph-client';
import { graphErrorOf } from './paging';

/** JSON batching: up to 20 requests per call (Graph docs, "Combine multiple requests"). */
const MAX_PER_BATCH = 20;
const MAX_ROUNDS = 8;

export interface BatchRequest {
  id: string;
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}
export interface BatchResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * Sends requests through $batch. The outer 200 says nothing about the parts: each part may be
 * throttled on its own (429 + Retry-After) and the SDK's retry handler never retries parts, so
 * throttled parts are resent here after the longest Retry-After among them.
 */
export async function sendBatch(client: Client, requests: BatchRequest[], signal?: AbortSignal): Promise<Map<string, BatchResponse>> {
  const results = new Map<string, BatchResponse>();
  let todo = requests;
  for (let round = 0; todo.length && round < MAX_ROUNDS; round++) {
    const throttled: BatchRequest[] = [];
    let waitSeconds = 0;
    for (let i = 0; i < todo.length; i += MAX_PER_BATCH) {
      const chunk = todo.slice(i, i + MAX_PER_BATCH);
      const answer: { responses: BatchResponse[] } = await client.api('/$batch').post({ requests: chunk });
      for (const r of answer.responses) {
        if (r.status === 429 || r.status === 503) {
          throttled.push(chunk.find((c) => c.id === r.id)!);
          waitSeconds = Math.max(waitSeconds, Number(r.headers?.['Retry-After'] ?? r.headers?.['retry-after'] ?? 1));
        } else {
          results.set(r.id, r);
        }
      }
    }
    todo = throttled;
    if (todo.length) {
      signal?.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, waitSeconds) * 1000));
    }
  }
  for (const r of todo) results.set(r.id, { id: r.id, status: 429 });
  await resendRedirected(client, requests, results);
  return results;
}

/**
 * A GET part answered with a redirect (a folder of an online archive whose content lives in an
 * auxiliary archive answers 308, https://learn.microsoft.com/graph/handle-archive-mailbox-redirects)
 * is sent again on its own: the client follows redirects, and only to the Graph host
 * (graph/redirects.ts). Its answer replaces the redirect.
 */
async function resendRedirected(client: Client, requests: BatchRequest[], results: Map<string, BatchResponse>): Promise<void> {
  for (const req of requests) {
    const answer = results.get(req.id);
    if (req.method !== 'GET' || !answer || answer.status < 300 || answer.status >= 400) continue;
    try {
      results.set(req.id, { id: req.id, status: 200, body: await client.api(req.url).headers(req.headers ?? {}).get() });
    } catch (err) {
      const { status, code, message } = graphErrorOf(err);
      results.set(req.id, { id: req.id, status: status || 500, body: { error: { code, message } } });
    }
  }
}

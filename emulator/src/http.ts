import type { IncomingHttpHeaders } from 'node:http';

export interface HttpReq {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpRes {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; Buffers and strings as they are. */
  body?: unknown;
  /** Destroy the socket instead of answering (a dropped connection). */
  drop?: boolean;
  /** Send the headers and half the body, then destroy the socket (a connection reset mid-answer). */
  truncate?: boolean;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpRes {
  return { status, body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } };
}

export function html(status: number, body: string, headers: Record<string, string> = {}): HttpRes {
  return { status, body, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers } };
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

import type { IncomingHttpHeaders } from 'node:http';
import type { Tenant } from '../tenant/model';
import type { Principal } from './auth';

export interface GraphRequest {
  method: string;
  /** Path below the version (/v1.0 or /beta), starting with '/'. */
  path: string;
  /** The API version the request was sent to; v1.0 when absent. */
  version?: GraphVersion;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  requestId: string;
  clientRequestId: string;
}

export interface GraphResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON value, raw bytes, or nothing (204). */
  body?: unknown;
  drop?: boolean;
  /** Injected: the connection breaks half-way through the body. */
  truncate?: boolean;
}

export type GraphVersion = 'v1.0' | 'beta';

export interface GraphEnv {
  tenant: Tenant;
  /** e.g. https://localhost:1234 — Graph links are `${graphBase}/v1.0/...`. */
  graphBase: string;
  /** HMAC key for paging and delta tokens. */
  tokenSecret: Buffer;
  /** The version of the request being answered: links it returns stay on it. */
  version?: GraphVersion;
}

export interface HandlerContext {
  env: GraphEnv;
  req: GraphRequest;
  principal: Principal;
  params: Record<string, string>;
  /** Prefer: IdType="ImmutableId" */
  immutableIds: boolean;
}

import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError, type ZodType } from 'zod';
import { DomainError, type DomainErrorKind } from '../errors';
import type { Logger } from '../log';
import { MessageTooComplexError } from '../retrieval/render';
import { PrefixTooBroadError } from '../search/index-bucketed';
import { QuerySyntaxError } from '../search/query';

/** An error that reaches the client as JSON with a stable `code` (and the offending field, if any). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** More for the client to act on, beside code and message (where a query went wrong). */
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export { forbidden, notFound } from '../errors';

/** The status each kind of domain error (errors.ts) answers with. */
const DOMAIN_STATUS: Record<DomainErrorKind, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  too_large: 413,
  unprocessable: 422,
  upstream_failed: 502,
  upstream_busy: 503,
};

/** Validates input at the edge: a typed value, or a 400 naming the first offending field. */
export function parseInput<T>(schema: ZodType<T>, input: unknown, where = 'body'): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw zodToHttp(parsed.error, where);
}

function zodToHttp(error: ZodError, where: string): HttpError {
  const issue = error.issues[0]!;
  const field = issue.path.length ? issue.path.join('.') : where;
  return new HttpError(400, 'invalid_input', `${field}: ${issue.message}`, field);
}

/**
 * A query the caller typed that cannot run, as a 400 naming the field it came in: a syntax error
 * with its position (a search box points at it), or a prefix too broad for the index. Anything
 * else is passed on as it is.
 */
export function queryInputError(err: unknown, field: string): unknown {
  if (err instanceof QuerySyntaxError) return new HttpError(400, err.code, err.message, field, { position: err.position });
  if (err instanceof PrefixTooBroadError) return new HttpError(400, 'query_too_broad', err.message, field);
  return err;
}

export const unknownRoute: RequestHandler = (req, _res, next) =>
  next(new HttpError(404, 'route_not_found', `No route for ${req.method} ${req.path}`));

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const http = toHttpError(err);
    if (http.status >= 500) log.error({ err, method: req.method, path: req.path }, 'request failed');
    if (http.status === 401) res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
    res.status(http.status).json({ error: { code: http.code, message: http.message, ...(http.field ? { field: http.field } : {}), ...http.details } });
  };
}

/** What the client is told of an error: its status, code and message. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof DomainError) return new HttpError(DOMAIN_STATUS[err.kind], err.code, err.message, err.field, err.details);
  if (err instanceof ZodError) return zodToHttp(err, 'body');
  if (err instanceof MessageTooComplexError) return new HttpError(422, err.code, err.message);
  return bodyError(err) ?? new HttpError(500, 'internal', 'Internal error; the server log has details');
}

/** body-parser's failures, by the type it marks them with: all the client's to fix. */
const BODY_ERRORS: Record<string, [number, string, string]> = {
  'entity.parse.failed': [400, 'invalid_json', 'Request body is not valid JSON'],
  'entity.too.large': [413, 'payload_too_large', 'Request body is too large'],
  'encoding.unsupported': [415, 'unsupported_content_encoding', 'Content-Encoding must be identity, gzip, deflate or br'],
  'charset.unsupported': [415, 'unsupported_charset', 'The request body\'s charset is not supported; send UTF-8'],
  'request.aborted': [400, 'request_aborted', 'The request body ended early'],
  'request.size.invalid': [400, 'invalid_body_length', 'The request body is not as long as Content-Length says'],
};

/**
 * A request body that could not be read: a type body-parser names, or one it leaves untyped (a
 * gzip body that does not inflate). Never a 500: nothing is wrong on our side.
 */
function bodyError(err: unknown): HttpError | null {
  const e = err as { type?: unknown; status?: unknown; expose?: unknown };
  const known = typeof e.type === 'string' ? BODY_ERRORS[e.type] : undefined;
  if (known) return new HttpError(...known);
  const clientFault = typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.expose === true;
  return clientFault ? new HttpError(e.status as number, 'invalid_body', 'The request body cannot be read (is it encoded as its headers say?)') : null;
}

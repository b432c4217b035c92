import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { Logger } from '../log';
import type { RequestInfo } from './item-ref';

export const requestInfo = (req: Request): RequestInfo => ({ ip: req.ip, userAgent: req.get('user-agent') });

/**
 * Streams a body. Before the first byte a failure is still an error response (the error handler
 * answers); after it, the response is destroyed so that the client sees an aborted transfer,
 * never a complete-looking file with bytes missing.
 */
export async function sendStream(res: Response, log: Logger, body: Readable): Promise<void> {
  try {
    await pipeline(body, res);
  } catch (err) {
    body.destroy();
    if (!res.headersSent) throw err;
    res.destroy();
    logAborted(log, err);
  }
}

/** A client that goes away mid-download is ordinary; anything else is worth a warning. */
export function logAborted(log: Logger, err: unknown): void {
  const code = (err as { code?: string }).code;
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET') return;
  log.warn({ err }, 'download stopped by an error after it had started');
}

const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The origin the browser loaded the view from, where its inline images live: PUBLIC_URL when
 * configured (behind a proxy), else the request's own. Undefined (CSP falls back to 'self') when
 * the Host header is not a plain host, so that it cannot add anything to the policy.
 */
export function viewOrigin(req: Request, publicUrl: string | undefined): string | undefined {
  if (publicUrl) return new URL(publicUrl).origin;
  const host = req.get('host') ?? '';
  return HOST.test(host) ? `${req.protocol}://${host}` : undefined;
}

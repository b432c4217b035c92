import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { serveRequests } from '../workers/serve';
import { breakLongRuns } from './long-lines';
import { readBodies } from './mime-parts';
import { sanitizeEmailHtml } from './sanitize';

/** What render.ts hands a render worker: the message as a stream, and how to write its links. */
export interface RenderRequest {
  message: ReadableStream<Uint8Array>;
  cidUrls: Record<string, string>;
  allowRemote: boolean;
  maxTextPartBytes: number;
}

export interface RenderedBodies {
  /** Sanitised; null when the message has no HTML body. */
  html: string | null;
  blockedRemote: number;
  /** Problems reading the body parts, for the view's parseErrors. */
  errors: string[];
}

async function render(req: RenderRequest): Promise<RenderedBodies> {
  // The pool's time limit bounds the whole job; readBodies' own timer is only a second guard.
  const bodies = await readBodies(() => Readable.fromWeb(req.message), { maxTextPartBytes: req.maxTextPartBytes });
  const cidUrls = new Map(Object.entries(req.cidUrls));
  const sanitized = bodies.html ? sanitizeEmailHtml(bodies.html, { cidUrl: (cid) => cidUrls.get(cid) ?? null, allowRemote: req.allowRemote }) : null;
  // Lines no browser can lay out in reasonable time are broken up (long-lines.ts).
  return { html: sanitized ? breakLongRuns(sanitized.html) : null, blockedRemote: sanitized?.blockedRemote ?? 0, errors: bodies.errors };
}

serveRequests(render);

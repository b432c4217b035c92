import { PassThrough, type Readable } from 'node:stream';
import type { AttachmentStream, MessageText } from 'mailparser';
import { createMimeParser } from '../ingest/mime-parser';

/**
 * Reads the parts of an archived message again from its blob. Only what ingest keeps (headers,
 * attachment list, plain text) lives in the database; the HTML body and attachment bytes are
 * taken from the original each time, streaming, with ingest's parser (ingest/mime-parser.ts:
 * the same charsets, and attachment N here is attachment N of the stored list).
 */

/** How a stored document numbers its attachments: as today's parser does, or as the one that flattened attached messages. */
export interface Numbering {
  flattenEmbedded?: boolean;
}

/** Attachment N of a document the reindex job has not parsed again yet is numbered as its parser numbered it. */
export const numberingOf = (meta: { parserVersion?: number } | null): Numbering => ({ flattenEmbedded: meta?.parserVersion === undefined });

export interface MessageBodies {
  html: string | null;
  text: string | null;
  /** Some body text was left out to keep memory bounded. */
  truncated: boolean;
  errors: string[];
}

const BODY_DEFAULTS = { maxTextPartBytes: 8 * 1024 * 1024, timeLimitMs: 30_000 };

/** The text and HTML bodies; attachments are read past without being kept. Never rejects on bad mail. */
export function readBodies(open: () => Readable, options: Partial<typeof BODY_DEFAULTS> = {}): Promise<MessageBodies> {
  const opts = { ...BODY_DEFAULTS, ...options };
  return new Promise((resolve) => {
    const source = open();
    const { parser, bounds } = createMimeParser({ maxTextPartBytes: opts.maxTextPartBytes });
    const errors: string[] = [];
    let text: Pick<MessageText, 'html' | 'text'> | null = null;
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err !== undefined) errors.push(err instanceof Error ? err.message : String(err));
      const got = text ?? (err !== undefined ? bounds.partialText() : {});
      source.unpipe(parser);
      source.destroy();
      parser.destroy();
      resolve({ html: got.html || null, text: got.text || null, truncated: bounds.truncated(), errors });
    };
    const timer = setTimeout(() => finish(new Error(`reading the message took longer than ${opts.timeLimitMs} ms, stopped`)), opts.timeLimitMs);
    source.on('error', finish);
    parser.on('error', finish);
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type === 'attachment') skip(data);
      else text = data;
    });
    parser.on('end', () => finish());
    source.pipe(parser);
  });
}

/**
 * The decoded bytes of attachment `index` (in parse order), or null when the message has fewer.
 * Attachments before it are drained and text parts skipped, so memory stays bounded whatever the
 * sizes; parsing stops once the attachment has been read or the returned stream is destroyed.
 */
export function openAttachment(open: () => Readable, index: number, numbering: Numbering = {}): Promise<Readable | null> {
  return new Promise((resolve, reject) => {
    const source = open();
    const { parser } = createMimeParser({ maxTextPartBytes: 0, ...numbering });
    let seen = 0;
    let out: PassThrough | null = null;
    let complete = false;
    const stop = () => {
      source.unpipe(parser);
      source.destroy();
      parser.destroy();
    };
    const fail = (err: Error) => {
      // Whatever is wrong further on in the message does not concern an attachment read in full.
      if (complete) return;
      stop();
      if (out) out.destroy(err);
      else reject(err);
    };
    source.on('error', fail);
    parser.on('error', fail);
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type !== 'attachment') return;
      if (out || seen++ !== index) return skip(data);
      out = new PassThrough();
      out.once('close', stop);
      data.content.once('end', () => {
        complete = true;
        data.release?.();
        stop();
      });
      data.content.on('error', fail);
      data.content.pipe(out);
      resolve(out);
    });
    parser.on('end', () => {
      if (!out) {
        stop();
        resolve(null);
      }
    });
    source.pipe(parser);
  });
}

/**
 * Visits the attachments in parse order (the order of the stored list) one at a time: the parser
 * waits until `visit` settles, so memory stays bounded whatever their sizes. Resolves with the
 * number visited; rejects with the first error of the parse or of a visit, and stops there.
 */
export function eachAttachment(open: () => Readable, visit: (att: AttachmentStream, index: number) => Promise<void>, numbering: Numbering = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const source = open();
    const { parser } = createMimeParser({ maxTextPartBytes: 0, ...numbering });
    let index = 0;
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      source.unpipe(parser);
      source.destroy();
      parser.destroy();
      reject(err);
    };
    source.on('error', fail);
    parser.on('error', fail);
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type !== 'attachment') return;
      data.content.on('error', fail);
      visit(data, index++).then(() => data.release?.(), fail);
    });
    parser.on('end', () => {
      if (!failed) resolve(index);
    });
    source.pipe(parser);
  });
}

function skip(att: AttachmentStream): void {
  att.content.on('error', () => undefined); // the parser reports the same failure
  att.content.resume();
  att.release?.();
}

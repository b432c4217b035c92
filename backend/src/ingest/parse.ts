import type { Readable } from 'node:stream';
import type { AttachmentStream, HeaderLines, Headers, MessageText } from 'mailparser';
import { htmlToText } from './html-text';
import { attachmentKind, readAttachmentText, type AttachmentInfo, type AttachmentLimits, type AttachmentText } from './attachment-text';
import { classifyAttachments } from './attachment-role';
import { createMimeParser } from './mime-parser';
import { alternativeText } from './alternatives';
import { addresses, charsetOf, clean, filenameOf, first, messageDate, oneLine } from './header-fields';
import { nestedMessageText } from './extract/nested';
import { textLimits } from './text-limits';
import type { MessageAttachment, MessageContent } from '../store/messages';

export type ParsedMessage = MessageContent;

/**
 * Bumped whenever parsing yields different documents for the same bytes, so the reindex job
 * (jobs/reindex.ts) knows which stored documents to parse again. 2: every text alternative,
 * charsets, dates, the attachment rule, attached messages' listings, the cuts named.
 */
export const PARSER_VERSION = 2;

export interface ParseOptions {
  /** Raw bytes of all inline text/HTML parts together that are decoded; the rest is skipped. Default 8 MB. */
  maxTextPartBytes?: number;
  /** Characters kept of the body text (all alternatives together). Default: the process's text limits (text-limits.ts). */
  maxBodyChars?: number;
  /** Bytes of each text or HTML attachment whose text is indexed. Default 1 MB. */
  attachmentHeadBytes?: number;
  /** Characters kept of all attachments' text together. Default: the process's text limits. */
  maxAttachmentTextChars?: number;
  /** Larger documents (PDF, Office, OpenDocument) and attached messages are not read for text. Default 32 MB. */
  maxAttachmentBytes?: number;
  /** Wall time to extract one document's text; the worker doing it is ended when it runs over. Default 5 s. */
  attachmentTimeLimitMs?: number;
  /** Bytes of an attachment kept in memory for extraction; the rest spills to a file in `tmpDir`. Default 1 MB. */
  attachmentMemoryBytes?: number;
  /** Where attachments spill. Default: ingest's temporary folder (temp-files.ts). */
  tmpDir?: string;
  /** Parsing stops after this long and returns what it has. Default 60 s. */
  timeLimitMs?: number;
}

const DEFAULTS = {
  maxTextPartBytes: 8 * 1024 * 1024,
  attachmentHeadBytes: 1024 * 1024,
  maxAttachmentBytes: 32 * 1024 * 1024,
  attachmentTimeLimitMs: 5_000,
  attachmentMemoryBytes: 1024 * 1024,
  tmpDir: undefined as string | undefined,
  timeLimitMs: 60_000,
};

/** An attached message's attached messages are read for text too, theirs not. */
const MAX_NESTING = 2;
/**
 * Share of the parse time that attachment text may use (waiting for a worker included), so a
 * message whose documents are slow still has its structure parsed in time.
 */
const EXTRACTION_SHARE = 0.75;

const MAX_REFERENCES = 200;
const MAX_ATTACHMENTS = 1000;
/** Attachments listed under one attached message, all levels together. */
const MAX_NESTED_LISTED = 200;

/**
 * Parses a message in one streaming pass. Never rejects on bad input: whatever parsed is
 * returned, with the reasons it stopped or skipped something in `parseErrors`. Attachments are
 * streamed (sized, hashed; text and HTML keep their head, documents and attached messages up to
 * `maxAttachmentBytes` in memory or a temporary file for extraction), text parts are capped,
 * so memory stays bounded whatever the message size. `depth` counts the attached messages this
 * one is inside of (the parser's own recursion).
 */
export function parseMessage(open: () => Readable, options: ParseOptions = {}, depth = 0): Promise<ParsedMessage> {
  const opts: Options = { ...DEFAULTS, ...textLimits(), ...options };
  return new Promise((resolve) => {
    const result = new ResultBuilder(opts, depth);
    const source = open();
    const mime = createMimeParser({ maxTextPartBytes: opts.maxTextPartBytes });
    const { parser, bounds } = mime;
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      result.close();
      if (err !== undefined) {
        result.error(err);
        result.textIfMissing(bounds.partialText());
      }
      if (bounds.truncated()) result.truncated(`Body text beyond the first ${mb(opts.maxTextPartBytes)} of the message's text parts was not read.`);
      const redecoded = mime.redecodedHeaders();
      if (redecoded) result.headers(redecoded.headers, redecoded.lines);
      source.unpipe(parser);
      source.destroy();
      parser.destroy();
      resolve(result.build());
    };
    const timer = setTimeout(() => finish(new Error(`parsing took longer than ${opts.timeLimitMs} ms, stopped`)), opts.timeLimitMs);

    source.on('error', (err) => finish(err));
    parser.on('error', (err) => finish(err));
    parser.on('headers', (headers) => result.headers(headers, parser.headerLines || []));
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type === 'attachment') result.attachment(data);
      else result.text(data);
    });
    parser.on('end', () => void result.idle().then(() => finish()));
    source.pipe(parser);
  });
}

type Options = typeof DEFAULTS & { maxBodyChars: number; maxAttachmentTextChars: number };

class ResultBuilder {
  private readonly msg: ParsedMessage = {
    messageId: null,
    subject: '',
    date: null,
    from: [],
    sender: [],
    replyTo: [],
    to: [],
    cc: [],
    bcc: [],
    inReplyTo: null,
    references: [],
    listId: null,
    xMailer: null,
    isJournalReport: false,
    hasAttachments: false,
    attachments: [],
    bodyText: '',
    alternativeText: '',
    attachmentText: [],
    textTruncated: false,
    textCuts: [],
    parserVersion: PARSER_VERSION,
    parseErrors: [],
  };

  private readonly limits: AttachmentLimits;
  private readonly pending = new Set<Promise<void>>();
  private readonly stop = new AbortController();
  private readonly outOfTime = new AbortController();
  /** Aborts attachment text when the parse ends or its share of the parse time is used up (made for the first attachment read). */
  private signal$: AbortSignal | null = null;
  private readonly extractionEnds: number;
  private readonly deadline: NodeJS.Timeout;
  private closed = false;
  /** The time for attachment text ran out and a parse error says so (once per message). */
  private outOfTimeNoted = false;
  /** Attachments whose text did not fit into the message's attachment text cap. */
  private notIndexed = 0;
  private html: string | null = null;

  constructor(
    private readonly opts: Options,
    private readonly depth: number,
  ) {
    const share = opts.timeLimitMs * EXTRACTION_SHARE;
    this.extractionEnds = Date.now() + share;
    this.deadline = setTimeout(() => this.outOfTime.abort(new Error(`not read: the message's ${seconds(share)} for attachment text ran out`)), share);
    this.deadline.unref();
    this.limits = {
      headBytes: opts.attachmentHeadBytes,
      maxBytes: opts.maxAttachmentBytes,
      memoryBytes: opts.attachmentMemoryBytes,
      timeLimitMs: opts.attachmentTimeLimitMs,
      tmpDir: opts.tmpDir,
    };
  }

  headers(headers: Headers, lines: HeaderLines): void {
    const msg = this.msg;
    msg.messageId = oneLine(first(headers.get('message-id'))) || null;
    msg.subject = oneLine(first(headers.get('subject')));
    const { date, inferred } = messageDate(lines);
    msg.date = date;
    msg.dateInferred = inferred;
    for (const field of ['from', 'sender', 'to', 'cc', 'bcc'] as const) msg[field] = addresses(headers.get(field));
    msg.replyTo = addresses(headers.get('reply-to'));
    msg.inReplyTo = oneLine(first(headers.get('in-reply-to'))) || null;
    const refs = headers.get('references');
    msg.references = (Array.isArray(refs) ? refs : [refs])
      .filter((r): r is string => typeof r === 'string')
      .slice(0, MAX_REFERENCES)
      .map((r) => oneLine(r));
    const list = headers.get('list') as { id?: { id?: string } } | undefined;
    msg.listId = list?.id?.id ? oneLine(list.id.id) : null;
    msg.xMailer = oneLine(first(headers.get('x-mailer'))) || null;
    msg.isJournalReport = lines.some((l) => l.key === 'x-ms-journal-report');
  }

  attachment(att: AttachmentStream): void {
    const contentType = att.contentType || 'application/octet-stream';
    const summary: MessageAttachment = { filename: oneLine(filenameOf(att)), contentType, size: 0, inline: false };
    if (att.contentId) summary.contentId = oneLine(att.contentId);
    if (this.msg.attachments.length < MAX_ATTACHMENTS) this.msg.attachments.push(summary);
    const info = { filename: summary.filename, contentType, charset: charsetOf(att.headers) };
    const content = att.content;
    content.on('data', (chunk: Buffer) => {
      summary.size += chunk.length;
    });
    content.once('end', () => {
      if (att.checksum) summary.sha256 = att.checksum;
    });
    content.on('error', (err) => this.error(err, `attachment ${summary.filename || summary.contentType}`));
    // The parser waits for the release before the next part: one attachment of a message is
    // read for text at a time, so at most one spill file per message exists.
    const done = this.attachmentText(content, info, summary).finally(() => att.release?.());
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  /** Every alternative is kept: the plain part as the body, the HTML's words where the plain part lacks them. */
  text(text: Pick<MessageText, 'text' | 'html'>): void {
    const max = this.opts.maxBodyChars;
    const html = text.html ? htmlToText(text.html, max + 1) : '';
    this.html = text.html || null;
    const plain = text.text?.trim() ? text.text : html;
    if (plain.length > max) this.truncated(`Only the first ${count(max)} characters of the body text are indexed.`);
    this.msg.bodyText = clean(plain, max).trim();
    const other = plain === html ? '' : alternativeText(this.msg.bodyText, html);
    const room = max - this.msg.bodyText.length;
    if (other.length > room) this.truncated(`Only the first ${count(max)} characters of the body text are indexed.`);
    this.msg.alternativeText = clean(other, Math.max(0, room)).trim();
  }

  textIfMissing(text: Pick<MessageText, 'text' | 'html'>): void {
    if (!this.msg.bodyText) this.text(text);
  }

  /** Notes that text was left out of the index, and why, in words the reading pane shows. */
  truncated(why: string): void {
    this.msg.textTruncated = true;
    if (!this.msg.textCuts!.includes(why)) this.msg.textCuts!.push(why);
  }

  error(err: unknown, where?: string): void {
    const message = err instanceof Error ? err.message : String(err);
    this.msg.parseErrors.push(oneLine(where ? `${where}: ${message}` : message));
  }

  /** Settles once every attachment seen so far is read and its text added. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all(this.pending);
  }

  /** Stops attachment text still being read (its worker is ended); later results are dropped. */
  close(): void {
    this.closed = true;
    clearTimeout(this.deadline);
    // Only a read still running listens (a parse that ends normally has none); the reason's stack
    // trace took 1.4 s of the event loop per 40,000 messages archived.
    if (this.pending.size > 0) this.stop.abort(new Error('parsing stopped'));
  }

  private get signal(): AbortSignal {
    return (this.signal$ ??= AbortSignal.any([this.stop.signal, this.outOfTime.signal]));
  }

  build(): ParsedMessage {
    const msg = this.msg;
    msg.hasAttachments = classifyAttachments(msg.attachments, this.html);
    if (this.notIndexed > 0) {
      this.truncated(`Attachment text beyond ${count(this.opts.maxAttachmentTextChars)} characters is not indexed: ${this.notIndexed} attachment(s) not or only partly.`);
    }
    return msg;
  }

  private async attachmentText(content: Readable, info: AttachmentInfo, summary: MessageAttachment): Promise<void> {
    const kind = attachmentKind(info);
    const room = this.room();
    if (!kind || (kind === 'message' && this.depth >= MAX_NESTING) || this.closed) return ended(content);
    // Text and HTML are decoded on this thread from their head, cheap enough to do even late.
    const late = this.outOfTime.signal.aborted && kind !== 'text' && kind !== 'html';
    // An attached message is parsed even without room for its text: its attachments are listed.
    if ((room <= 0 && kind !== 'message') || late) {
      this.notIndexed += late ? 0 : 1;
      if (late) this.truncated(`Some attachments were not read for text: the time for it ran out.`);
      if (late && !this.outOfTimeNoted) this.error(this.outOfTime.signal.reason, `text of attachment ${nameOf(info)}`);
      this.outOfTimeNoted ||= late;
      return ended(content);
    }
    if (room <= 0) this.notIndexed++;
    const read = await readAttachmentText(content, {
      kind,
      info,
      maxChars: Math.max(0, room),
      limits: this.limits,
      signal: this.signal,
      parseNested: (open, maxChars) => this.parseNested(open, maxChars),
    });
    if (read.attachments?.length) summary.attachments = read.attachments;
    this.addAttachmentText(read, info);
  }

  private addAttachmentText(read: AttachmentText, info: AttachmentInfo): void {
    if (this.closed) return;
    const room = this.room();
    const whole = clean(read.text, Number.POSITIVE_INFINITY);
    const text = whole.slice(0, room).trim();
    if (text) this.msg.attachmentText.push(text);
    // A read that filled the room was cut by it (extractors stop at the room they are given).
    if (whole.length >= room && room > 0) this.notIndexed++;
    else if (read.partial) this.truncated(`The text of attachment ${nameOf(info)} is only partly indexed${read.errors[0] ? ` (${read.errors[0]})` : ''}.`);
    for (const err of read.errors) this.error(err, `text of attachment ${nameOf(info)}`);
    // Noted only if this read was cut short by it: one that finished as the time ran out says
    // nothing, and the next attachment must say why it was not read.
    const ranOut = this.outOfTime.signal.aborted ? (this.outOfTime.signal.reason as Error).message : null;
    this.outOfTimeNoted ||= ranOut !== null && read.errors.includes(ranOut);
  }

  private async parseNested(open: () => Readable, maxChars: number): Promise<{ text: string; errors: string[]; attachments: MessageAttachment[] }> {
    const timeLimitMs = Math.max(1, this.extractionEnds - Date.now());
    const opts = { ...this.opts, maxBodyChars: maxChars, maxAttachmentTextChars: maxChars, timeLimitMs };
    const msg = await parseMessage(open, opts, this.depth + 1);
    return { text: maxChars > 0 ? nestedMessageText(msg) : '', errors: msg.parseErrors, attachments: capListing(msg.attachments) };
  }

  private room(): number {
    return this.opts.maxAttachmentTextChars - this.msg.attachmentText.reduce((n, t) => n + t.length, 0);
  }
}

/** An attached message's listing, at most MAX_NESTED_LISTED entries over all its levels. */
function capListing(list: MessageAttachment[]): MessageAttachment[] {
  let left = MAX_NESTED_LISTED;
  const cap = (items: MessageAttachment[]): MessageAttachment[] =>
    items.slice(0, Math.max(0, left)).map((a) => {
      left--;
      const { attachments, ...rest } = a;
      return attachments?.length && left > 0 ? { ...rest, attachments: cap(attachments) } : rest;
    });
  return cap(list);
}

const count = (n: number) => n.toLocaleString('en-US');
const mb = (bytes: number) => `${+(bytes / (1024 * 1024)).toFixed(1)} MB`;

/** Resolves when an attachment stream has ended, failed or was destroyed. */
function ended(content: Readable): Promise<void> {
  return new Promise((resolve) => {
    content.once('end', resolve);
    content.once('error', () => resolve());
    content.once('close', resolve);
  });
}

function nameOf(info: AttachmentInfo): string {
  return info.filename || info.contentType;
}

function seconds(ms: number): string {
  return `${+(ms / 1000).toFixed(3)} s`;
}

import type { Readable } from 'node:stream';
import { MailParser, type AddressObject, type AttachmentStream, type EmailAddress, type HeaderLines, type Headers, type MessageText, type StructuredHeader } from 'mailparser';
import { htmlToText } from './html-text';
import { attachmentKind, readAttachmentText, type AttachmentInfo, type AttachmentLimits, type AttachmentText } from './attachment-text';
import { boundTextParts } from './bounded-parser';
import { nestedMessageText } from './extract/nested';
import type { MessageAddress, MessageAttachment, MessageContent } from '../store/messages';

export type ParsedMessage = MessageContent;
type Address = MessageAddress;

export interface ParseOptions {
  /** Raw bytes of all inline text/HTML parts together that are decoded; the rest is skipped. Default 8 MB. */
  maxTextPartBytes?: number;
  /** Characters kept of the body text. Default 1 M. */
  maxBodyChars?: number;
  /** Bytes of each text or HTML attachment whose text is indexed. Default 64 KB. */
  attachmentHeadBytes?: number;
  /** Characters kept of all attachments' text together. Default 256 K. */
  maxAttachmentTextChars?: number;
  /** Larger documents (PDF, Office, OpenDocument) and attached messages are not read for text. Default 32 MB. */
  maxAttachmentBytes?: number;
  /** Wall time to extract one document's text; the worker doing it is ended when it runs over. Default 5 s. */
  attachmentTimeLimitMs?: number;
  /** Bytes of an attachment kept in memory for extraction; the rest spills to a file in `tmpDir`. Default 1 MB. */
  attachmentMemoryBytes?: number;
  /** Where attachments spill. Default: the OS temporary folder. */
  tmpDir?: string;
  /** Parsing stops after this long and returns what it has. Default 60 s. */
  timeLimitMs?: number;
}

const DEFAULTS = {
  maxTextPartBytes: 8 * 1024 * 1024,
  maxBodyChars: 1024 * 1024,
  attachmentHeadBytes: 64 * 1024,
  maxAttachmentTextChars: 256 * 1024,
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

// Caps that keep one message document far below MongoDB's 16 MB whatever the headers say.
const MAX_HEADER_CHARS = 2000;
const MAX_ADDRESSES = 1000;
const MAX_REFERENCES = 200;
const MAX_ATTACHMENTS = 1000;

/**
 * Parses a message in one streaming pass. Never rejects on bad input: whatever parsed is
 * returned, with the reasons it stopped or skipped something in `parseErrors`. Attachments are
 * streamed (sized, hashed; text and HTML keep their head, documents and attached messages up to
 * `maxAttachmentBytes` in memory or a temporary file for extraction), text parts are capped,
 * so memory stays bounded whatever the message size. `depth` counts the attached messages this
 * one is inside of (the parser's own recursion).
 */
export function parseMessage(open: () => Readable, options: ParseOptions = {}, depth = 0): Promise<ParsedMessage> {
  const opts = { ...DEFAULTS, ...options };
  return new Promise((resolve) => {
    const result = new ResultBuilder(opts, depth);
    const source = open();
    const parser = new MailParser({ skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, checksumAlgo: 'sha256' });
    const bounds = boundTextParts(parser, opts.maxTextPartBytes);
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
      if (bounds.truncated()) result.truncated();
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

type Options = typeof DEFAULTS;

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
    attachmentText: [],
    textTruncated: false,
    parseErrors: [],
  };

  private readonly limits: AttachmentLimits;
  private readonly pending = new Set<Promise<void>>();
  private readonly stop = new AbortController();
  private readonly outOfTime = new AbortController();
  /** Aborts attachment text when the parse ends or its share of the parse time is used up. */
  private readonly signal: AbortSignal;
  private readonly extractionEnds: number;
  private readonly deadline: NodeJS.Timeout;
  private closed = false;
  /** The time for attachment text ran out and a parse error says so (once per message). */
  private outOfTimeNoted = false;

  constructor(
    private readonly opts: Options,
    private readonly depth: number,
  ) {
    const share = opts.timeLimitMs * EXTRACTION_SHARE;
    this.extractionEnds = Date.now() + share;
    this.deadline = setTimeout(() => this.outOfTime.abort(new Error(`not read: the message's ${seconds(share)} for attachment text ran out`)), share);
    this.deadline.unref();
    this.signal = AbortSignal.any([this.stop.signal, this.outOfTime.signal]);
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
    msg.date = parseDate(lines);
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
    const summary: MessageAttachment = { filename: oneLine(filenameOf(att)), contentType, size: 0, inline: att.related === true };
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
    const done = this.attachmentText(content, info).finally(() => att.release?.());
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  text(text: Pick<MessageText, 'text' | 'html'>): void {
    const plain = text.text?.trim() ? text.text : text.html ? htmlToText(text.html, this.opts.maxBodyChars + 1) : '';
    if (plain.length > this.opts.maxBodyChars) this.truncated();
    this.msg.bodyText = clean(plain, this.opts.maxBodyChars).trim();
  }

  textIfMissing(text: Pick<MessageText, 'text' | 'html'>): void {
    if (!this.msg.bodyText) this.text(text);
  }

  truncated(): void {
    this.msg.textTruncated = true;
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
    this.stop.abort(new Error('parsing stopped'));
  }

  build(): ParsedMessage {
    const msg = this.msg;
    msg.hasAttachments = msg.attachments.some((a) => !a.inline);
    return msg;
  }

  private async attachmentText(content: Readable, info: AttachmentInfo): Promise<void> {
    const kind = attachmentKind(info);
    const room = this.room();
    if (!kind || (kind === 'message' && this.depth >= MAX_NESTING) || this.closed) return ended(content);
    // Text and HTML are decoded on this thread from their head, cheap enough to do even late.
    const late = this.outOfTime.signal.aborted && kind !== 'text' && kind !== 'html';
    if (room <= 0 || late) {
      this.truncated();
      if (late && !this.outOfTimeNoted) this.error(this.outOfTime.signal.reason, `text of attachment ${nameOf(info)}`);
      this.outOfTimeNoted ||= late;
      return ended(content);
    }
    const read = await readAttachmentText(content, {
      kind,
      info,
      maxChars: room,
      limits: this.limits,
      signal: this.signal,
      parseNested: (open, maxChars) => this.parseNested(open, maxChars),
    });
    this.addAttachmentText(read, info);
  }

  private addAttachmentText(read: AttachmentText, info: AttachmentInfo): void {
    if (this.closed) return;
    const room = this.room();
    const text = clean(read.text, room).trim();
    if (text) this.msg.attachmentText.push(text);
    if (read.partial || text.length === room) this.truncated();
    for (const err of read.errors) this.error(err, `text of attachment ${nameOf(info)}`);
    // Noted only if this read was cut short by it: one that finished as the time ran out says
    // nothing, and the next attachment must say why it was not read.
    const ranOut = this.outOfTime.signal.aborted ? (this.outOfTime.signal.reason as Error).message : null;
    this.outOfTimeNoted ||= ranOut !== null && read.errors.includes(ranOut);
  }

  private async parseNested(open: () => Readable, maxChars: number): Promise<{ text: string; errors: string[] }> {
    const timeLimitMs = Math.max(1, this.extractionEnds - Date.now());
    const opts = { ...this.opts, maxBodyChars: maxChars, maxAttachmentTextChars: maxChars, timeLimitMs };
    const msg = await parseMessage(open, opts, this.depth + 1);
    return { text: nestedMessageText(msg), errors: msg.parseErrors };
  }

  private room(): number {
    return this.opts.maxAttachmentTextChars - this.msg.attachmentText.reduce((n, t) => n + t.length, 0);
  }
}

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

function first(value: unknown): string {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' ? v : '';
}

/** Control characters (NUL included) serve neither search nor display. */
function clean(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').slice(0, max);
}

function oneLine(text: string | undefined, max = MAX_HEADER_CHARS): string {
  return clean(text ?? '', Number.POSITIVE_INFINITY).replace(/\s+/g, ' ').trim().slice(0, max);
}

function addresses(value: unknown): Address[] {
  const objects = (Array.isArray(value) ? value : value ? [value] : []) as AddressObject[];
  const out: Address[] = [];
  const add = (entries: EmailAddress[]) => {
    for (const e of entries) {
      if (out.length >= MAX_ADDRESSES) return;
      if (e.group) add(e.group);
      else if (e.address || e.name) out.push({ name: oneLine(e.name, 256), address: oneLine(e.address, 320).toLowerCase() });
    }
  };
  for (const o of objects) if (Array.isArray(o?.value)) add(o.value);
  return out;
}

/**
 * mailparser turns an unparseable Date into "now"; an archive must not invent dates, so the raw
 * line is read. JavaScript's parser is lenient ("12" would be December 2001), so a candidate
 * must at least carry a time or a four-digit year, and land after 1970.
 */
function parseDate(lines: HeaderLines): Date | null {
  const line = lines.find((l) => l.key === 'date')?.line;
  if (!line) return null;
  const raw = line.slice(line.indexOf(':') + 1).replace(/\s+/g, ' ').trim();
  if (!/\d:\d\d|\b\d{4}\b/.test(raw)) return null;
  for (const candidate of [raw, raw.replace(/\([^)]*\)/g, '').replace(/^[A-Za-z]{3},?\s*/, '').trim()]) {
    const date = new Date(candidate);
    if (date.getTime() > 0) return date;
  }
  return null;
}

/**
 * A raw 8-bit file name is read as UTF-8 by the part's parsed headers and as Latin-1 by the
 * splitter's `filename`. UTF-8 is what clients send; Latin-1 wins only when the UTF-8 reading
 * failed and the Latin-1 one does not look like UTF-8 bytes read as Latin-1.
 */
function filenameOf(att: AttachmentStream): string {
  const disposition = att.headers.get('content-disposition') as StructuredHeader | undefined;
  const type = att.headers.get('content-type') as StructuredHeader | undefined;
  const utf8 = disposition?.params?.filename || type?.params?.name || '';
  const latin1 = att.filename ?? '';
  return utf8.includes('\ufffd') && latin1 && !/[\u00c2-\u00f4][\u0080-\u00bf]/.test(latin1) ? latin1 : utf8 || latin1;
}

function charsetOf(headers: Headers): string | undefined {
  const ct = headers.get('content-type') as StructuredHeader | undefined;
  return ct?.params?.charset;
}

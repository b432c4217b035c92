import type { Readable } from 'node:stream';
import { MailParser, type AddressObject, type AttachmentStream, type EmailAddress, type HeaderLines, type Headers, type MessageText, type StructuredHeader } from 'mailparser';
import { htmlToText } from './html-text';
import { defaultAttachmentText, type AttachmentTextExtractor } from './attachment-text';
import { boundTextParts } from './bounded-parser';
import type { MessageAddress, MessageAttachment, MessageContent } from '../store/messages';

export type ParsedMessage = MessageContent;
type Address = MessageAddress;

export interface ParseOptions {
  /** Raw bytes of all inline text/HTML parts together that are decoded; the rest is skipped. Default 8 MB. */
  maxTextPartBytes?: number;
  /** Characters kept of the body text. Default 1 M. */
  maxBodyChars?: number;
  /** Bytes of each attachment handed to the text extractor. Default 64 KB. */
  attachmentHeadBytes?: number;
  /** Characters kept of all attachments' text together. Default 256 K. */
  maxAttachmentTextChars?: number;
  /** Parsing stops after this long and returns what it has. Default 60 s. */
  timeLimitMs?: number;
  extractor?: AttachmentTextExtractor;
}

const DEFAULTS = {
  maxTextPartBytes: 8 * 1024 * 1024,
  maxBodyChars: 1024 * 1024,
  attachmentHeadBytes: 64 * 1024,
  maxAttachmentTextChars: 256 * 1024,
  timeLimitMs: 60_000,
  extractor: defaultAttachmentText,
};

// Caps that keep one message document far below MongoDB's 16 MB whatever the headers say.
const MAX_HEADER_CHARS = 2000;
const MAX_ADDRESSES = 1000;
const MAX_REFERENCES = 200;
const MAX_ATTACHMENTS = 1000;

/**
 * Parses a message in one streaming pass. Never rejects on bad input: whatever parsed is
 * returned, with the reasons it stopped or skipped something in `parseErrors`. Attachments are
 * streamed (sized, hashed, and only their head kept for text extraction), text parts are capped,
 * so memory stays bounded whatever the message size.
 */
export function parseMessage(open: () => Readable, options: ParseOptions = {}): Promise<ParsedMessage> {
  const opts = { ...DEFAULTS, ...options };
  return new Promise((resolve) => {
    const result = new ResultBuilder(opts);
    const source = open();
    const parser = new MailParser({ skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, checksumAlgo: 'sha256' });
    const bounds = boundTextParts(parser, opts.maxTextPartBytes);
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
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
    parser.on('end', () => finish());
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

  constructor(private readonly opts: Options) {}

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
    const keep = this.opts.extractor.wants(info) ? this.opts.attachmentHeadBytes : 0;
    const head: Buffer[] = [];
    let kept = 0;
    const content = att.content;
    content.on('data', (chunk: Buffer) => {
      summary.size += chunk.length;
      if (kept < keep) {
        const part = chunk.subarray(0, keep - kept);
        head.push(part);
        kept += part.length;
      }
    });
    content.once('end', () => {
      if (att.checksum) summary.sha256 = att.checksum;
      if (keep > 0) this.attachmentText(Buffer.concat(head), { ...info, complete: summary.size <= keep });
      att.release?.();
    });
    content.on('error', (err) => {
      this.error(err, `attachment ${summary.filename || summary.contentType}`);
      att.release?.();
    });
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

  build(): ParsedMessage {
    const msg = this.msg;
    msg.hasAttachments = msg.attachments.some((a) => !a.inline);
    return msg;
  }

  private attachmentText(head: Buffer, info: Parameters<AttachmentTextExtractor['extract']>[1]): void {
    const room = this.opts.maxAttachmentTextChars - this.msg.attachmentText.reduce((n, t) => n + t.length, 0);
    if (room <= 0) return this.truncated();
    try {
      const text = clean(this.opts.extractor.extract(head, info), room);
      if (text) this.msg.attachmentText.push(text);
      if (!info.complete || text.length === room) this.truncated();
    } catch (err) {
      this.error(err, `text of attachment ${info.filename || info.contentType}`);
    }
  }
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

import { readFile } from 'node:fs/promises';
import { simpleParser } from 'mailparser';
import type { AddressObject, EmailAddress as ParsedAddress } from 'mailparser';
import type { Recipient } from '@microsoft/microsoft-graph-types';

/** Where a stored message's bytes come from: memory, or a corpus file read on demand. */
export interface MessageSource {
  /** Messages with the same key parse to the same metadata (apart from per-copy overrides). */
  readonly key: string;
  read(): Promise<Buffer>;
}

export function bufferSource(bytes: Buffer, key: string): MessageSource {
  return { key, read: async () => bytes };
}

/**
 * A copy of a corpus file with its own Message-ID, produced on demand so a large generated tenant
 * holds only references, not the bytes.
 */
export function rewrittenFileSource(path: string, messageId: string, seq: number): MessageSource {
  return {
    key: `file:${path}`,
    read: async () => withFreshMessageId(await corpusFile(path), messageId, seq),
  };
}

/** What the emulator keeps of corpus files in memory; past it, files are read from disk each time. */
const CORPUS_CACHE_BYTES = 64 * 1024 * 1024;
const corpusFiles = new Map<string, Buffer>();
let corpusCached = 0;

/**
 * A generated tenant's messages are copies of a few thousand corpus files. Reading the file again
 * for every `$value` (open, stat, read, close) was a fifth of the emulator's time in bench:archive,
 * CPU the backend under test shares on one machine, where Microsoft's servers would spend their own.
 */
async function corpusFile(path: string): Promise<Buffer> {
  const cached = corpusFiles.get(path);
  if (cached) return cached;
  const bytes = await readFile(path);
  if (corpusCached + bytes.length <= CORPUS_CACHE_BYTES) {
    corpusFiles.set(path, bytes);
    corpusCached += bytes.length;
  }
  return bytes;
}

function withFreshMessageId(bytes: Buffer, messageId: string, seq: number): Buffer {
  const text = bytes.toString('latin1');
  const crlf = text.indexOf('\r\n\r\n');
  const lf = text.indexOf('\n\n');
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
  const header = end >= 0 ? text.slice(0, end) : text;
  const eol = header.includes('\r\n') ? '\r\n' : '\n';
  const kept: string[] = [];
  let dropping = false;
  for (const line of header.split(eol)) {
    if (/^[ \t]/.test(line) && dropping) continue;
    dropping = /^message-id\s*:/i.test(line);
    if (!dropping) kept.push(line);
  }
  const prefix = `Message-ID: <${messageId}>${eol}X-Emulator-Seq: ${seq}${eol}`;
  const rest = end >= 0 ? text.slice(end) : '';
  return Buffer.from(prefix + kept.join(eol) + rest, 'latin1');
}

export interface ParsedMeta {
  subject: string | null;
  from: Recipient | null;
  sender: Recipient | null;
  toRecipients: Recipient[];
  ccRecipients: Recipient[];
  bccRecipients: Recipient[];
  replyTo: Recipient[];
  sentDateTime: string | null;
  internetMessageId: string | null;
  hasAttachments: boolean;
  importance: 'low' | 'normal' | 'high';
  bodyPreview: string;
  body: { contentType: 'html' | 'text'; content: string };
  /** Plain-text rendering, for `Prefer: outlook.body-content-type="text"`. */
  text: string;
  threadKey: string | null;
  isDeliveryReceiptRequested: boolean;
  isReadReceiptRequested: boolean;
}

export async function parseMeta(bytes: Buffer): Promise<ParsedMeta> {
  const mail = await simpleParser(bytes, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  const from = firstRecipient(mail.from);
  const senderHeader = mail.headers.get('sender');
  const sender = isAddressObject(senderHeader) ? firstRecipient(senderHeader) : from;
  const refs = Array.isArray(mail.references) ? mail.references : mail.references ? [mail.references] : [];
  const text = mail.text ?? '';
  const date = mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date : null;
  return {
    subject: mail.subject ?? null,
    from,
    sender,
    toRecipients: recipients(mail.to),
    ccRecipients: recipients(mail.cc),
    bccRecipients: recipients(mail.bcc),
    replyTo: recipients(mail.replyTo),
    sentDateTime: date ? graphDate(date) : null,
    internetMessageId: mail.messageId ?? null,
    hasAttachments: mail.attachments.some((a) => !a.related),
    importance: importanceOf(mail.headers),
    bodyPreview: text.replace(/\s+/g, ' ').trim().slice(0, 255),
    body: mail.html ? { contentType: 'html', content: mail.html } : { contentType: 'text', content: text },
    text,
    threadKey: refs[0] ?? mail.inReplyTo ?? mail.messageId ?? null,
    isDeliveryReceiptRequested: mail.headers.has('return-receipt-to'),
    isReadReceiptRequested: mail.headers.has('disposition-notification-to'),
  };
}

/** Graph formats DateTimeOffset values in UTC with a trailing Z and no fractional seconds. */
export function graphDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isAddressObject(v: unknown): v is AddressObject {
  return typeof v === 'object' && v !== null && 'value' in v && Array.isArray((v as AddressObject).value);
}

function flatten(list: ParsedAddress[]): ParsedAddress[] {
  return list.flatMap((a) => (a.group ? flatten(a.group) : [a]));
}

function recipients(field: AddressObject | AddressObject[] | undefined): Recipient[] {
  if (!field) return [];
  const objects = Array.isArray(field) ? field : [field];
  return objects
    .flatMap((o) => flatten(o.value))
    .filter((a) => a.address || a.name)
    .map((a) => ({ emailAddress: { name: a.name || a.address || '', address: a.address ?? '' } }));
}

function firstRecipient(field: AddressObject | undefined): Recipient | null {
  return recipients(field)[0] ?? null;
}

function importanceOf(headers: Map<string, unknown>): 'low' | 'normal' | 'high' {
  const importance = String(headers.get('importance') ?? '').toLowerCase();
  if (importance === 'high' || importance === 'low') return importance;
  const priority = String(headers.get('x-priority') ?? '').trim();
  if (/^[12]/.test(priority)) return 'high';
  if (/^[45]/.test(priority)) return 'low';
  return 'normal';
}

// Exchange (Online) envelope journal reports: recognise one, read its envelope, and locate the
// original message so that it can be archived byte-exact for every internal participant.
// Format: [MS-XJRNL] Journal Record Message File Format, and "Understanding Journal Reports"
// (Exchange 2007/2010) for the recipient forms and the X-MS-Journal-Report header.
import { parseEnvelopeText } from './report-envelope';
import { decodeCharset, decodeTransfer, header, parseContentType, readEntity, splitMultipart, type HeaderField, type PartSpan } from './report-mime';
import type { JournalEnvelope, JournalParse, OriginalLocation } from './report-types';

export type { JournalEnvelope, JournalParse, JournalRecipient, OriginalLocation, RecipientType } from './report-types';
export { buildJournalReport, type BuildJournalReportInput } from './report-build';

const JOURNAL_HEADER = 'x-ms-journal-report';

/**
 * True when the outer message carries `X-MS-Journal-Report` (usually with an empty value).
 * Accepts the raw message (or its header block), mailparser's `headerLines`, or a plain
 * name → value object. Not mailparser's `headers` Map: it drops empty headers, and this one
 * is usually empty.
 */
export function isJournalReport(headers: Buffer | readonly { key: string }[] | Record<string, unknown>): boolean {
  if (Buffer.isBuffer(headers)) return header(readEntity(headers, 0, headers.length).headers, JOURNAL_HEADER) !== undefined;
  if (Array.isArray(headers)) return headers.some((h: { key: string }) => h.key.toLowerCase() === JOURNAL_HEADER);
  return Object.keys(headers).some((k) => k.toLowerCase() === JOURNAL_HEADER);
}

interface Part extends PartSpan {
  headers: HeaderField[];
  mediaType: string;
  charset: string | undefined;
  encoding: string;
  bodyStart: number;
}

/** Never throws on bad input: what is not a readable journal report is `not-journal` or `malformed`, with the reason. */
export async function parseJournalReport(raw: Buffer): Promise<JournalParse> {
  const outer = readEntity(raw, 0, raw.length);
  if (header(outer.headers, JOURNAL_HEADER) === undefined) return { kind: 'not-journal', reason: notJournalReason(raw, outer.headers, outer.bodyStart) };
  if (!outer.complete) return malformed('the report ends inside its header block (truncated)');
  const type = parseContentType(header(outer.headers, 'content-type'));
  if (!type.mediaType.startsWith('multipart/')) {
    return malformed(`the report is ${type.mediaType}, not multipart: no envelope and attached original to find`);
  }
  const boundary = type.params.boundary;
  if (!boundary) return malformed(`the report's Content-Type ${type.mediaType} has no boundary parameter`);
  const parts = splitMultipart(raw, outer.bodyStart, raw.length, boundary).map((span) => readPart(raw, span));
  if (parts.length === 0) return malformed(`no body part delimited by boundary "${boundary}" was found`);

  const warnings: string[] = [];
  const envelopePart = parts.find((p) => p.mediaType === 'text/plain');
  if (!envelopePart) return malformed('the report has no text/plain envelope part (Sender, Subject, Message-ID, recipients)');
  const envelope = readEnvelope(raw, envelopePart, warnings);
  if ('reason' in envelope) return malformed(envelope.reason, envelope.envelope);

  const originals = parts.filter((p) => p.mediaType === 'message/rfc822');
  const first = originals[0];
  if (!first) {
    const cut = parts.some((p) => !p.terminated) ? ' (the report ends before its last boundary: truncated)' : '';
    return malformed(`the report has no message/rfc822 attachment: the original message is missing${cut}`, envelope);
  }
  if (originals.length > 1) {
    warnings.push(
      `the report carries ${originals.length} message/rfc822 attachments; the first is archived as the original ` +
        '(with journal report decryption Exchange adds a decrypted copy after it)',
    );
  }
  const original = locateOriginal(raw, first);
  if ('reason' in original) return malformed(original.reason, envelope);
  checkMessageId(envelope, original, raw, warnings);
  return { kind: 'journal', envelope, original, warnings };
}

function malformed(reason: string, envelope?: Partial<JournalEnvelope>): JournalParse {
  return envelope ? { kind: 'malformed', reason, envelope } : { kind: 'malformed', reason };
}

function notJournalReason(raw: Buffer, headers: HeaderField[], bodyStart: number): string {
  const identifier = header(headers, 'content-identifier') ?? header(headers, 'content-identifer');
  if (identifier?.toLowerCase() === 'exjournalreport') {
    return 'an Exchange 2003 journal report (Content-Identifier: ExJournalReport): that older format is not supported';
  }
  const nested = raw.indexOf('\nX-MS-Journal-Report:', Math.max(0, bodyStart - 1), 'latin1');
  if (nested !== -1) {
    return 'no X-MS-Journal-Report header on the message itself, but it carries a journal report inside ' +
      '(an undeliverable-report wrapping one, as sent to the alternate journaling mailbox?)';
  }
  return 'no X-MS-Journal-Report header: not a journal report';
}

function readPart(raw: Buffer, span: PartSpan): Part {
  const entity = readEntity(raw, span.start, span.end);
  const type = parseContentType(header(entity.headers, 'content-type'));
  return {
    ...span,
    headers: entity.headers,
    mediaType: type.mediaType,
    charset: type.params.charset,
    encoding: (header(entity.headers, 'content-transfer-encoding') ?? '').toLowerCase(),
    bodyStart: entity.bodyStart,
  };
}

function readEnvelope(raw: Buffer, part: Part, warnings: string[]): JournalEnvelope | { reason: string; envelope?: Partial<JournalEnvelope> } {
  const bytes = decodeTransfer(raw.subarray(part.bodyStart, part.end), part.encoding);
  if (!bytes) return { reason: `the envelope part has an unreadable Content-Transfer-Encoding "${part.encoding}"` };
  const { text, known } = decodeCharset(bytes, part.charset);
  if (!known) warnings.push(`the envelope's charset "${part.charset}" is unknown; read as UTF-8`);
  if (text.trim() === '') return { reason: 'the envelope part is empty: no Sender, Subject, Message-ID or recipients' };
  const parsed = parseEnvelopeText(text);
  warnings.push(...parsed.warnings);
  if (!parsed.ok) return { reason: parsed.reason, envelope: parsed.envelope };
  return parsed.envelope;
}

function locateOriginal(raw: Buffer, part: Part): OriginalLocation | { reason: string } {
  if (!part.terminated) return { reason: 'the report is truncated: no boundary follows the attached original message' };
  if (part.bodyStart >= part.end) return { reason: 'the attached original message is empty' };
  if (['', '7bit', '8bit', 'binary'].includes(part.encoding)) return { start: part.bodyStart, end: part.end };
  const bytes = decodeTransfer(raw.subarray(part.bodyStart, part.end), part.encoding);
  if (!bytes) return { reason: `the attached original has an unreadable Content-Transfer-Encoding "${part.encoding}"` };
  if (bytes.length === 0) return { reason: `the attached original decodes (${part.encoding}) to nothing` };
  return { bytes };
}

function checkMessageId(envelope: JournalEnvelope, original: OriginalLocation, raw: Buffer, warnings: string[]): void {
  const bytes = 'bytes' in original ? original.bytes : raw.subarray(original.start, original.end);
  const id = header(readEntity(bytes, 0, bytes.length).headers, 'message-id');
  if (id === undefined) warnings.push('the attached original has no Message-ID header');
  else if (id !== envelope.messageId) warnings.push(`the envelope's Message-ID ${envelope.messageId} differs from the original's ${id}`);
}

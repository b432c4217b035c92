// Builds a journal report shaped like the ones Exchange Online sends (MS-XJRNL; the field forms
// of "Understanding Journal Reports"): multipart/mixed with the envelope as text/plain and the
// original attached unaltered as message/rfc822. For the emulator's journaling sender and tests.
import { randomBytes, randomUUID } from 'node:crypto';
import { formatEnvelope } from './report-envelope';
import { containsDelimiter } from './report-mime';
import type { JournalEnvelope } from './report-types';

export interface BuildJournalReportInput {
  /** `participants` is derived by the parser and not needed here. */
  envelope: Omit<JournalEnvelope, 'participants'> & { participants?: string[] };
  /** The original message, attached byte for byte. */
  original: Buffer;
  /** Default: a fresh random one. A boundary that occurs in the original is refused. */
  boundary?: string;
  /** The journal rule's JournalEmailAddress: outside Exchange Online, it cannot journal to its own mailboxes. */
  journalRecipient?: string;
  /** Domain of the MicrosoftExchange… system sender. Default: the envelope sender's domain. */
  tenantDomain?: string;
  date?: Date;
  /** Exchange Online attaches the original as `binary`; 7bit/8bit for originals that need nothing more. */
  originalEncoding?: 'binary' | '8bit' | '7bit';
  /** Envelope text written instead of the one formatted from `envelope` (odd shapes in tests). */
  envelopeText?: string;
}

/** The fixed local part of the system mailbox Exchange Online sends journal reports and other system messages from. */
const EXCHANGE_SYSTEM_LOCAL_PART = 'MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e';

// RFC 2046 bchars, at most 70, not ending in a space.
const VALID_BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

export function buildJournalReport(input: BuildJournalReportInput): Buffer {
  const envelopeText = input.envelopeText ?? formatEnvelope(input.envelope);
  const boundary = chooseBoundary(input.boundary, [input.original, Buffer.from(envelopeText, 'utf8')]);
  const domain = input.tenantDomain ?? (input.envelope.sender.split('@')[1] || 'tenant.onmicrosoft.com');
  const ascii = !/[^\x20-\x7e\r\n\t]/.test(envelopeText);
  const head = [
    `From: Microsoft Outlook <${EXCHANGE_SYSTEM_LOCAL_PART}@${domain}>`,
    `To: <${input.journalRecipient ?? 'journal@archive.invalid'}>`,
    `Subject: ${encodeHeaderText(input.envelope.subject)}`,
    `Date: ${rfc5322Date(input.date ?? new Date())}`,
    `Message-ID: <${randomUUID()}@${domain}>`,
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    'MIME-Version: 1.0',
    'X-MS-Journal-Report:',
    '',
    `--${boundary}`,
    `Content-Type: text/plain; charset="${ascii ? 'us-ascii' : 'utf-8'}"`,
    `Content-Transfer-Encoding: ${ascii ? '7bit' : '8bit'}`,
    '',
  ];
  const attachmentHead = [
    '',
    `--${boundary}`,
    'Content-Type: message/rfc822',
    'Content-Disposition: attachment',
    `Content-Transfer-Encoding: ${input.originalEncoding ?? 'binary'}`,
    '',
    '',
  ];
  return Buffer.concat([
    Buffer.from(head.join('\r\n') + '\r\n', 'latin1'),
    Buffer.from(envelopeText, 'utf8'),
    Buffer.from(attachmentHead.join('\r\n'), 'latin1'),
    input.original,
    Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1'),
  ]);
}

function chooseBoundary(requested: string | undefined, contents: Buffer[]): string {
  if (requested !== undefined) {
    if (!VALID_BOUNDARY.test(requested)) throw new Error(`not a valid MIME boundary: ${JSON.stringify(requested)}`);
    if (contents.some((c) => containsDelimiter(c, requested))) {
      throw new Error(`boundary ${JSON.stringify(requested)} occurs in the content as a delimiter line`);
    }
    return requested;
  }
  for (;;) {
    const boundary = `_000_${randomBytes(20).toString('hex')}_`;
    if (!contents.some((c) => containsDelimiter(c, boundary))) return boundary;
  }
}

/** RFC 2047 B-encoding for a subject that is not plain ASCII, in encoded words of at most 75 characters. */
export function encodeHeaderText(text: string): string {
  const oneLine = text.replace(/[\r\n]+/g, ' ');
  if (!/[^\x20-\x7e]/.test(oneLine) && oneLine.length <= 900) return oneLine;
  const words: string[] = [];
  let chunk = '';
  for (const ch of oneLine) {
    if (Buffer.byteLength(chunk + ch, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?utf-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ');
}

export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

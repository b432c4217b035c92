// Journal reports as Exchange Online sends them ([MS-XJRNL] "Journal Record Message File Format";
// "Journal report format", technet bb738122): a multipart/mixed message from the tenant's
// MicrosoftExchange system mailbox with the X-MS-Journal-Report header, the envelope as a
// text/plain part (one `Field: value` line per field, one line per recipient) and the original
// message attached unaltered as message/rfc822.
import { randomBytes, randomUUID } from 'node:crypto';

export type EnvelopeField = 'To' | 'Cc' | 'Bcc' | 'Recipient';

export interface EnvelopeRecipient {
  field: EnvelopeField;
  address: string;
  /** The distribution group this recipient is a member of (`, Expanded: group`). */
  expandedFrom?: string;
  /** The recipient the message was addressed to before forwarding (`, Forwarded: user`). */
  forwardedFrom?: string;
}

export interface JournalReportInput {
  sender: string;
  onBehalfOf?: string;
  subject: string;
  /** With angle brackets, as in the original's Message-ID header. */
  messageId: string;
  recipients: EnvelopeRecipient[];
  original: Buffer;
  /** The journal rule's JournalEmailAddress. */
  journalAddress: string;
  /** The tenant's initial domain (contoso.onmicrosoft.com): the system sender's domain. */
  systemDomain: string;
  date?: Date;
}

/** The fixed name of Exchange Online's system mailbox (the sender of journal reports and NDRs). */
export const EXCHANGE_SYSTEM_MAILBOX = 'MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e';

export function buildExchangeJournalReport(input: JournalReportInput): Buffer {
  const envelope = envelopeText(input);
  const boundary = freshBoundary([input.original, Buffer.from(envelope, 'utf8')]);
  const ascii = /^[\x20-\x7e\r\n]*$/.test(envelope);
  const domain = input.systemDomain;
  const head = [
    `From: Microsoft Outlook <${EXCHANGE_SYSTEM_MAILBOX}@${domain}>`,
    `To: <${input.journalAddress}>`,
    `Subject: ${headerText(input.subject)}`,
    `Date: ${(input.date ?? new Date()).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomUUID()}@${domain}>`,
    `Content-Type: multipart/mixed;\r\n\tboundary="${boundary}"`,
    'MIME-Version: 1.0',
    'X-MS-Journal-Report:',
    '',
    `--${boundary}`,
    `Content-Type: text/plain; charset="${ascii ? 'us-ascii' : 'utf-8'}"`,
    `Content-Transfer-Encoding: ${ascii ? '7bit' : '8bit'}`,
    '',
    '',
  ].join('\r\n');
  const attachment = [
    '',
    `--${boundary}`,
    'Content-Type: message/rfc822',
    'Content-Disposition: attachment',
    'Content-Transfer-Encoding: binary',
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([
    Buffer.from(head, 'latin1'),
    Buffer.from(envelope, 'utf8'),
    Buffer.from(attachment, 'latin1'),
    input.original,
    // The line break before a delimiter belongs to the delimiter (RFC 2046), so the original keeps its own last one.
    Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1'),
  ]);
}

function envelopeText(input: JournalReportInput): string {
  const lines = [`Sender: ${input.sender || '<>'}`];
  if (input.onBehalfOf) lines.push(`On-Behalf-Of: ${input.onBehalfOf}`);
  lines.push(`Subject: ${input.subject.replace(/[\r\n]+/g, ' ')}`, `Message-Id: ${input.messageId}`);
  for (const r of input.recipients) {
    let line = `${r.field}: ${r.address}`;
    if (r.expandedFrom) line += `, Expanded: ${r.expandedFrom}`;
    if (r.forwardedFrom) line += `, Forwarded: ${r.forwardedFrom}`;
    lines.push(line);
  }
  return lines.map((l) => `${l}\r\n`).join('');
}

/** Exchange's boundary shape (`_000_<hex>_`), never one that occurs as a line in the content. */
function freshBoundary(contents: Buffer[]): string {
  for (;;) {
    const boundary = `_000_${randomBytes(16).toString('hex')}_`;
    if (!contents.some((c) => c.includes(`--${boundary}`, 0, 'latin1'))) return boundary;
  }
}

function headerText(text: string): string {
  const line = text.replace(/[\r\n]+/g, ' ');
  if (/^[\x20-\x7e]*$/.test(line)) return line;
  return `=?utf-8?B?${Buffer.from(line, 'utf8').toString('base64')}?=`;
}

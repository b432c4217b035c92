import { createHash } from 'node:crypto';
import type { DemoFile } from './files';

export interface Person {
  name: string;
  address: string;
}

export interface DemoMail {
  /** Without angle brackets; the boundaries derive from it, so the same mail is the same bytes. */
  messageId: string;
  from: Person;
  to: Person[];
  cc?: Person[];
  subject: string;
  date: Date;
  text: string;
  html?: string;
  inReplyTo?: string;
  references?: string[];
  attachments?: DemoFile[];
  headers?: Record<string, string>;
}

const isAscii = (s: string) => /^[\x20-\x7e]*$/.test(s);
/** RFC 2047 for non-ASCII header text (display names, subjects in other scripts). */
const word = (s: string) => (isAscii(s) ? s : `=?utf-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`);
const mailbox = (p: Person) => (p.name ? `${isAscii(p.name) ? `"${p.name.replace(/"/g, '')}"` : word(p.name)} <${p.address}>` : `<${p.address}>`);
const list = (ps: Person[]) => ps.map(mailbox).join(',\r\n ');

/** RFC 5322 date in UTC, as Exchange writes it. */
export function rfcDate(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}

function base64Lines(bytes: Buffer): string {
  return (bytes.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

function textPart(type: 'plain' | 'html', content: string): string {
  return [`Content-Type: text/${type}; charset=utf-8`, 'Content-Transfer-Encoding: base64', '', base64Lines(Buffer.from(content, 'utf8'))].join('\r\n');
}

function attachmentPart(file: DemoFile): string {
  const name = isAscii(file.filename) ? `"${file.filename}"` : `*=utf-8''${encodeURIComponent(file.filename)}`;
  return [
    `Content-Type: ${file.contentType}; name${name.startsWith('*') ? name : `=${name}`}`,
    `Content-Disposition: attachment; filename${name.startsWith('*') ? name : `=${name}`}`,
    'Content-Transfer-Encoding: base64', '', base64Lines(file.content),
  ].join('\r\n');
}

function multipart(subtype: string, boundary: string, parts: string[]): string {
  return [`Content-Type: multipart/${subtype}; boundary="${boundary}"`, '', ...parts.map((p) => `--${boundary}\r\n${p}`), `--${boundary}--`, ''].join('\r\n');
}

/** A deterministic RFC 5322 message: same input, same bytes. */
export function composeMail(m: DemoMail): Buffer {
  const tag = createHash('sha256').update(m.messageId).digest('hex').slice(0, 16);
  const body = m.html ? multipart('alternative', `=_alt_${tag}`, [textPart('plain', m.text), textPart('html', m.html)]) : textPart('plain', m.text);
  const content = m.attachments?.length ? multipart('mixed', `=_mix_${tag}`, [body, ...m.attachments.map(attachmentPart)]) : body;
  const head = [
    `From: ${mailbox(m.from)}`,
    `To: ${list(m.to)}`,
    ...(m.cc?.length ? [`Cc: ${list(m.cc)}`] : []),
    `Subject: ${word(m.subject)}`,
    `Date: ${rfcDate(m.date)}`,
    `Message-ID: <${m.messageId}>`,
    ...(m.inReplyTo ? [`In-Reply-To: <${m.inReplyTo}>`] : []),
    ...(m.references?.length ? [`References: ${m.references.map((r) => `<${r}>`).join(' ')}`] : []),
    ...Object.entries(m.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    'MIME-Version: 1.0',
  ];
  // Mail as SMTP delivers it ends with a line break (RFC 5321 §4.1.1.4): mbox exports round-trip only such mail.
  const ended = content.endsWith('\r\n') ? content : `${content}\r\n`;
  return Buffer.from(`${head.join('\r\n')}\r\n${ended}`, 'utf8');
}

import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import type { OutlookAddress, OutlookItem } from './outlook-item';

/** Headers the converter writes itself from the body it builds; the item's own copies are dropped. */
const BODY_HEADERS = /^(content-[a-z-]+|mime-version)$/i;
const MAX_NESTING = 8;

/**
 * Converts an Outlook item to a MIME message. A received item keeps the internet headers it
 * arrived with (Received, From, To, Date, Message-ID, everything) byte for byte; the body and
 * attachments are rebuilt from the item's properties. An item that never travelled (sent items,
 * drafts, contacts, appointments) gets its headers from its properties. Bcc recipients are
 * kept as a Bcc header wherever the item has them. `lost` collects what could not be carried over.
 */
export async function outlookToMime(item: OutlookItem, lost: string[] = item.lost, depth = 0): Promise<Buffer> {
  const attachments: Mail.Attachment[] = [];
  for (const a of item.attachments) {
    if (a.message && depth < MAX_NESTING) {
      attachments.push({ filename: a.filename || 'message.eml', contentType: 'message/rfc822', content: await outlookToMime(a.message, lost, depth + 1) });
    } else if (a.content) {
      attachments.push({ filename: a.filename, content: a.content, ...(a.contentType ? { contentType: a.contentType } : {}), ...(a.contentId ? { cid: a.contentId.replace(/^<|>$/g, '') } : {}) });
    } else {
      lost.push(`attachment "${a.filename}" could not be read`);
    }
  }
  if (item.hasRtfOnly) lost.push('the body exists only as RTF; its formatting and text were not converted');
  if (!/^IPM\.Note\b/i.test(item.messageClass) && item.messageClass) lost.push(`${item.messageClass} fields beyond subject, body, people and dates`);
  const travelled = item.transportHeaders.trim() !== '';
  const mail: Mail.Options = {
    ...(item.text ? { text: item.text } : {}),
    ...(item.html ? { html: item.html } : {}),
    ...(!item.text && !item.html ? { text: '' } : {}),
    attachments,
    ...(travelled ? {} : envelopeFields(item)),
    headers: extraHeaders(item, travelled),
  };
  const node = new MailComposer(mail).compile();
  (node as unknown as { keepBcc: boolean }).keepBcc = true;
  const built = await node.build();
  return travelled ? withTransportHeaders(built, item) : built;
}

function envelopeFields(item: OutlookItem): Mail.Options {
  const list = (people: OutlookAddress[]) => people.map(asAddress);
  return {
    ...(item.from ? { from: asAddress(item.from) } : {}),
    to: list(item.to),
    cc: list(item.cc),
    bcc: list(item.bcc),
    subject: item.subject,
    ...(item.sentAt ?? item.receivedAt ? { date: (item.sentAt ?? item.receivedAt)! } : {}),
    ...(item.messageId ? { messageId: item.messageId } : {}),
    ...(item.inReplyTo ? { inReplyTo: item.inReplyTo } : {}),
  };
}

const asAddress = (a: OutlookAddress): Mail.Address => ({ name: a.name === a.address ? '' : a.name, address: a.address });

function extraHeaders(item: OutlookItem, travelled: boolean): { key: string; value: string }[] {
  const own = travelled ? headerNames(item.transportHeaders) : new Set<string>();
  const extra: { key: string; value: string }[] = [];
  const add = (key: string, value: string) => {
    if (value && !own.has(key.toLowerCase())) extra.push({ key, value });
  };
  add('Importance', item.importance === 'normal' ? '' : item.importance);
  add('Keywords', item.categories.join(', '));
  add('X-MS-Message-Class', item.messageClass);
  return extra;
}

function headerNames(block: string): Set<string> {
  return new Set([...block.matchAll(/^([!-9;-~]+)[ \t]*:/gm)].map((m) => m[1]!.toLowerCase()));
}

/** The item's internet headers, then the converter's body headers and body. */
function withTransportHeaders(built: Buffer, item: OutlookItem): Buffer {
  const split = built.indexOf('\r\n\r\n');
  const ours = unfold(built.subarray(0, split).toString('latin1'));
  const body = built.subarray(split + 4);
  const kept = unfold(item.transportHeaders.replace(/\r?\n/g, '\r\n').replace(/(\r\n)+$/, '')).filter((h) => !BODY_HEADERS.test(nameOf(h)));
  const bodyHeaders = ours.filter((h) => BODY_HEADERS.test(nameOf(h)));
  const added = ours.filter((h) => /^(importance|keywords|x-ms-message-class)$/i.test(nameOf(h)));
  const bcc = item.bcc.length > 0 && !kept.some((h) => /^bcc$/i.test(nameOf(h))) ? [bccHeader(item.bcc)] : [];
  return Buffer.concat([Buffer.from([...kept, ...bcc, ...added, ...bodyHeaders].join('\r\n') + '\r\n\r\n', 'utf8'), body]);
}

/** Header fields of a block, each with its folded continuation lines. */
function unfold(block: string): string[] {
  const fields: string[] = [];
  for (const line of block.split('\r\n')) {
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1] += `\r\n${line}`;
    else if (line) fields.push(line);
  }
  return fields;
}

const nameOf = (field: string) => field.slice(0, Math.max(0, field.indexOf(':'))).trim();

function bccHeader(people: OutlookAddress[]): string {
  const encode = (name: string) => (/^[\x20-\x7e]*$/.test(name) ? `"${name.replace(/["\\]/g, '\\$&')}"` : `=?UTF-8?B?${Buffer.from(name).toString('base64')}?=`);
  return `Bcc: ${people.map((p) => (p.name && p.name !== p.address ? `${encode(p.name)} <${p.address}>` : p.address)).join(',\r\n ')}`;
}

import MsgReaderModule, { type FieldsData } from '@kenjiuno/msgreader';
import iconv from 'iconv-lite';
import { emptyItem, importanceOf, type OutlookAddress, type OutlookAttachment, type OutlookItem } from './outlook-item';
import { bodyFromRtf, decompressedRtf } from './rtf';
import { ImportInputError } from './types';

// The package is CommonJS with a default export; tsx hands its module object over as the default.
const MsgReader = ((MsgReaderModule as unknown as { default?: typeof MsgReaderModule }).default ?? MsgReaderModule) as typeof MsgReaderModule;

const CFB_MAGIC = Buffer.from('d0cf11e0a1b11ae1', 'hex');
const PID_IMPORTANCE = 0x0017;
const PID_INTERNET_MESSAGE_ID = '1035001f';
const PID_IN_REPLY_TO = '1042001f';

/** Reads an Outlook .msg file (MS-OXMSG) into an item; a file that is not one is an ImportInputError. */
export function readMsg(bytes: Buffer, file: string): OutlookItem {
  if (!bytes.subarray(0, 8).equals(CFB_MAGIC)) throw new ImportInputError('NOT_MSG', 'not an Outlook .msg file (no compound file signature)', file);
  const reader = new MsgReader(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  const importance = new Map<FieldsData, number>();
  reader.parserConfig = {
    includeRawProps: true,
    propertyObserver: (fields, tag, raw) => {
      if (tag >>> 16 === PID_IMPORTANCE && raw && raw.length >= 4) importance.set(fields, Buffer.from(raw).readInt32LE(0));
    },
  };
  let data: FieldsData;
  try {
    data = reader.getFileData();
  } catch (err) {
    throw new ImportInputError('MSG_UNREADABLE', `the .msg file cannot be read: ${(err as Error).message}`, file);
  }
  if (data.error) throw new ImportInputError('MSG_UNREADABLE', `the .msg file cannot be read: ${data.error}`, file);
  return toItem(reader, data, importance);
}

function toItem(reader: InstanceType<typeof MsgReader>, d: FieldsData, importance: Map<FieldsData, number>): OutlookItem {
  const item = emptyItem();
  const raw = (tag: string) => d.rawProps?.find((p) => p.propertyTag === tag)?.value;
  const recipients = (kind: 'to' | 'cc' | 'bcc') => (d.recipients ?? []).filter((r) => (r.recipType ?? 'to') === kind).map(addressOf);
  Object.assign(item, {
    messageClass: d.messageClass ?? 'IPM.Note',
    subject: d.subject ?? '',
    from: d.senderSmtpAddress || d.senderEmail ? { name: d.senderName ?? '', address: smtpOf(d.senderSmtpAddress, d.senderEmail, d.senderAddressType) } : null,
    to: recipients('to'),
    cc: recipients('cc'),
    bcc: recipients('bcc'),
    sentAt: dateOf(d.clientSubmitTime) ?? dateOf(d.creationTime),
    receivedAt: dateOf(d.messageDeliveryTime),
    messageId: typeof raw(PID_INTERNET_MESSAGE_ID) === 'string' ? (raw(PID_INTERNET_MESSAGE_ID) as string) : '',
    inReplyTo: typeof raw(PID_IN_REPLY_TO) === 'string' ? (raw(PID_IN_REPLY_TO) as string) : '',
    importance: importanceOf(importance.get(d)),
    categories: categoriesOf(d),
    transportHeaders: d.headers ?? '',
    text: d.body ?? '',
    html: d.bodyHtml ?? (d.html ? iconv.decode(Buffer.from(d.html), codepageName(d.internetCodepage)) : ''),
  } satisfies Partial<OutlookItem>);
  if (!item.html && d.compressedRtf) {
    const fromRtf = bodyFromRtf(decompressedRtf(d.compressedRtf));
    if (fromRtf && 'html' in fromRtf) item.html = fromRtf.html;
    else if (fromRtf && !item.text) item.text = fromRtf.text;
    else if (!fromRtf && !item.text) item.hasRtfOnly = true;
  }
  item.attachments = (d.attachments ?? []).map((a) => attachmentOf(reader, a, importance, item.lost));
  for (const r of d.recipients ?? []) if (!addressOf(r).address.includes('@')) item.lost.push(`recipient "${r.name ?? ''}" has no internet address`);
  return item;
}

function attachmentOf(reader: InstanceType<typeof MsgReader>, a: FieldsData, importance: Map<FieldsData, number>, lost: string[]): OutlookAttachment {
  const filename = a.fileName ?? a.name ?? 'attachment';
  if (a.innerMsgContent && a.innerMsgContentFields) return { filename: `${a.innerMsgContentFields.subject || 'message'}.eml`, message: toItem(reader, a.innerMsgContentFields, importance) };
  try {
    const { content } = reader.getAttachment(a);
    return { filename, content: Buffer.from(content), ...(a.attachMimeTag ? { contentType: a.attachMimeTag } : {}), ...(a.pidContentId ? { contentId: a.pidContentId } : {}) };
  } catch (err) {
    lost.push(`attachment "${filename}": ${(err as Error).message}`);
    return { filename };
  }
}

function addressOf(r: FieldsData): OutlookAddress {
  return { name: r.name ?? '', address: smtpOf(r.smtpAddress, r.email, r.addressType) };
}

/** An Exchange (EX) address is a directory DN, not an internet address: the SMTP one wins where known. */
function smtpOf(smtp: string | undefined, email: string | undefined, type: string | undefined): string {
  if (smtp) return smtp;
  return email && (type === undefined || type.toUpperCase() === 'SMTP' || email.includes('@')) ? email : '';
}

function categoriesOf(d: FieldsData): string[] {
  const keywords = d.rawProps?.filter((p) => p.propertyName === 'Keywords' && typeof p.value === 'string').map((p) => p.value as string) ?? [];
  return keywords.flatMap((k) => k.split('\0')).filter(Boolean);
}

function dateOf(text: string | undefined): Date | null {
  if (!text) return null;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? null : d;
}

function codepageName(codepage: number | undefined): string {
  if (!codepage || codepage === 65001) return 'utf8';
  return iconv.encodingExists(`cp${codepage}`) ? `cp${codepage}` : 'utf8';
}

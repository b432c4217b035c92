import { randomUUID } from 'node:crypto';
import type { FileAttachment, Message, Recipient } from '@microsoft/microsoft-graph-types';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { graphDate } from '../tenant/mime';
import type { MessageSource } from '../tenant/mime';
import type { FolderRecord, MessageRecord } from '../tenant/mailbox';
import { badRequest } from './errors';
import { DELIVERY_TIME, flagsOf, parseProperties, setProperties, SUBMIT_TIME } from './extended-properties';
import type { MailboxAccess } from './mail-access';

/** A file attached to a message created from JSON. */
export interface ComposedAttachment {
  id: string;
  name: string;
  contentType: string;
  isInline: boolean;
  contentId?: string;
  bytes: Buffer;
  lastModifiedDateTime: string;
}

/**
 * A message created from JSON keeps what it was made of, so that attachments added later (POST
 * …/attachments, upload sessions) become part of it; its MIME ($value) is rendered from this, as
 * Exchange converts a stored item to MIME.
 */
export interface ComposedMessage {
  fields: Message;
  sent: Date;
  attachments: ComposedAttachment[];
  version: number;
}

const composed = new WeakMap<MessageRecord, ComposedMessage>();

export function composedOf(rec: MessageRecord): ComposedMessage | undefined {
  return composed.get(rec);
}

/**
 * POST …/mailFolders/{id}/messages with a JSON message
 * (https://learn.microsoft.com/en-us/graph/api/user-post-messages): a draft unless
 * PR_MESSAGE_FLAGS says otherwise (see extended-properties.ts), with inline file attachments.
 */
export async function createFromJson(access: MailboxAccess, folder: FolderRecord, body: Message): Promise<MessageRecord> {
  const props = parseProperties(body.singleValueExtendedProperties);
  const { isDraft, isRead } = flagsOf(props);
  const owner = access.user.user.mail ?? access.user.user.userPrincipalName;
  const submitted = props.get(SUBMIT_TIME)?.value;
  const delivered = props.get(DELIVERY_TIME)?.value;
  const message: ComposedMessage = {
    fields: { ...body, from: body.from ?? { emailAddress: { address: owner } } },
    sent: submitted ? new Date(submitted) : new Date(),
    attachments: (body.attachments ?? []).map((a) => fileAttachment(a as FileAttachment)),
    version: 0,
  };
  const rec = access.mb.insert(folder.id, {
    source: await render(message, `${access.mb.userId}:${randomUUID()}`),
    isDraft,
    isRead,
    receivedDateTime: graphDate(delivered ? new Date(delivered) : new Date()),
    internetMessageId: body.internetMessageId ?? undefined,
  });
  composed.set(rec, message);
  setProperties(rec, props);
  return rec;
}

/** A `#microsoft.graph.fileAttachment` of a request; Graph cannot create the abstract `attachment`. */
export function fileAttachment(a: FileAttachment & { '@odata.type'?: string }): ComposedAttachment {
  if (a['@odata.type']?.toLowerCase() !== '#microsoft.graph.fileattachment') {
    throw badRequest('UnprocessableType', "Cannot process input of abstract type 'microsoft.graph.attachment'");
  }
  if (typeof a.name !== 'string' || !a.name) throw badRequest('ErrorInvalidRequest', 'The attachment name is required.');
  const base64 = typeof a.contentBytes === 'string' ? a.contentBytes : '';
  return newAttachment({ name: a.name, contentType: a.contentType ?? 'application/octet-stream', isInline: a.isInline === true, contentId: a.contentId ?? undefined }, Buffer.from(base64, 'base64'));
}

export function newAttachment(meta: Omit<ComposedAttachment, 'id' | 'bytes' | 'lastModifiedDateTime'>, bytes: Buffer): ComposedAttachment {
  return { ...meta, id: `AAMkAtt${randomUUID().replace(/-/g, '')}`, bytes, lastModifiedDateTime: graphDate(new Date()) };
}

/** Adds an attachment to a composed message: a new MIME rendering, and a change delta reports. */
export async function attach(access: MailboxAccess, rec: MessageRecord, attachment: ComposedAttachment): Promise<void> {
  const message = composed.get(rec);
  if (!message) throw badRequest('ErrorInvalidRequest', 'The emulator adds attachments only to messages created from JSON.');
  message.attachments.push(attachment);
  message.version++;
  rec.source = await render(message, `${access.mb.userId}:${rec.immutableId}:${message.version}`);
  access.mb.update(rec, {});
}

const address = (r: Recipient | null | undefined): Mail.Address | undefined =>
  r?.emailAddress?.address ? { name: r.emailAddress.name ?? '', address: r.emailAddress.address } : undefined;
const addresses = (list: Recipient[] | null | undefined): Mail.Address[] => (list ?? []).map(address).filter((a) => a !== undefined);

/** Exchange's MIME conversion of the item: its headers, body and attachments. */
async function render(message: ComposedMessage, key: string): Promise<MessageSource> {
  const f = message.fields;
  const html = f.body?.contentType?.toLowerCase() === 'html';
  const node = new MailComposer({
    from: address(f.from),
    sender: address(f.sender),
    to: addresses(f.toRecipients),
    cc: addresses(f.ccRecipients),
    bcc: addresses(f.bccRecipients),
    replyTo: addresses(f.replyTo),
    subject: f.subject ?? '',
    date: message.sent,
    messageId: f.internetMessageId ?? `<${randomUUID()}@emulator.invalid>`,
    headers: Object.fromEntries((f.internetMessageHeaders ?? []).map((h) => [h.name ?? '', h.value ?? ''])),
    ...(html ? { html: f.body?.content ?? '' } : { text: f.body?.content ?? '' }),
    attachments: message.attachments.map((a) => ({
      filename: a.name, content: a.bytes, contentType: a.contentType, ...(a.isInline && a.contentId ? { cid: a.contentId } : {}),
    })),
  }).compile();
  // The sender's own copy keeps its Bcc line.
  node.keepBcc = true;
  const bytes = await new Promise<Buffer>((resolve, reject) => node.build((err, out) => (err ? reject(err) : resolve(out))));
  return { key: `composed:${key}`, read: async () => bytes };
}

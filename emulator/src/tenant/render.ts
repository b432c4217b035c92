import { createHash } from 'node:crypto';
import type { MailFolder, Message } from '@microsoft/microsoft-graph-types';
import { changeKeyFor, exchangeId } from './ids';
import type { FolderRecord, Mailbox, MessageRecord } from './mailbox';
import type { ParsedMeta } from './mime';

export interface IdOptions {
  /** `Prefer: IdType="ImmutableId"`: ids that survive moves. */
  immutable: boolean;
}

function messageIdOf(rec: MessageRecord, opts: IdOptions): string {
  return opts.immutable ? rec.immutableId : rec.restId;
}

export function renderMessage(rec: MessageRecord, meta: ParsedMeta, opts: IdOptions): Message & { '@odata.etag': string } {
  const changeKey = changeKeyFor(rec.seq);
  const id = messageIdOf(rec, opts);
  return {
    '@odata.etag': `W/"${changeKey}"`,
    id,
    createdDateTime: rec.createdDateTime,
    lastModifiedDateTime: rec.lastModifiedDateTime,
    changeKey,
    categories: rec.categories,
    receivedDateTime: rec.receivedDateTime,
    sentDateTime: meta.sentDateTime ?? rec.receivedDateTime,
    hasAttachments: meta.hasAttachments,
    internetMessageId: rec.internetMessageId ?? meta.internetMessageId,
    subject: meta.subject,
    bodyPreview: meta.bodyPreview,
    importance: meta.importance,
    parentFolderId: rec.folderId,
    conversationId: conversationIdOf(meta, rec),
    isDeliveryReceiptRequested: meta.isDeliveryReceiptRequested,
    isReadReceiptRequested: meta.isReadReceiptRequested,
    isRead: rec.isRead,
    isDraft: rec.isDraft,
    webLink: `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(id)}&exvsurl=1&viewmodel=ReadMessageItem`,
    inferenceClassification: 'focused',
    body: meta.body,
    sender: meta.sender,
    from: meta.from,
    toRecipients: meta.toRecipients,
    ccRecipients: meta.ccRecipients,
    bccRecipients: meta.bccRecipients,
    replyTo: meta.replyTo,
    flag: { flagStatus: rec.flagStatus },
  };
}

function conversationIdOf(meta: ParsedMeta, rec: MessageRecord): string {
  const key = meta.threadKey ?? rec.internetMessageId ?? rec.immutableId;
  return exchangeId('conversation', createHash('sha1').update(key).digest('hex'));
}

export function renderFolder(folder: FolderRecord, mb: Mailbox): MailFolder {
  let unread = 0;
  for (const item of folder.items.values()) if (!item.isRead) unread++;
  return {
    id: folder.id,
    displayName: folder.displayName,
    parentFolderId: folder.parentId ?? folder.id,
    childFolderCount: mb.childrenOf(folder.id).length,
    unreadItemCount: unread,
    totalItemCount: folder.items.size,
    isHidden: folder.isHidden,
  };
}

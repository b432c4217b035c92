import type { Store } from '../store';
import type { Item } from '../store/items';
import { getMessageDoc, type MessageAddress, type MessageAttachment } from '../store/messages';
import { bareContentId } from '../ingest/attachment-role';
import { readBodies } from './mime-parts';
import { sanitizeEmailHtml } from './sanitize';

export interface AttachmentView {
  index: number;
  filename: string;
  contentType: string;
  size: number;
  inline: boolean;
  contentId: string | null;
  /** An attached message's own attachments (listed, downloadable with the message). */
  attachments?: NestedAttachmentView[];
}

export interface NestedAttachmentView {
  filename: string;
  contentType: string;
  size: number;
  inline: boolean;
  attachments?: NestedAttachmentView[];
}

export interface MessageView {
  id: string;
  archiveId: string;
  folder: string;
  receivedAt: Date;
  size: number;
  sha256: string;
  headers: {
    from: MessageAddress[];
    to: MessageAddress[];
    cc: MessageAddress[];
    bcc: MessageAddress[];
    replyTo: MessageAddress[];
    date: Date | null;
    /** `date` is not the Date header (missing or unreadable) but the first server's Received date. */
    dateInferred: boolean;
    subject: string;
    messageId: string | null;
  };
  attachments: AttachmentView[];
  text: string;
  /** Sanitised; null when the message has no HTML body. */
  html: string | null;
  blockedRemote: number;
  /** Some text of the message is not searchable (caps on stored text); `textCuts` says what. */
  textTruncated: boolean;
  textCuts: string[];
  parseErrors: string[];
}

export interface ViewOptions {
  /** URL that serves the inline part with this Content-ID (without angle brackets). */
  cidUrl: (contentId: string) => string;
  allowRemote: boolean;
}

export { bareContentId };

/** Everything a reader sees of a message; the HTML comes from the original, sanitised. */
export async function messageView(store: Store, item: Item, opts: ViewOptions): Promise<MessageView> {
  const doc = await getMessageDoc(store.conn, item.sha256);
  if (!doc) throw new Error(`message document ${item.sha256} is missing for item ${item._id}`);
  const bodies = await readBodies(() => store.blobs.open(item.sha256));
  const cids = new Set(doc.attachments.filter((a) => a.contentId).map((a) => bareContentId(a.contentId!)));
  const sanitized = bodies.html
    ? sanitizeEmailHtml(bodies.html, { cidUrl: (cid) => (cids.has(cid) ? opts.cidUrl(cid) : null), allowRemote: opts.allowRemote })
    : null;
  return {
    id: item._id,
    archiveId: item.archiveId,
    folder: item.folder,
    receivedAt: item.receivedAt,
    size: doc.size,
    sha256: doc._id,
    headers: {
      from: doc.from,
      to: doc.to,
      cc: doc.cc,
      bcc: doc.bcc,
      replyTo: doc.replyTo,
      date: doc.date,
      dateInferred: doc.dateInferred === true,
      subject: doc.subject,
      messageId: doc.messageId,
    },
    attachments: doc.attachments.map(attachmentView),
    text: doc.bodyText,
    html: sanitized?.html ?? null,
    blockedRemote: sanitized?.blockedRemote ?? 0,
    textTruncated: doc.textTruncated === true,
    textCuts: doc.textCuts ?? (doc.textTruncated ? ['Some text of this message is not indexed.'] : []),
    parseErrors: [...new Set([...doc.parseErrors, ...bodies.errors])],
  };
}

function attachmentView(a: MessageAttachment, index: number): AttachmentView {
  return {
    index,
    filename: a.filename,
    contentType: a.contentType,
    size: a.size,
    inline: a.inline,
    contentId: a.contentId ? bareContentId(a.contentId) : null,
    ...(a.attachments?.length ? { attachments: a.attachments.map(nestedView) } : {}),
  };
}

function nestedView(a: MessageAttachment): NestedAttachmentView {
  const view: NestedAttachmentView = { filename: a.filename, contentType: a.contentType, size: a.size, inline: a.inline };
  return a.attachments?.length ? { ...view, attachments: a.attachments.map(nestedView) } : view;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The view as a document of its own, for a sandboxed iframe: the sanitised HTML, or the plain text
 * when the mail has no HTML. Our own style only sets defaults; the mail's styles come after it.
 */
export function viewDocument(view: MessageView): string {
  const body = view.html ?? `<pre class="plain">${escapeHtml(view.text)}</pre>`;
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(view.headers.subject)}</title>`,
    '<style>body{margin:8px;font-family:"Segoe UI",system-ui,sans-serif;font-size:14px;overflow-wrap:break-word}',
    'img{max-width:100%;height:auto}pre.plain{white-space:pre-wrap;font-family:inherit;margin:0}</style>',
    `</head><body>${body}</body></html>`,
  ].join('\n');
}

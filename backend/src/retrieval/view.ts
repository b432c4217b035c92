import type { Store } from '../store';
import type { Item } from '../store/items';
import { getMessageDoc, type MessageAddress, type MessageAttachment } from '../store/messages';
import { bareContentId } from '../ingest/attachment-role';
import { breakLongLines } from './long-lines';
import { renderMessage } from './render';

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
  /** The render budget (default RENDER_BUDGET.timeLimitMs). */
  timeLimitMs?: number;
}

export { bareContentId };

/** Everything a reader sees of a message; the HTML comes from the original, sanitised. */
export async function messageView(store: Store, item: Item, opts: ViewOptions): Promise<MessageView> {
  const doc = await getMessageDoc(store.conn, item.sha256);
  if (!doc) throw new Error(`message document ${item.sha256} is missing for item ${item._id}`);
  const cids = doc.attachments.filter((a) => a.contentId).map((a) => bareContentId(a.contentId!));
  const cidUrls = Object.fromEntries(cids.map((cid) => [cid, opts.cidUrl(cid)]));
  // Off this thread, within a time and heap budget: throws MessageTooComplexError past it.
  const sanitized = await renderMessage(() => store.blobs.open(item.sha256), { cidUrls, allowRemote: opts.allowRemote, timeLimitMs: opts.timeLimitMs, size: doc.size });
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
    html: sanitized.html,
    blockedRemote: sanitized.blockedRemote,
    textTruncated: doc.textTruncated === true,
    textCuts: doc.textCuts ?? (doc.textTruncated ? ['Some text of this message is not indexed.'] : []),
    parseErrors: [...new Set([...doc.parseErrors, ...sanitized.errors])],
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
/**
 * Mail is written for a white page. A dark rendering inverts the page's lightness and turns hues
 * back (so brand colours keep their hue), then inverts pictures again so that they show as sent:
 * the "smart invert" mail clients use, which keeps every text/background pair's contrast.
 */
const DARK_STYLE = 'html{background:#fff;filter:invert(1) hue-rotate(180deg)}img,video,picture,svg,[style*="background-image"]{filter:invert(1) hue-rotate(180deg)}';

export function viewDocument(view: MessageView, opts: { dark?: boolean } = {}): string {
  return documentOf(view.headers.subject, view.html ?? `<pre class="plain">${escapeHtml(breakLongLines(view.text))}</pre>`, opts.dark ? DARK_STYLE : '');
}

/** What the frame shows instead of a message it cannot render (too complex, say). */
export function noticeDocument(title: string, text: string): string {
  return documentOf(title, `<p>${escapeHtml(text)}</p>`);
}

function documentOf(title: string, body: string, extraStyle = ''): string {
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{margin:8px;font-family:"Segoe UI",system-ui,sans-serif;font-size:14px;overflow-wrap:break-word}',
    'body:focus-visible{outline:2px solid #0f6cbd;outline-offset:4px}',
    `img{max-width:100%;height:auto}pre.plain{white-space:pre-wrap;font-family:inherit;margin:0}${extraStyle}</style>`,
    // Chromium's Tab skips a frame that holds nothing focusable, long mail included: a focusable
    // body makes the message a tab stop after the reading pane's toolbar, and the arrow keys scroll it.
    `</head><body tabindex="0">${body}</body></html>`,
  ].join('\n');
}

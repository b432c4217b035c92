import { safeDecode } from '../search/scan';
import type { MessageAttachment } from '../store/messages';

/**
 * One rule for what an attachment is, used by ingest (the stored list and `hasAttachments`),
 * the index (has:attachment, filename:, the result rows' paper clip) and the reader: every part
 * the parser does not take as body text is an attachment, as Outlook lists it, except a part the
 * HTML body shows through a `cid:` reference, which is an inline image (`inline`, listed under
 * that flag and findable by its name, but no attachment). Attached messages are attachments and
 * their own attachments are listed under them.
 */

/** Content-IDs are compared without their angle brackets, as cid: URLs carry them (RFC 2392). */
export const bareContentId = (id: string) => id.trim().replace(/^<|>$/g, '').trim();

/** Bounds the work over a hostile body that is nothing but cid: references. */
const MAX_REFERENCES = 10_000;

/** The Content-IDs an HTML body references (cid: URLs are URL-encoded, RFC 2392). */
export function referencedContentIds(html: string | null | undefined): Set<string> {
  const out = new Set<string>();
  if (!html) return out;
  for (const m of html.matchAll(/\bcid:([^\s'"<>()]{1,998})/gi)) {
    out.add(bareContentId(safeDecode(m[1]!)));
    if (out.size >= MAX_REFERENCES) break;
  }
  return out;
}

/** Sets each part's `inline` flag by the rule; true when the message has an attachment Outlook shows. */
export function classifyAttachments(attachments: MessageAttachment[], html: string | null | undefined): boolean {
  const shown = referencedContentIds(html);
  for (const a of attachments) a.inline = !!a.contentId && shown.has(bareContentId(a.contentId));
  return attachments.some((a) => !a.inline);
}

/** Every listed name: attachments, inline images and what attached messages hold, depth first. */
export function attachmentNames(attachments: readonly MessageAttachment[] | undefined): string[] {
  const out: string[] = [];
  const walk = (list: readonly MessageAttachment[] | undefined) => {
    for (const a of list ?? []) {
      if (a.filename) out.push(a.filename);
      walk(a.attachments);
    }
  };
  walk(attachments);
  return out;
}

import { htmlToText } from './html-text';

export interface AttachmentInfo {
  filename: string;
  contentType: string;
  charset?: string;
}

/**
 * The hook for attachment text in the search index. The parser keeps the first bytes of every
 * attachment the extractor `wants` (ParseOptions.attachmentHeadBytes) and hands them to
 * `extract` once the attachment has streamed past. PDF and DOCX text (a later issue) plug in
 * here; as their index sits at the end of the file, that issue will want the whole attachment
 * (spilled to a file up to a limit) and an asynchronous `extract`, not just a head.
 */
export interface AttachmentTextExtractor {
  wants(info: AttachmentInfo): boolean;
  /** `complete` is false when the attachment was longer than the head. */
  extract(head: Buffer, info: AttachmentInfo & { complete: boolean }): string;
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|csv|x-sh|javascript)$|message\/(delivery-status|disposition-notification)$)/i;
const TEXT_NAMES = /\.(txt|csv|log|md|json|xml|html?|ics|vcf)$/i;

/** Plain text, CSV, JSON, XML, HTML attachments: decoded with their charset (UTF-8 when unknown). */
export const defaultAttachmentText: AttachmentTextExtractor = {
  wants: (info) => TEXT_TYPES.test(info.contentType) || TEXT_NAMES.test(info.filename),
  extract(head, info) {
    const text = decode(head, info.charset);
    return /html/i.test(info.contentType) || /\.html?$/i.test(info.filename) ? htmlToText(text) : text;
  },
};

function decode(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset || 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

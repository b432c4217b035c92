import type { Readable } from 'node:stream';
import { htmlToText } from './html-text';
import { extractionPool } from './extract/pool';
import type { DocKind, Source } from './extract/protocol';
import { AttachmentSink, openSource } from './extract/sink';
import type { MessageAttachment } from '../store/messages';

export interface AttachmentInfo {
  filename: string;
  contentType: string;
  charset?: string;
}

/** How an attachment's text is read: decoded from its head, extracted by a worker, or parsed as a message. */
export type AttachmentKind = 'text' | 'html' | 'message' | DocKind;

export interface AttachmentLimits {
  /** Bytes of a text or HTML attachment that are decoded. */
  headBytes: number;
  /** Larger documents and attached messages are not read for text. */
  maxBytes: number;
  /** Bytes kept in memory while an attachment streams in; the rest spills to a file. */
  memoryBytes: number;
  /** Wall time of one document's extraction in a worker. */
  timeLimitMs: number;
  tmpDir?: string;
}

export interface TextRequest {
  kind: AttachmentKind;
  info: AttachmentInfo;
  /** Characters the message still has room for. */
  maxChars: number;
  limits: AttachmentLimits;
  /** Aborted when the parse stops or its time for attachment text is over. */
  signal: AbortSignal;
  /** Parses an attached message (the parser's own recursion, bounded in depth by the caller). */
  parseNested(open: () => Readable, maxChars: number): Promise<{ text: string; errors: string[]; attachments: MessageAttachment[] }>;
}

export interface AttachmentText {
  text: string;
  /** Less than the whole attachment was read. */
  partial: boolean;
  errors: string[];
  /** An attached message's own attachments. */
  attachments?: MessageAttachment[];
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|csv|x-sh|javascript)$|message\/(delivery-status|disposition-notification)$)/i;
const TEXT_NAMES = /\.(txt|csv|log|md|json|xml|html?|ics|vcf)$/i;
const HTML = /html/i;
const HTML_NAMES = /\.html?$/i;

const OOXML = 'application/vnd.openxmlformats-officedocument.';
const DOC_TYPES: Record<string, DocKind> = {
  'application/pdf': 'pdf',
  'application/x-pdf': 'pdf',
  [`${OOXML}wordprocessingml.document`]: 'docx',
  [`${OOXML}wordprocessingml.template`]: 'docx',
  'application/vnd.ms-word.document.macroenabled.12': 'docx',
  [`${OOXML}spreadsheetml.sheet`]: 'xlsx',
  [`${OOXML}spreadsheetml.template`]: 'xlsx',
  'application/vnd.ms-excel.sheet.macroenabled.12': 'xlsx',
  [`${OOXML}presentationml.presentation`]: 'pptx',
  [`${OOXML}presentationml.slideshow`]: 'pptx',
  [`${OOXML}presentationml.template`]: 'pptx',
  'application/vnd.ms-powerpoint.presentation.macroenabled.12': 'pptx',
  'application/vnd.oasis.opendocument.text': 'odf',
  'application/vnd.oasis.opendocument.spreadsheet': 'odf',
  'application/vnd.oasis.opendocument.presentation': 'odf',
};
const DOC_NAMES: Record<string, DocKind> = {
  pdf: 'pdf',
  docx: 'docx',
  docm: 'docx',
  dotx: 'docx',
  xlsx: 'xlsx',
  xlsm: 'xlsx',
  xltx: 'xlsx',
  pptx: 'pptx',
  pptm: 'pptx',
  ppsx: 'pptx',
  potx: 'pptx',
  odt: 'odf',
  ods: 'odf',
  odp: 'odf',
};
const MESSAGE_TYPES = /^message\/(rfc822|global)$/i;

/** Senders label documents loosely (octet-stream, zip): the type decides when it is specific, else the name. */
export function attachmentKind(info: AttachmentInfo): AttachmentKind | null {
  const type = info.contentType.toLowerCase();
  const ext = /\.([a-z0-9]+)$/i.exec(info.filename)?.[1]?.toLowerCase() ?? '';
  if (MESSAGE_TYPES.test(type) || (ext === 'eml' && !TEXT_TYPES.test(type))) return 'message';
  const doc = DOC_TYPES[type] ?? DOC_NAMES[ext];
  if (doc) return doc;
  if (TEXT_TYPES.test(type) || TEXT_NAMES.test(info.filename)) return HTML.test(type) || HTML_NAMES.test(info.filename) ? 'html' : 'text';
  return null;
}

/**
 * Reads one attachment's content stream for its text. Text and HTML are decoded from their
 * first bytes; documents are kept (memory, then a temporary file, up to `maxBytes`) and handed
 * to an extraction worker; attached messages are parsed. Never rejects: what went wrong is in
 * `errors`, and the temporary file is gone when this settles.
 */
export async function readAttachmentText(content: Readable, req: TextRequest): Promise<AttachmentText> {
  if (req.kind === 'text' || req.kind === 'html') return headText(content, req);
  const sink = new AttachmentSink({ memoryBytes: req.limits.memoryBytes, maxBytes: req.limits.maxBytes, tmpDir: req.limits.tmpDir });
  try {
    await collect(content, (chunk) => sink.write(chunk));
    const source = await sink.source();
    if (!source) return { text: '', partial: true, errors: [`larger than ${mb(req.limits.maxBytes)}, not read for text`] };
    return await extract(source, req);
  } catch (err) {
    return { text: '', partial: true, errors: [messageOf(err)] };
  } finally {
    await sink.dispose();
  }
}

async function extract(source: Source, req: TextRequest): Promise<AttachmentText> {
  if (req.signal.aborted) throw req.signal.reason;
  if (req.kind === 'message') {
    const nested = await req.parseNested(() => openSource(source), req.maxChars);
    return { text: nested.text, partial: false, errors: nested.errors, attachments: nested.attachments };
  }
  const doc = await extractionPool().run(
    { kind: req.kind as DocKind, source, maxChars: req.maxChars },
    { timeLimitMs: req.limits.timeLimitMs, signal: req.signal },
  );
  return { text: doc.text, partial: !!doc.warning, errors: doc.warning ? [doc.warning] : [] };
}

async function headText(content: Readable, req: TextRequest): Promise<AttachmentText> {
  const head: Buffer[] = [];
  let kept = 0;
  let size = 0;
  await collect(content, (chunk) => {
    size += chunk.length;
    if (kept >= req.limits.headBytes) return undefined;
    const part = chunk.subarray(0, req.limits.headBytes - kept);
    head.push(part);
    kept += part.length;
    return undefined;
  });
  const text = decode(Buffer.concat(head), req.info.charset);
  return { text: req.kind === 'html' ? htmlToText(text) : text, partial: size > kept, errors: [] };
}

/** Feeds every chunk to `take`, pausing the stream while a returned promise is pending. */
function collect(content: Readable, take: (chunk: Buffer) => Promise<void> | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    content.on('data', (chunk: Buffer) => {
      const wait = take(chunk);
      if (!wait) return;
      content.pause();
      void wait.then(() => content.resume());
    });
    content.once('end', resolve);
    content.once('error', reject);
    content.once('close', () => resolve());
  });
}

function decode(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset || 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

function mb(bytes: number): string {
  return `${+(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

import { Transform, type TransformCallback } from 'node:stream';
import { MailParser, type HeaderLines, type Headers } from 'mailparser';
import { Base64TextDecoder } from './base64-text';
import { boundTextParts, type TextBounds } from './bounded-parser';
import { decodeUndeclared, encodedWordCharsets, hasEightBit, isUninformative, knownCharset, metaCharset } from './charset';

/**
 * The one way this backend parses MIME (ingest, and the reader reading bodies and attachments
 * again), so that attachment N is the same part everywhere. `ignoreEmbedded`: an attached
 * message is one attachment whatever its disposition, as Outlook shows it, rather than being
 * spread into the outer message (which made an empty one vanish).
 */
export const PARSER_OPTIONS = { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, checksumAlgo: 'sha256', ignoreEmbedded: true } as const;

/**
 * What decoding the text parts learnt about charsets: the header decoding of ingest uses the
 * body's charset as mail clients do.
 */
export interface CharsetNotes {
  /** Charsets named by the message's RFC 2047 words. */
  headerWords: string[];
  /** Charsets text parts declared (usable ones only). */
  declared: string[];
  /** Charsets undeclared text parts were found to be in. */
  sniffed: string[];
}

export interface MimeParser {
  parser: MailParser;
  bounds: TextBounds;
  charsets: CharsetNotes;
  /**
   * The top-level headers again when raw 8-bit text in them is not UTF-8, decoded in the body's
   * charset (then as undeclared bytes); null when they were fine as parsed.
   */
  redecodedHeaders(): { headers: Headers; lines: HeaderLines } | null;
}

/**
 * mailparser internals this relies on (mailparser 3; checked at start, so an upgrade that
 * drops them fails loudly rather than silently decoding text wrongly).
 */
interface ParserNode {
  root?: boolean;
  contentType?: string;
  isAttachment?: boolean;
  disposition?: string;
  encoding?: string;
  charset?: string;
  decoder?: Transform;
  headerLines?: HeaderLines;
}
interface Internals {
  createNode(data: unknown): ParserNode;
  processHeaders(lines: HeaderLines): Headers;
  getAddressesHTML(addresses: unknown): string;
  decoder: { decodeStream(charset: string): Transform };
  decoderEnded?: boolean;
  headerLines: HeaderLines | false;
}

/**
 * The header fields whose parsed value is read: by parse.ts and header-fields.ts, and by
 * mailparser itself (a part's type, disposition and Content-ID; an embedded message's summary).
 * mailparser decodes every field of every part and turns each address list into text and HTML;
 * real mail carries dozens of Received, DKIM, ARC and X- lines nobody reads in that form (the raw
 * lines are kept whole), and this work was the largest allocator of archiving's main thread
 * after index merges.
 */
const PARSED_FIELDS = new Set(['content-type', 'content-disposition', 'content-id', 'date', 'subject', 'from', 'sender', 'to', 'cc', 'bcc', 'reply-to', 'in-reply-to', 'references', 'message-id', 'list-id', 'x-mailer']);

const TEXT_TYPES = new Set(['text/plain', 'text/html', 'message/delivery-status']);
const SNIFF_TEXT = 'x-m365archive-undeclared';
const UTF8 = /^utf-?8$/i;
const ASCII = /ascii/i;
const SNIFF_HTML = 'x-m365archive-undeclared-html';

/**
 * `flattenEmbedded`: the numbering of attachments of documents written before PARSER_VERSION 2
 * (an inline attached message spread into its container), until the reindex job reaches them.
 */
export function createMimeParser(opts: { maxTextPartBytes: number; flattenEmbedded?: boolean }): MimeParser {
  const parser = new MailParser({ ...PARSER_OPTIONS, ignoreEmbedded: !opts.flattenEmbedded });
  const bounds = boundTextParts(parser, opts.maxTextPartBytes);
  const inner = parser as unknown as Internals;
  if (typeof inner.createNode !== 'function' || typeof inner.processHeaders !== 'function' || typeof inner.getAddressesHTML !== 'function' || typeof inner.decoder?.decodeStream !== 'function') {
    throw new Error('mailparser internals changed: text charsets can no longer be decoded, review ingest/mime-parser.ts');
  }
  const processHeaders = inner.processHeaders.bind(parser);
  inner.processHeaders = (lines) => processHeaders((lines || []).filter((l) => PARSED_FIELDS.has(l.key)));
  // Address lists as HTML (entity-encoded, for mailparser's own rendering) are never read here.
  inner.getAddressesHTML = () => '';
  const charsets: CharsetNotes = { headerWords: [], declared: [], sniffed: [] };
  const createNode = inner.createNode.bind(parser);
  inner.createNode = (data) => {
    const node = createNode(data);
    if (node.root && node.headerLines) charsets.headerWords = encodedWordCharsets(node.headerLines.map((l) => l.line).join('\n'));
    if (isTextPart(node)) prepareText(node, inner, charsets);
    return node;
  };
  const decoder = inner.decoder;
  inner.decoder = {
    decodeStream: (charset) =>
      charset === SNIFF_TEXT || charset === SNIFF_HTML
        ? new UndeclaredDecoder(charset === SNIFF_HTML, charsets)
        : decoder.decodeStream(charset),
  };
  return { parser, bounds, charsets, redecodedHeaders: () => redecode(inner, charsets) };
}

function isTextPart(node: ParserNode): boolean {
  return !!node.decoder && !node.isAttachment && node.disposition === 'inline' && TEXT_TYPES.has(node.contentType ?? '');
}

/** Routes a text part's bytes through the charset sniffer, and its base64 through the footer-aware decoder. */
function prepareText(node: ParserNode, inner: Internals, charsets: CharsetNotes): void {
  const known = knownCharset(node.charset);
  if (known && !ASCII.test(known) && !charsets.declared.includes(known)) charsets.declared.push(known);
  // Declared UTF-8 is checked too: Latin-1 bytes under a UTF-8 label are common, and valid UTF-8 decodes as it says.
  if (isUninformative(node.charset) || UTF8.test(known ?? '')) node.charset = node.contentType === 'text/html' ? SNIFF_HTML : SNIFF_TEXT;
  if (node.encoding === 'base64') {
    const decoder = new Base64TextDecoder();
    // What mailparser's own decoder would have told it: the part's content is complete.
    decoder.on('end', () => (inner.decoderEnded = true));
    node.decoder = decoder;
  }
}

/** Holds a text part of undeclared charset until it is complete, then decodes it to UTF-8. */
class UndeclaredDecoder extends Transform {
  private readonly chunks: Buffer[] = [];

  constructor(
    private readonly html: boolean,
    private readonly charsets: CharsetNotes,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(chunk);
    done();
  }

  override _flush(done: TransformCallback): void {
    const bytes = Buffer.concat(this.chunks);
    this.chunks.length = 0;
    const hints = [this.html ? metaCharset(bytes) : null, ...this.charsets.headerWords, ...this.charsets.declared];
    const { text, charset } = decodeUndeclared(bytes, hints);
    if (hasEightBit(bytes) && !this.charsets.sniffed.includes(charset)) this.charsets.sniffed.push(charset);
    this.push(Buffer.from(text, 'utf8'));
    done();
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(bytes: Buffer): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function redecode(inner: Internals, charsets: CharsetNotes): { headers: Headers; lines: HeaderLines } | null {
  const lines = inner.headerLines || [];
  const raw = lines.map((l) => Buffer.from(l.line, 'latin1'));
  const bad = raw.filter((b) => hasEightBit(b) && !isUtf8(b));
  if (bad.length === 0) return null;
  // One charset for the whole header, as a client applies the message's: decided on all its 8-bit lines together.
  const { charset } = decodeUndeclared(Buffer.concat(bad), [...charsets.declared, ...charsets.sniffed, ...charsets.headerWords]);
  const fixed = lines.map((l, i) => {
    const bytes = raw[i]!;
    if (!hasEightBit(bytes) || isUtf8(bytes)) return l;
    const text = decodeUndeclared(bytes, [charset]).text;
    return { ...l, line: Buffer.from(text, 'utf8').toString('latin1') };
  });
  return { headers: inner.processHeaders(fixed), lines: fixed };
}

import type { MailParser, MessageText } from 'mailparser';

/**
 * MailParser streams attachments but collects every inline text/HTML part in memory, so one
 * huge text part (a 200 MB log pasted as the body, a non-MIME message) would cost its full size.
 * This wraps the parser's per-chunk step so that, once the inline text parts of a message
 * together reached `maxBytes` of raw content, further text body chunks are skipped; attachments
 * and structure are still parsed. It relies on two internals of mailparser 3 (`processChunk`,
 * `curnode`) and fails loudly when they are gone, so an upgrade cannot silently unbound memory.
 */
interface Internals {
  curnode: { isAttachment?: boolean; decoder?: unknown } | false;
  processChunk(data: { type: string; value?: Buffer }, done: (err?: Error) => void): void;
  getTextContent(): MessageText;
}

export interface TextBounds {
  truncated(): boolean;
  /** The text of the parts decoded so far, for a parse that stopped early. */
  partialText(): Pick<MessageText, 'text' | 'html'>;
}

export function boundTextParts(parser: MailParser, maxBytes: number): TextBounds {
  const inner = parser as unknown as Internals;
  if (typeof inner.processChunk !== 'function' || typeof inner.getTextContent !== 'function' || !('curnode' in inner)) {
    throw new Error('mailparser internals changed: text parts can no longer be bounded, review ingest/bounded-parser.ts');
  }
  const processChunk = inner.processChunk.bind(parser);
  let textBytes = 0;
  let skipped = false;
  inner.processChunk = (data, done) => {
    const node = inner.curnode;
    if (data.type === 'body' && data.value && node && node.decoder && !node.isAttachment) {
      textBytes += data.value.length;
      if (textBytes > maxBytes) {
        skipped = true;
        setImmediate(done);
        return;
      }
    }
    processChunk(data, done);
  };
  return {
    truncated: () => skipped,
    partialText: () => {
      try {
        return inner.getTextContent();
      } catch {
        return {};
      }
    },
  };
}

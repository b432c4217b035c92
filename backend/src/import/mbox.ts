import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { isBlankLine, linePieces, type LinePiece } from './lines';
import { ImportInputError } from './types';

/**
 * mbox reading (RFC 4155). Both quoting variants undo their own quoting: mboxrd removes one `>`
 * from every `>…>From ` line, mboxo only turns `>From ` back into `From ` (its writers never
 * quoted `>From `). A `From ` line only separates messages when it looks like a From_ line
 * (`From sender` followed by nothing, `-` or a date with a time) and the next line is a header
 * field (or the blank line of a message without headers, or its own quoted From_ line): a body line such as "From Russia with love" (unquoted by sloppy writers) stays in its
 * message. The blank line before a separator belongs to the mbox, not to the message.
 */
export type MboxFormat = 'mboxrd' | 'mboxo';

export interface MboxMessage {
  /** Offset of the message's From_ line. */
  start: number;
  /** Offset of the first byte after the From_ line. */
  bodyStart: number;
  /** Offset after the message's last byte (its trailing separator line excluded). */
  end: number;
  /** Where the next message starts (the file's size after the last one). */
  next: number;
  envelopeDate: Date | undefined;
  /** The message, unquoted, when it was small enough to hold; otherwise read it with `mboxRegion`. */
  held: Buffer | null;
  /** Unquoted size exceeds the limit: not to be stored. */
  tooLarge: boolean;
}

export interface MboxReadOptions {
  format: MboxFormat;
  maxMessageBytes: number;
  /** Messages up to this size are handed over in memory; larger ones are read again from the file. */
  holdBytes?: number;
}

const FROM_LINE = /^From (\S+)(?:[ \t]+(.*?))?\r?\n$/;
const HAS_TIME = /\d{1,2}:\d\d/;
const HEADER_LINE = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const DEFAULT_HOLD = 1024 * 1024;

function isFromLine(piece: LinePiece): boolean {
  if (!piece.start || piece.data[0] !== 0x46 /* F */ || piece.data[piece.data.length - 1] !== 0x0a) return false;
  const m = FROM_LINE.exec(piece.data.toString('latin1'));
  if (!m) return false;
  const rest = m[2] ?? '';
  return rest === '' || HAS_TIME.test(rest);
}

/** What may follow a From_ line: a header field, the blank line of a message without headers, or the message's own quoted From_ line. */
function startsMessage(line: Buffer): boolean {
  return isBlankLine(line) || HEADER_LINE.test(line.subarray(0, 200).toString('latin1')) || quoteDepth(line) > 0;
}

function quoteDepth(data: Buffer): number {
  let n = 0;
  while (data[n] === 0x3e) n++;
  return n > 0 && data.subarray(n, n + 5).toString('latin1') === 'From ' ? n : 0;
}

/** The piece with one level of From-quoting removed, if it is a quoted From line. */
export function unquote(piece: LinePiece, format: MboxFormat): Buffer {
  if (!piece.start) return piece.data;
  const depth = quoteDepth(piece.data);
  return depth > 0 && (format === 'mboxrd' || depth === 1) ? piece.data.subarray(1) : piece.data;
}

/** ctime date of a From_ line ("Fri Feb 22 17:06:23 2008"), read as UTC. */
function envelopeDate(line: string): Date | undefined {
  const m = /([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})/.exec(line);
  if (!m) return undefined;
  const month = 'JanFebMarAprMayJunJulAugSepOctNovDec'.indexOf(m[1]!) / 3;
  if (month < 0 || !Number.isInteger(month)) return undefined;
  const d = new Date(Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

class Current {
  held: Buffer[] = [];
  heldBytes = 0;
  size = 0;
  region = false;
  lastBlank = 0;
  end: number;

  constructor(
    readonly start: number,
    readonly bodyStart: number,
    readonly date: Date | undefined,
    private readonly opts: Required<MboxReadOptions>,
  ) {
    this.end = bodyStart;
  }

  add(piece: LinePiece, base: number): void {
    const data = unquote(piece, this.opts.format);
    this.size += data.length;
    this.end = base + piece.offset + piece.data.length;
    this.lastBlank = piece.start && isBlankLine(piece.data) ? piece.data.length : 0;
    if (this.region) return;
    if (this.heldBytes + data.length > this.opts.holdBytes) {
      this.region = true;
      this.held = [];
      return;
    }
    this.held.push(data);
    this.heldBytes += data.length;
  }

  finish(next: number): MboxMessage {
    // The blank line before the next From_ line (or the end) is the mbox's separator.
    const trim = this.lastBlank;
    if (trim && !this.region) this.held.pop();
    const size = this.size - trim;
    return {
      start: this.start,
      bodyStart: this.bodyStart,
      end: this.end - trim,
      next,
      envelopeDate: this.date,
      held: this.region ? null : Buffer.concat(this.held),
      tooLarge: size > this.opts.maxMessageBytes,
    };
  }
}

/** The messages of an mbox file from `offset` (a message's From_ line, or 0), in order. */
export async function* readMbox(path: string, offset: number, options: MboxReadOptions, signal?: AbortSignal): AsyncGenerator<MboxMessage> {
  const opts = { holdBytes: DEFAULT_HOLD, ...options };
  let current: Current | null = null;
  let candidate: LinePiece | null = null;
  let first = true;
  const open = (from: LinePiece) => {
    const start = offset + from.offset;
    return new Current(start, start + from.data.length, envelopeDate(from.data.toString('latin1')), opts);
  };
  for await (const raw of linePieces(createReadStream(path, { start: offset, highWaterMark: 256 * 1024 }))) {
    signal?.throwIfAborted();
    let piece = raw;
    if (first) {
      first = false;
      if (offset === 0 && piece.data.subarray(0, 3).equals(BOM)) piece = { ...piece, data: piece.data.subarray(3), offset: 3 };
      if (!isFromLine(piece)) throw new ImportInputError('NOT_MBOX', 'not an mbox file: it does not start with a "From " line');
      current = open(piece);
      continue;
    }
    if (candidate) {
      const pending: LinePiece = candidate;
      candidate = null;
      if (piece.start && startsMessage(piece.data)) {
        yield current!.finish(offset + pending.offset);
        current = open(pending);
      } else {
        current!.add(pending, offset);
      }
    }
    if (isFromLine(piece)) candidate = piece;
    else current!.add(piece, offset);
  }
  if (!current) {
    if (offset === 0) throw new ImportInputError('NOT_MBOX', 'not an mbox file: it is empty');
    return;
  }
  if (candidate) current.add(candidate, offset);
  // Writers end the last message with the separator's blank line too.
  yield current.finish(current.end);
}

/** A message too large to hold, read again from the file with its quoting undone. */
export function mboxRegion(path: string, message: MboxMessage, format: MboxFormat): Readable {
  async function* bytes() {
    if (message.end <= message.bodyStart) return;
    for await (const piece of linePieces(createReadStream(path, { start: message.bodyStart, end: message.end - 1 }))) yield unquote(piece, format);
  }
  return Readable.from(bytes(), { objectMode: false });
}

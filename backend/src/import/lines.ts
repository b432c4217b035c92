/** A piece of a line: `start` when it begins a line; a long line comes in several pieces. */
export interface LinePiece {
  data: Buffer;
  start: boolean;
  /** Offset of the piece in the stream (from the stream's own first byte). */
  offset: number;
}

const LF = 0x0a;
/** Longest piece held at once: a 10 GB file without a newline never sits in memory. */
const MAX_PIECE = 64 * 1024;

/**
 * Splits a byte stream into lines (terminators kept), yielding long lines in pieces, so that
 * memory stays bounded whatever the input. Only a line's first piece can say what it is.
 */
export async function* linePieces(input: AsyncIterable<Buffer | string>): AsyncGenerator<LinePiece> {
  let carry: Buffer | null = null;
  let carryStart = true;
  let offset = 0;
  for await (const raw of input) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    let at = 0;
    while (at < chunk.length) {
      const nl = chunk.indexOf(LF, at);
      const end = nl === -1 ? chunk.length : nl + 1;
      let piece = chunk.subarray(at, end);
      if (carry) {
        piece = Buffer.concat([carry, piece]);
        carry = null;
      }
      at = end;
      if (nl === -1 && piece.length < MAX_PIECE) {
        // Held until its line ends (or grows long): line starts are judged on whole first pieces.
        carry = piece;
        continue;
      }
      yield { data: piece, start: carryStart, offset };
      offset += piece.length;
      carryStart = nl !== -1;
    }
  }
  if (carry) yield { data: carry, start: carryStart, offset };
}

export function isBlankLine(data: Buffer): boolean {
  return (data.length === 1 && data[0] === LF) || (data.length === 2 && data[0] === 0x0d && data[1] === LF);
}

import { Transform, type TransformCallback } from 'node:stream';

const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes a base64 text part whose encoded body may be followed by plain text: mailing lists
 * append their footer after the last line of a base64 body. The base64 ends at its padding, at a
 * blank line once whole groups are read, or at a line that is not base64; what follows is passed
 * on as it is (in the part's charset, like the body), so the footer reads as text instead of
 * being decoded into garbage. Text parts are held in memory anyway (bounded-parser.ts bounds
 * them), so the part is decoded once it is complete; the pass over it is linear.
 */
export class Base64TextDecoder extends Transform {
  private readonly chunks: Buffer[] = [];

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(chunk);
    done();
  }

  override _flush(done: TransformCallback): void {
    const { body, trailer } = splitBase64(Buffer.concat(this.chunks).toString('latin1'));
    this.chunks.length = 0;
    this.push(Buffer.from(body, 'base64'));
    if (trailer) this.push(Buffer.from(`\n${trailer}`, 'latin1'));
    done();
  }
}

/** The base64 lines of a part (joined) and the text after them ('' when there is none). */
export function splitBase64(raw: string): { body: string; trailer: string } {
  const lines: string[] = [];
  let chars = 0;
  let blankAfterData = false;
  let ended = false;
  for (let start = 0; start < raw.length; ) {
    const nl = raw.indexOf('\n', start);
    const end = nl < 0 ? raw.length : nl + 1;
    const line = raw.slice(start, end).trim();
    if (line === '') {
      blankAfterData ||= chars > 0;
    } else if (ended || !BASE64_LINE.test(line) || (blankAfterData && chars % 4 === 0)) {
      return { body: lines.join(''), trailer: raw.slice(start).trimEnd() };
    } else {
      lines.push(line);
      chars += line.length;
      ended = line.endsWith('=');
    }
    start = end;
  }
  return { body: lines.join(''), trailer: '' };
}

import { Transform, type TransformCallback } from 'node:stream';

/**
 * mboxrd (the variant that round-trips): every message starts with a `From ` line and is followed
 * by an empty line; inside a message any line matching /^>*From / gets one more `>`, which a
 * reader removes again. The message bytes are otherwise left exactly as archived (CRLF stays).
 */
export function fromLine(sender: string | null | undefined, date: Date): string {
  const envelope = sender && /^[^\s@]+@[^\s@]+$/.test(sender) ? sender : 'MAILER-DAEMON';
  return `From ${envelope} ${asctime(date)}\n`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** ctime(3) format in UTC, as mbox `From ` lines carry it: `Thu Jan  1 00:00:00 1970`. */
function asctime(d: Date): string {
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${day} ${time} ${d.getUTCFullYear()}`;
}

const FROM = Buffer.from('From ');
const QUOTED_FROM = Buffer.from('>From ');
const GT = 0x3e;
const LF = 0x0a;

/**
 * Adds the `>` of mboxrd quoting while streaming, in constant memory. The extra `>` may go
 * anywhere among the leading ones, so it is put right before `From `: only a partial `From ` at a
 * line start is ever held back (at most four bytes, re-created from FROM), however chunks are cut.
 * The flush ends the message with a newline (if it lacks one) and the empty separator line.
 */
export class MboxrdQuote extends Transform {
  /** Inside a line's leading `>`s, where a `From ` would need quoting. */
  private atLineStart = true;
  /** Bytes of `From ` matched at this line start and not yet written. */
  private matched = 0;
  private lastByte = LF;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const out: Buffer[] = [];
    let segment = 0;
    let i = 0;
    while (i < chunk.length) {
      if (!this.atLineStart) {
        const nl = chunk.indexOf(LF, i);
        i = nl === -1 ? chunk.length : nl + 1;
        this.atLineStart = nl !== -1;
        continue;
      }
      const byte = chunk[i]!;
      if (this.matched === 0 && byte === GT) {
        i++;
      } else if (byte === FROM[this.matched]) {
        if (this.matched === 0) out.push(chunk.subarray(segment, i));
        this.matched++;
        i++;
        if (this.matched === FROM.length) {
          out.push(QUOTED_FROM);
          this.matched = 0;
          this.atLineStart = false;
          segment = i;
        }
      } else {
        // Not a From line after all: what was held back goes out unchanged.
        if (this.matched > 0) {
          out.push(FROM.subarray(0, this.matched));
          this.matched = 0;
          segment = i;
        }
        this.atLineStart = byte === LF;
        i++;
      }
    }
    if (this.matched === 0) out.push(chunk.subarray(segment));
    if (chunk.length) this.lastByte = chunk[chunk.length - 1]!;
    callback(null, Buffer.concat(out));
  }

  override _flush(callback: TransformCallback): void {
    const held = FROM.subarray(0, this.matched);
    const separator = this.matched === 0 && this.lastByte === LF ? '\n' : '\n\n';
    callback(null, Buffer.concat([held, Buffer.from(separator)]));
  }
}

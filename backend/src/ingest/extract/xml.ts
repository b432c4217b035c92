/**
 * A streaming walk over XML for its text, enough for the parts of office documents. It is not a
 * validating parser: namespaces are reduced to local names, DTDs and unknown entities are left
 * alone (so no entity expansion can blow up), and malformed markup is read as text. Every scan
 * is linear (indexOf, no backtracking regular expressions over attacker-sized input).
 */
export interface XmlHandler {
  open?(name: string, tag: string, selfClosing: boolean): void;
  close?(name: string): void;
  text?(text: string): void;
}

/** A tag longer than this is malformed input, not XML an office suite wrote. */
const MAX_TAG = 256 * 1024;

export class XmlWalker {
  private buf = '';

  constructor(private readonly handler: XmlHandler) {}

  write(chunk: string): void {
    this.buf += chunk;
    this.drain(false);
  }

  end(): void {
    this.drain(true);
    this.buf = '';
  }

  private drain(final: boolean): void {
    const buf = this.buf;
    let pos = 0;
    while (pos < buf.length) {
      const lt = buf.indexOf('<', pos);
      if (lt < 0) {
        // An entity cut by the chunk boundary waits for the rest of it.
        const amp = buf.lastIndexOf('&');
        const cut = !final && amp >= pos && buf.indexOf(';', amp) < 0 && buf.length - amp < 16 ? amp : buf.length;
        this.text(buf.slice(pos, cut));
        pos = cut;
        break;
      }
      if (lt > pos) this.text(buf.slice(pos, lt));
      const end = this.markup(buf, lt);
      if (end < 0) {
        if (!final && buf.length - lt < MAX_TAG) {
          pos = lt;
          break;
        }
        pos = lt + 1;
        continue;
      }
      pos = end;
    }
    this.buf = buf.slice(pos);
  }

  /** Handles the markup at `lt`; returns the position after it, or -1 when it is incomplete. */
  private markup(buf: string, lt: number): number {
    if (buf.startsWith('<!--', lt)) return after(buf, '-->', lt + 4);
    if (buf.startsWith('<![CDATA[', lt)) {
      const close = buf.indexOf(']]>', lt + 9);
      if (close < 0) return -1;
      this.handler.text?.(buf.slice(lt + 9, close));
      return close + 3;
    }
    if (buf.startsWith('<?', lt)) return after(buf, '?>', lt + 2);
    if (buf.startsWith('<!', lt)) return after(buf, '>', lt + 2);
    const gt = tagEnd(buf, lt + 1);
    if (gt < 0) return -1;
    const closing = buf[lt + 1] === '/';
    const tag = buf.slice(lt + (closing ? 2 : 1), gt);
    const selfClosing = !closing && tag.endsWith('/');
    const name = localName(tag);
    if (closing) this.handler.close?.(name);
    else {
      this.handler.open?.(name, tag, selfClosing);
      if (selfClosing) this.handler.close?.(name);
    }
    return gt + 1;
  }

  private text(raw: string): void {
    if (raw && this.handler.text) this.handler.text(decodeEntities(raw));
  }
}

function after(buf: string, marker: string, from: number): number {
  const i = buf.indexOf(marker, from);
  return i < 0 ? -1 : i + marker.length;
}

/** The `>` closing a start or end tag, skipping quoted attribute values. */
function tagEnd(buf: string, from: number): number {
  let quote = '';
  const limit = Math.min(buf.length, from + MAX_TAG);
  for (let i = from; i < limit; i++) {
    const c = buf[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return -1;
}

function localName(tag: string): string {
  let end = 0;
  while (end < tag.length && !/[\s/]/.test(tag[end] as string)) end++;
  const qname = tag.slice(0, end);
  return qname.slice(qname.indexOf(':') + 1);
}

/** The value of attribute `name` (its local name, any prefix) in a tag's source, or undefined. */
export function attr(tag: string, name: string): string | undefined {
  for (let i = tag.indexOf(`${name}=`); i >= 0; i = tag.indexOf(`${name}=`, i + 1)) {
    const before = tag[i - 1];
    if (before !== ':' && !/\s/.test(before ?? '')) continue;
    const quote = tag[i + name.length + 1];
    if (quote !== '"' && quote !== "'") continue;
    const start = i + name.length + 2;
    const close = tag.indexOf(quote, start);
    return close < 0 ? undefined : decodeEntities(tag.slice(start, close));
  }
  return undefined;
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#[xX][0-9a-fA-F]{1,6}|#\d{1,7}|lt|gt|amp|quot|apos);/g, (whole, ref: string) => {
    if (ref[0] !== '#') return NAMED[ref] ?? whole;
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '';
  });
}

// Byte-level MIME for journal reports. The original message has to come out byte-exact, and a
// MIME parser that decodes and re-serialises (mailparser included) gives no offsets, so the
// header blocks and the multipart delimiters (RFC 2045/2046) are located on the raw bytes here.

const LF = 0x0a;
const CR = 0x0d;

export interface HeaderField {
  /** Lower-case. */
  name: string;
  /** Unfolded and trimmed; bytes read as latin1 so nothing is lost. */
  value: string;
}

export interface Entity {
  headers: HeaderField[];
  /** First byte of the body; `end` when the entity has no blank line after its headers. */
  bodyStart: number;
  /** False when the header block never ends (a truncated entity). */
  complete: boolean;
}

/** Reads the header block of the entity in raw[start, end). */
export function readEntity(raw: Buffer, start: number, end: number): Entity {
  let pos = start;
  const lines: string[] = [];
  while (pos < end) {
    const lf = raw.indexOf(LF, pos);
    const next = lf === -1 || lf >= end ? end : lf + 1;
    const text = raw.toString('latin1', pos, lineContentEnd(raw, pos, next));
    if (text === '' && next > pos && raw[next - 1] === LF) {
      return { headers: unfold(lines), bodyStart: next, complete: true };
    }
    lines.push(text);
    pos = next;
  }
  return { headers: unfold(lines), bodyStart: end, complete: false };
}

export function header(headers: HeaderField[], name: string): string | undefined {
  return headers.find((h) => h.name === name)?.value;
}

function unfold(lines: string[]): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const line of lines) {
    const last = fields[fields.length - 1];
    if (/^[ \t]/.test(line)) {
      if (last) last.value = `${last.value}${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.push({ name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1) });
  }
  for (const f of fields) f.value = f.value.trim();
  return fields;
}

/** End of a line's content: before its LF or CRLF. */
function lineContentEnd(raw: Buffer, start: number, next: number): number {
  let end = next;
  if (end > start && raw[end - 1] === LF) end--;
  if (end > start && raw[end - 1] === CR) end--;
  return end;
}

export interface ContentType {
  /** `type/subtype`, lower-case; `text/plain` when absent (RFC 2045 5.2). */
  mediaType: string;
  params: Record<string, string>;
}

export function parseContentType(value: string | undefined): ContentType {
  if (!value) return { mediaType: 'text/plain', params: {} };
  const [type = '', ...rest] = splitOutsideQuotes(value, ';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    params[p.slice(0, eq).trim().toLowerCase()] = unquote(p.slice(eq + 1).trim());
  }
  return { mediaType: type.trim().toLowerCase() || 'text/plain', params };
}

function splitOutsideQuotes(value: string, separator: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (quoted && c === '\\') {
      current += c + (value[++i] ?? '');
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === separator && !quoted) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out;
}

function unquote(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  return value.slice(1, -1).replace(/\\(.)/g, '$1');
}

/**
 * A delimiter line is `--boundary` or `--boundary--` followed only by linear white space
 * (RFC 2046 5.1.1). A line that merely starts with `--boundary` (an inner message whose own
 * boundary extends ours) is content, not a delimiter.
 */
function delimiterAt(raw: Buffer, lineStart: number, lineEnd: number, dash: Buffer): 'part' | 'close' | undefined {
  if (lineEnd - lineStart < dash.length || raw.compare(dash, 0, dash.length, lineStart, lineStart + dash.length) !== 0) {
    return undefined;
  }
  let pos = lineStart + dash.length;
  let kind: 'part' | 'close' = 'part';
  if (lineEnd - pos >= 2 && raw[pos] === 0x2d && raw[pos + 1] === 0x2d) {
    kind = 'close';
    pos += 2;
  }
  for (; pos < lineEnd; pos++) if (raw[pos] !== 0x20 && raw[pos] !== 0x09) return undefined;
  return kind;
}

/** True when some line of `content` would be read as a delimiter of `boundary`. */
export function containsDelimiter(content: Buffer, boundary: string): boolean {
  return findDelimiters(content, 0, content.length, boundary).length > 0;
}

interface Delimiter {
  lineStart: number;
  /** Start of the line after the delimiter. */
  next: number;
  kind: 'part' | 'close';
}

function findDelimiters(raw: Buffer, start: number, end: number, boundary: string): Delimiter[] {
  const dash = Buffer.from(`--${boundary}`, 'latin1');
  const found: Delimiter[] = [];
  let at = raw.indexOf(dash, start);
  while (at !== -1 && at < end) {
    if (at === start || raw[at - 1] === LF) {
      const lf = raw.indexOf(LF, at);
      const next = lf === -1 || lf >= end ? end : lf + 1;
      const kind = delimiterAt(raw, at, lineContentEnd(raw, at, next), dash);
      if (kind) {
        found.push({ lineStart: at, next, kind });
        if (kind === 'close') break;
      }
    }
    at = raw.indexOf(dash, at + dash.length);
  }
  return found;
}

export interface PartSpan {
  /** First byte of the part's headers. */
  start: number;
  /** End of the part's body: the line break before the next delimiter belongs to the delimiter. */
  end: number;
  /** False for a last part that no delimiter ends: the report was cut short. */
  terminated: boolean;
}

/** The body parts of the multipart body in raw[start, end); preamble and epilogue are skipped. */
export function splitMultipart(raw: Buffer, start: number, end: number, boundary: string): PartSpan[] {
  const delimiters = findDelimiters(raw, start, end, boundary);
  const parts: PartSpan[] = [];
  for (let i = 0; i < delimiters.length; i++) {
    const open = delimiters[i] as Delimiter;
    if (open.kind === 'close') break;
    const close = delimiters[i + 1];
    if (!close) {
      parts.push({ start: open.next, end, terminated: false });
      break;
    }
    parts.push({ start: open.next, end: Math.max(open.next, lineBreakBefore(raw, close.lineStart)), terminated: true });
  }
  return parts;
}

function lineBreakBefore(raw: Buffer, lineStart: number): number {
  let end = lineStart;
  if (raw[end - 1] === LF) end--;
  if (raw[end - 1] === CR) end--;
  return end;
}

/** Undoes a Content-Transfer-Encoding; undefined for an encoding this module does not know or bad base64. */
export function decodeTransfer(body: Buffer, encoding: string): Buffer | undefined {
  switch (encoding) {
    case '':
    case '7bit':
    case '8bit':
    case 'binary':
      return body;
    case 'base64': {
      const text = body.toString('latin1');
      if (!/^[A-Za-z0-9+/=\s]*$/.test(text)) return undefined;
      return Buffer.from(text, 'base64');
    }
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return undefined;
  }
}

function decodeQuotedPrintable(body: Buffer): Buffer {
  const text = body.toString('latin1').replace(/[ \t]+(?=\r?\n|$)/g, '').replace(/=\r?\n/g, '');
  return Buffer.from(text.replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
}

/** Decodes text in its declared charset; falls back to UTF-8 for a charset Node does not know. */
export function decodeCharset(bytes: Buffer, charset: string | undefined): { text: string; known: boolean } {
  try {
    return { text: new TextDecoder(charset || 'us-ascii').decode(bytes), known: true };
  } catch {
    return { text: new TextDecoder('utf-8').decode(bytes), known: false };
  }
}

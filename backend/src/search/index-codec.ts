/**
 * Byte formats of the search index (see index-store.ts for the design).
 *
 * A posting list is the ascending ordinals of a segment's messages, delta-encoded as varints:
 * ordinals follow newest-first order, so a frequent word costs about one byte per message.
 * A term record is the term, a bit mask of the fields it occurs in, and one list per field.
 */

export const FIELD_CODES = ['s', 'f', 't', 'n', 'b', 'a'] as const;
export type FieldCode = (typeof FIELD_CODES)[number];

export class ByteWriter {
  private buf: Buffer;
  length = 0;

  constructor(capacity = 1024) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.length++] = b;
  }

  varint(v: number): void {
    this.room(5);
    let x = v >>> 0;
    while (x >= 0x80) {
      this.buf[this.length++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.length++] = x;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /**
   * What another writer has written so far. Byte by byte: merged lists are a few bytes, and
   * `Buffer.copy` of part of a buffer makes a view of it first.
   */
  append(other: ByteWriter): void {
    const n = other.length;
    this.room(n);
    const from = other.buf;
    const to = this.buf;
    for (let i = 0, at = this.length; i < n; i++, at++) to[at] = from[i] as number;
    this.length += n;
  }

  /** `s` from code unit `from` on (a front-coded term's rest, without slicing it first). */
  string(s: string, from = 0): void {
    // Most terms are ASCII: copying code units beats a native call per short string.
    const length = s.length - from;
    if (length < 0x80) {
      this.room(length + 1);
      const at = this.length;
      let i = 0;
      for (; i < length; i++) {
        const c = s.charCodeAt(from + i);
        if (c >= 0x80) break;
        this.buf[at + 1 + i] = c;
      }
      if (i === length) {
        this.buf[at] = i;
        this.length = at + 1 + i;
        return;
      }
    }
    const rest = from === 0 ? s : s.slice(from);
    const n = Buffer.byteLength(rest, 'utf8');
    this.varint(n);
    this.room(n);
    this.length += this.buf.write(rest, this.length, n, 'utf8');
  }

  /** The bytes written so far (a view: the writer must not be used afterwards). */
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

const asBuffer = (b: Uint8Array) => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length));

export class ByteReader {
  pos: number;
  readonly buf: Buffer;

  constructor(
    buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.buf = asBuffer(buf);
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  byte(): number {
    return this.buf[this.pos++] as number;
  }

  varint(): number {
    let shift = 0;
    let v = 0;
    for (;;) {
      const b = this.buf[this.pos++] as number;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
  }

  bytes(n: number): Buffer {
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    const n = this.varint();
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

/**
 * Ascending ordinals → delta varints, sized exactly before they are written: merges encode a list
 * per term and field, most of a few bytes, and a writer's default kilobyte each was most of what
 * they allocated.
 */
export function encodeList(ords: ArrayLike<number>): Uint8Array {
  let size = 0;
  let prev = -1;
  for (let i = 0; i < ords.length; i++) {
    size += varintBytes((ords[i] as number) - prev);
    prev = ords[i] as number;
  }
  const w = new ByteWriter(size);
  appendList(w, ords, ords.length);
  return w.result();
}

/** The first `n` of ascending ordinals as a list's delta varints, after what `w` holds. */
export function appendList(w: ByteWriter, ords: ArrayLike<number>, n: number): void {
  let prev = -1;
  for (let i = 0; i < n; i++) {
    const o = ords[i] as number;
    w.varint(o - prev);
    prev = o;
  }
}

/**
 * The ordinals of the list from `r.pos` to `to` through `remap` (old → new, -1: dropped), written
 * to `out` from `n` on; returns the new count. `out` must have room for `to - r.pos` more (a list
 * holds at most one ordinal per byte).
 */
export function decodeListInto(r: ByteReader, to: number, remap: Int32Array, out: Uint32Array, n: number): number {
  let o = -1;
  while (r.pos < to) {
    o += r.varint();
    const m = remap[o] as number;
    if (m >= 0) out[n++] = m;
  }
  return n;
}

const varintBytes = (v: number) => (v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5);

export function decodeList(bytes: Uint8Array): number[] {
  const out: number[] = [];
  const r = new ByteReader(bytes);
  let o = -1;
  while (!r.done) {
    o += r.varint();
    out.push(o);
  }
  return out;
}

/** One message per bit, ordinal order. */
export class Bits {
  readonly words: Uint32Array;

  constructor(
    readonly n: number,
    words?: Uint32Array,
  ) {
    this.words = words ?? new Uint32Array((n + 31) >>> 5);
  }

  static all(n: number): Bits {
    const b = new Bits(n);
    b.words.fill(0xffffffff);
    b.trim();
    return b;
  }

  /** Ordinals [from, to). */
  static range(n: number, from: number, to: number): Bits {
    const b = new Bits(n);
    for (let i = Math.max(0, from); i < Math.min(n, to); i++) b.set(i);
    return b;
  }

  private trim(): void {
    const extra = this.words.length * 32 - this.n;
    if (extra > 0) this.words[this.words.length - 1] = (this.words[this.words.length - 1] as number) & (0xffffffff >>> extra);
  }

  set(i: number): void {
    this.words[i >>> 5] = (this.words[i >>> 5] as number) | (1 << (i & 31));
  }

  has(i: number): boolean {
    return (((this.words[i >>> 5] as number) >>> (i & 31)) & 1) === 1;
  }

  /** Sets every ordinal of an encoded list. */
  addList(bytes: Uint8Array): void {
    const r = new ByteReader(bytes);
    let o = -1;
    while (!r.done) {
      o += r.varint();
      if (o < this.n) this.words[o >>> 5] = (this.words[o >>> 5] as number) | (1 << (o & 31));
    }
  }

  and(other: Bits): Bits {
    const w = new Uint32Array(this.words.length);
    for (let i = 0; i < w.length; i++) w[i] = (this.words[i] as number) & (other.words[i] as number);
    return new Bits(this.n, w);
  }

  or(other: Bits): Bits {
    const w = new Uint32Array(this.words.length);
    for (let i = 0; i < w.length; i++) w[i] = (this.words[i] as number) | (other.words[i] as number);
    return new Bits(this.n, w);
  }

  not(): Bits {
    const w = new Uint32Array(this.words.length);
    for (let i = 0; i < w.length; i++) w[i] = ~(this.words[i] as number);
    const b = new Bits(this.n, w);
    b.trim();
    return b;
  }

  count(): number {
    let c = 0;
    for (let i = 0; i < this.words.length; i++) {
      let v = this.words[i] as number;
      v -= (v >>> 1) & 0x55555555;
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      c += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return c;
  }

  isEmpty(): boolean {
    return this.words.every((w) => w === 0);
  }

  /** The first set ordinal at or after `from`, or -1. */
  next(from: number): number {
    if (from >= this.n) return -1;
    let wi = from >>> 5;
    let word = (this.words[wi] as number) & (0xffffffff << (from & 31));
    for (;;) {
      if (word !== 0) {
        const o = (wi << 5) + (31 - Math.clz32(word & -word));
        return o < this.n ? o : -1;
      }
      if (++wi >= this.words.length) return -1;
      word = this.words[wi] as number;
    }
  }
}

/** The lists of one term in one segment, by field. */
export interface TermRecord {
  term: string;
  lists: Partial<Record<FieldCode, Uint8Array>>;
}

function sharedPrefix(a: string, b: string): number {
  const max = Math.min(a.length, b.length, 255);
  let i = 0;
  while (i < max && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  // Never between the halves of a surrogate pair: the rest is written as UTF-8.
  if (i > 0 && a.charCodeAt(i - 1) >= 0xd800 && a.charCodeAt(i - 1) <= 0xdbff) i--;
  return i;
}

/**
 * A merged term's lists, built in place, one reusable writer per field (a merge writes hundreds
 * of thousands of terms: no list, record or buffer object per term).
 */
export class MergedTerm {
  term = '';
  readonly lists: ByteWriter[] = FIELD_CODES.map(() => new ByteWriter(256));

  /** Starts the next term: every field's list empty. */
  reset(term: string): void {
    this.term = term;
    for (const w of this.lists) w.length = 0;
  }

  get empty(): boolean {
    return this.lists.every((w) => w.length === 0);
  }
}

/** The byte length of field c's list (0: the term is not in that field). */
function listBytes(rec: TermRecord | MergedTerm, c: number): number {
  return rec instanceof MergedTerm ? (rec.lists[c] as ByteWriter).length : (rec.lists[FIELD_CODES[c] as FieldCode]?.length ?? 0);
}

/**
 * Writes term records in term order. Terms are front-coded (the length shared with the previous
 * term, then the rest): sorted terms share long prefixes, word pairs above all.
 */
export class TermRecordWriter {
  private prev = '';

  constructor(readonly out: ByteWriter) {}

  write(rec: TermRecord | MergedTerm): void {
    const shared = sharedPrefix(this.prev, rec.term);
    this.out.byte(shared);
    this.out.string(rec.term, shared);
    this.prev = rec.term;
    let mask = 0;
    for (let c = 0; c < FIELD_CODES.length; c++) if (listBytes(rec, c) > 0) mask |= 1 << c;
    this.out.byte(mask);
    for (let c = 0; c < FIELD_CODES.length; c++) {
      const n = listBytes(rec, c);
      if (n === 0) continue;
      this.out.varint(n);
      if (rec instanceof MergedTerm) this.out.append(rec.lists[c] as ByteWriter);
      else this.out.bytes(rec.lists[FIELD_CODES[c] as FieldCode] as Uint8Array);
    }
  }
}

/**
 * Walks the term records of a bucket where they lie, with no object per record (merges read
 * hundreds of thousands). Field c of the current record is `buf[from[c]..to[c])`, empty when the
 * term is not in that field (bit c of a record's mask is field c of FIELD_CODES).
 */
export class TermRecordWalker {
  term = '';
  readonly from = new Int32Array(FIELD_CODES.length);
  readonly to = new Int32Array(FIELD_CODES.length);
  private readonly r: ByteReader;
  /** Reads the current record's lists (`r` is past the record). */
  private readonly lists: ByteReader;
  /** The term's UTF-8 bytes while it is ASCII (`ascii`): then a shared prefix is as many bytes. */
  private readonly bytes = Buffer.allocUnsafe(512);
  private ascii = true;

  constructor(buf: Uint8Array) {
    this.r = new ByteReader(buf);
    this.lists = new ByteReader(buf);
  }

  get buf(): Buffer {
    return this.r.buf;
  }

  /** Field c's list of the current record through `remap`, as decodeListInto; the new count. */
  decodeList(c: number, remap: Int32Array, out: Uint32Array, n: number): number {
    this.lists.pos = this.from[c] as number;
    return decodeListInto(this.lists, this.to[c] as number, remap, out, n);
  }

  /** Moves to the next record; false past the last. */
  advance(): boolean {
    const r = this.r;
    if (r.done) return false;
    this.term = this.nextTerm(r.byte());
    const mask = r.byte();
    for (let c = 0; c < FIELD_CODES.length; c++) {
      const n = mask & (1 << c) ? r.varint() : 0;
      this.from[c] = r.pos;
      this.to[c] = r.pos + n;
      r.pos += n;
    }
    return true;
  }

  /**
   * The previous term's first `shared` code units and the rest read here, made as one string
   * (slicing and concatenating made three) while the terms are ASCII, as most are.
   */
  private nextTerm(shared: number): string {
    const r = this.r;
    const at = r.pos;
    const n = r.varint();
    const start = r.pos;
    r.pos += n;
    let ascii = this.ascii && shared + n <= this.bytes.length;
    for (let i = 0; ascii && i < n; i++) ascii = (r.buf[start + i] as number) < 0x80;
    if (!ascii) {
      r.pos = at;
      this.ascii = false;
      const term = this.term.slice(0, shared) + r.string();
      this.ascii = term.length <= this.bytes.length && /^[\0-\x7f]*$/.test(term);
      if (this.ascii) this.bytes.write(term, 0, 'latin1');
      return term;
    }
    for (let i = 0; i < n; i++) this.bytes[shared + i] = r.buf[start + i] as number;
    return this.bytes.toString('latin1', 0, shared + n);
  }
}

/** Term records of a bucket, in term order; lists are views into `buf`. */
export function* readTermRecords(buf: Uint8Array): Generator<TermRecord> {
  const walker = new TermRecordWalker(buf);
  while (walker.advance()) {
    const lists: TermRecord['lists'] = {};
    for (let c = 0; c < FIELD_CODES.length; c++) {
      if ((walker.to[c] as number) > (walker.from[c] as number)) lists[FIELD_CODES[c] as FieldCode] = walker.buf.subarray(walker.from[c], walker.to[c]);
    }
    yield { term: walker.term, lists };
  }
}

/** Sizes of a term record without building it (to cut buckets). */
export function termRecordBytes(rec: TermRecord | MergedTerm): number {
  let n = utf8Length(rec.term) + 3;
  for (let c = 0; c < FIELD_CODES.length; c++) {
    const bytes = listBytes(rec, c);
    if (bytes > 0) n += bytes + 3;
  }
  return n;
}

/** Buffer.byteLength without a native call per (short) term. */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A surrogate pair is 4 bytes: 3 counted for each half would be 6.
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? 1 : 3;
  }
  return n;
}

/** Small counts as varints (terms per bucket). */
export function encodeCounts(values: readonly number[]): Buffer {
  const w = new ByteWriter();
  for (const v of values) w.varint(v);
  return w.result();
}

export function decodeCounts(buf: Uint8Array): number[] {
  const out: number[] = [];
  const r = new ByteReader(buf);
  while (!r.done) out.push(r.varint());
  return out;
}

/** A list of strings as bytes (bucket directories). */
export function encodeStrings(values: readonly string[]): Buffer {
  const w = new ByteWriter();
  w.varint(values.length);
  for (const v of values) w.string(v);
  return w.result();
}

export function decodeStrings(buf: Uint8Array): string[] {
  const r = new ByteReader(buf);
  const n = r.varint();
  return Array.from({ length: n }, () => r.string());
}

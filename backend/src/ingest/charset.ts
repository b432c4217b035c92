import chardet from 'chardet';
import iconv from 'iconv-lite';
import { decode, normalizeCharset } from 'libmime/lib/charset.js';

/**
 * Bytes whose charset a message does not say (or says wrongly: "us-ascii" over 8-bit text, a
 * name nobody knows) decoded as mail clients do: UTF-8 when they are valid UTF-8, else the first
 * hint that decodes them cleanly (an HTML part's <meta charset>, the charsets the message names
 * elsewhere), else what a detector is confident of, else windows-1252, whose every byte is a
 * character. Linear in the bytes; the detector sees a bounded sample.
 */

/** Charsets never decoded from: UTF-7 can smuggle markup past filters; base64 and hex are no charsets. */
const REFUSED = /^(?:(?:cs)?unicode11)?utf7(?:imap)?$|^base64$|^hex$/;
const JAPANESE = /^jis|^iso-?2022-?jp|^eucjp/i;
const ASCII_NAMES = /^(?:us-?)?ascii$|^ansi_x3\.4-1968$|^iso646-us$/i;
/** What the detector reads: enough to tell charsets apart, small enough to cost a few milliseconds. */
const SAMPLE_BYTES = 16 * 1024;
/** Below this the detector is guessing (its scale is 0–100). */
const MIN_CONFIDENCE = 30;
const FALLBACK = 'windows-1252';
/** The <meta> that names a charset sits in the head: only the start of an HTML part is read for it. */
const META_SCAN_BYTES = 4096;

/** A charset name this process can decode, in the form libmime decodes it, or null. */
export function knownCharset(name: string | undefined | null): string | null {
  const raw = (name ?? '').trim().replace(/^["']|["']$/g, '');
  if (!raw || REFUSED.test(raw.toLowerCase().replace(/[^a-z0-9]/g, ''))) return null;
  const normalized = normalizeCharset(raw);
  if (JAPANESE.test(normalized) || /^utf-?8$/i.test(normalized)) return normalized;
  return iconv.encodingExists(normalized) ? normalized : null;
}

/** Whether a declared charset says nothing about 8-bit bytes (ASCII) or nothing usable. */
export function isUninformative(name: string | undefined | null): boolean {
  return !name || ASCII_NAMES.test(name.trim()) || knownCharset(name) === null;
}

export function hasEightBit(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b >= 0x80) return true;
  return false;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/** `bytes` in `charset`, or null when they are not text in it (a multi-byte charset's bad sequences). */
function cleanlyIn(bytes: Buffer, charset: string): string | null {
  const text = decode(bytes, charset);
  return text.includes('\ufffd') ? null : text;
}

export interface Decoded {
  text: string;
  charset: string;
}

/** Decodes bytes of an undeclared charset; `hints` are tried in order after UTF-8. */
export function decodeUndeclared(bytes: Buffer, hints: readonly (string | null | undefined)[] = []): Decoded {
  if (!hasEightBit(bytes)) return { text: bytes.toString('latin1'), charset: 'us-ascii' };
  const utf8 = utf8OrNull(bytes);
  if (utf8 !== null) return { text: utf8, charset: 'utf-8' };
  for (const hint of hints) {
    const charset = knownCharset(hint);
    if (!charset || /^utf-?8$/i.test(charset)) continue;
    const text = cleanlyIn(bytes, charset);
    if (text !== null) return { text, charset: preferSuperset(charset) };
  }
  const detected = detect(bytes);
  const charset = detected ?? FALLBACK;
  return { text: decode(bytes, charset), charset };
}

/** Windows-1252 is what "ISO-8859-1" mail really is (its C1 range holds quotes and dashes). */
function preferSuperset(charset: string): string {
  return /^iso-8859-1$/i.test(charset) ? FALLBACK : charset;
}

function detect(bytes: Buffer): string | null {
  const sample = sampleAround8Bit(bytes);
  for (const match of chardet.analyse(sample)) {
    if (match.confidence < MIN_CONFIDENCE) return null;
    const charset = knownCharset(match.name);
    // UTF-16/32 guesses on 8-bit mail are noise: such bodies come with a BOM and a declaration.
    if (charset && !/^utf-(16|32)/i.test(charset)) return preferSuperset(charset);
  }
  return null;
}

/** The first 8-bit bytes and what surrounds them: where the charset shows, not a page of ASCII headers. */
function sampleAround8Bit(bytes: Buffer): Buffer {
  if (bytes.length <= SAMPLE_BYTES) return bytes;
  const first = bytes.findIndex((b) => b >= 0x80);
  const start = Math.max(0, Math.min(first - 256, bytes.length - SAMPLE_BYTES));
  return bytes.subarray(start, start + SAMPLE_BYTES);
}

/** The charset an HTML document names in its <meta>, from its first bytes. */
export function metaCharset(bytes: Buffer): string | null {
  const head = bytes.subarray(0, META_SCAN_BYTES).toString('latin1');
  const tag = /<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:+-]{1,40})/i.exec(head);
  return tag ? knownCharset(tag[1]) : null;
}

/** The charsets a message's RFC 2047 words use (`=?iso-8859-1?Q?…?=`), in order of appearance. */
export function encodedWordCharsets(headerText: string): string[] {
  const out: string[] = [];
  for (const m of headerText.matchAll(/=\?([^?*\s]{1,40})(?:\*[^?]*)?\?[BbQq]\?/g)) {
    const charset = knownCharset(m[1]);
    if (charset && !out.includes(charset)) out.push(charset);
  }
  return out;
}

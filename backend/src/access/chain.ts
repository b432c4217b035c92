import { createHash } from 'node:crypto';
import type { AuditDoc } from '../store/audit';

/**
 * The hash chain's content rules. hash(n) = SHA-256(hash(n-1) + canonical JSON of entry n),
 * where the entry is every stored field except `_id` (as `seq`), `prev` and `hash`. Canonical
 * JSON: object keys sorted by UTF-16 code units, no whitespace, dates as ISO strings (RFC 8785
 * style), so that anyone can re-verify an exported trail with a few lines of any language.
 */
export type EntryContent = Omit<AuditDoc, '_id' | 'prev' | 'hash'>;

export function sealEntry(content: EntryContent, seq: number, prev: string): AuditDoc {
  const doc: AuditDoc = { _id: seq, ...content, prev, hash: '' };
  doc.hash = entryHash(doc);
  return doc;
}

export function entryHash(doc: AuditDoc): string {
  const { _id, prev, hash: _hash, ...content } = doc;
  return createHash('sha256')
    .update(prev + canonicalJson({ seq: _id, ...content }))
    .digest('hex');
}

export function canonicalJson(value: unknown): string {
  return canon(JSON.parse(JSON.stringify(value) ?? 'null'));
}

function canon(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canon(o[k])}`).join(',')}}`;
}

const MAX_STRING = 2_000;
const MAX_ITEMS = 1_000;
const MAX_DEPTH = 8;
/** Secrets never enter the trail, whatever a caller passes. */
const SECRET_KEY = /(password|passwd|secret|token|authorization|cookie|api_?key|credentials?)$/i;
/** Nor message content: the trail says who touched which message, never what it says. */
const CONTENT_KEY = /^(body|body_?text|body_?html|html|raw|mime|eml|content|attachment_?text)$/i;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Brings details to plain JSON that survives a BSON round trip unchanged (else a stored entry
 * would no longer match its hash): no undefined, Buffers, lone surrogates, `$` or `.` in keys;
 * bounded in size; secrets and message content replaced by '[redacted]'.
 */
export function cleanDetails(details: Record<string, unknown>): Record<string, unknown> {
  return cleanObject(details, 0);
}

export function cleanString(s: string, max = MAX_STRING): string {
  const well = s.replace(LONE_SURROGATE, '\uFFFD').replace(/\0/g, '');
  return well.length > max ? `${well.slice(0, max)}…` : well;
}

function cleanObject(o: object, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const entries = o instanceof Map ? [...o.entries()] : Object.entries(o);
  for (const [rawKey, value] of entries) {
    const key = cleanString(String(rawKey), 200).replace(/^\$/, '_').replace(/\./g, '_');
    const clean = SECRET_KEY.test(key) || CONTENT_KEY.test(key) ? '[redacted]' : cleanValue(value, depth + 1);
    if (clean !== undefined) out[key] = clean;
  }
  return out;
}

function cleanValue(v: unknown, depth: number): unknown {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return cleanString(v);
  if (typeof v !== 'object') return undefined;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return `[binary, ${v.byteLength} bytes]`;
  if (depth > MAX_DEPTH) return '[nested too deep]';
  if (Array.isArray(v) || v instanceof Set) return cleanArray([...v], depth);
  const json = (v as { toJSON?: () => unknown }).toJSON;
  if (typeof json === 'function') return cleanValue(json.call(v), depth + 1);
  return cleanObject(v, depth);
}

function cleanArray(items: unknown[], depth: number): unknown[] {
  const kept = items.slice(0, MAX_ITEMS).map((x) => cleanValue(x, depth + 1) ?? null);
  return items.length > MAX_ITEMS ? [...kept, `…and ${items.length - MAX_ITEMS} more`] : kept;
}

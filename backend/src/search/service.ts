/**
 * Searching one archive or every archive the caller may read (MISSION M10): access check,
 * evaluation per segment (plan.ts), newest-first pages cut by an opaque cursor, snippets, audit.
 */
import { archivesFor, audit, requireArchive } from '../access';
import type { Caller } from '../access/caller';
import { DomainError, invalidInput } from '../errors';
import type { Store } from '../store';
import { listIndexedArchives } from '../store/postings';
import { openSegment, SegmentGoneError, type SegmentView } from './index-bucketed';
import type { Bits, TermRecord } from './index-codec';
import { readIndexState } from './index-manifest';
import { ordinalAfter, ordinalBeforeDate, type Columns } from './index-segment';
import { indexCtx, resultId } from './index-store';
import { deadBits, TombstoneGoneError } from './index-tomb';
import { evaluate, isApproximate, lookupsOf, type Lookups } from './plan';
import { describeQuery, parseQuery, type Query } from './query';
import { findByMessageId, messageIdOf } from './message-id';
import { scoreLevels } from './relevance';
import { highlightRanges, highlightTerms, makeSnippet } from './snippet';

export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 100;
const SEGMENT_CONCURRENCY = 16;

export interface SearchInput {
  q: string;
  /** An archive id, or 'all' for every archive the caller may read. */
  archive: string;
  cursor?: string;
  limit?: number;
  /** Newest first (the default), or by relevance (relevance.ts), newest first within a score. */
  sort?: SortOrder;
}

export type SortOrder = 'date' | 'relevance';

export interface SearchHit {
  id: string;
  archiveId: string;
  subject: string;
  from: { name: string; address: string } | null;
  date: string;
  folder: string;
  size: number;
  hasAttachments: boolean;
  snippet: string;
  highlights: { start: number; end: number }[];
  /** The words of the subject the query looks for. */
  subjectHighlights: { start: number; end: number }[];
}

export interface SearchResult {
  value: SearchHit[];
  total: number;
  totalIsEstimate: boolean;
  nextCursor: string | null;
}

export interface RequestInfo {
  ip?: string;
  userAgent?: string;
}

/** A position in the result order: relevance score, received second, archive key, docNo (all descending). */
export interface SortKey {
  /** Only in relevance order. */
  s?: number;
  d: number;
  k: string;
  n: number;
}

const before = (a: SortKey, b: SortKey) => a.d > b.d || (a.d === b.d && (a.k > b.k || (a.k === b.k && a.n > b.n)));

export function encodeCursor(key: SortKey): string {
  const parts = [key.d, key.k, key.n];
  return Buffer.from(JSON.stringify(key.s === undefined ? parts : [...parts, key.s])).toString('base64url');
}

export function decodeCursor(raw: string, sort: SortOrder = 'date'): SortKey {
  const bad = () => invalidInput('cursor', 'not a cursor from a previous page of this search');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== (sort === 'relevance' ? 4 : 3)) throw bad();
  const [d, k, n, s] = parsed as unknown[];
  const count = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
  if (!count(d) || typeof k !== 'string' || !/^[0-9a-f]{16}$/.test(k) || !count(n) || (sort === 'relevance' && !count(s))) throw bad();
  return { d: d as number, k, n: n as number, ...(sort === 'relevance' ? { s: s as number } : {}) };
}

export interface SegmentHits {
  archiveId: string;
  key: string;
  view: SegmentView;
  cols: Columns;
  /** The posting lists the query read (relevance scores them again by field). */
  records: TermRecord[];
  bits: Bits;
}

/** A small semaphore: searches over many archives must not open hundreds of lookups at once. */
function limiter(max: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= max) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

async function searchArchive(store: Pick<Store, 'searchDb'>, archiveId: string, q: Query, lookups: Lookups, run: ReturnType<typeof limiter>): Promise<SegmentHits[]> {
  const needsRecords = lookups.terms.length > 0 || lookups.prefixes.length > 0;
  for (let attempt = 0; ; attempt++) {
    try {
      const ctx = await indexCtx(store, archiveId);
      const state = await run(() => readIndexState(ctx, { own: attempt > 0 }));
      const infos = [...state.manifest.segs, ...state.batches.map((b) => b.seg)];
      const tombs = [...state.manifest.tomb, ...state.deletes];
      return await Promise.all(infos.map((info) => run(async () => {
        const view = await openSegment(ctx, info);
        const [cols, records] = await Promise.all([view.columns(), needsRecords ? view.records(lookups.terms, lookups.prefixes) : []]);
        // Deleted messages (retention, erasure) are left out of results and totals alike.
        const dead = await deadBits(ctx, info, cols, tombs);
        const bits = evaluate(q, { cols, records });
        return { archiveId, key: ctx.key, view, cols, records, bits: dead ? bits.and(dead.not()) : bits };
      })));
    } catch (err) {
      // A merge dropped a segment (or deletion) this search was about to read: read the newer manifest.
      if (!(err instanceof SegmentGoneError || err instanceof TombstoneGoneError) || attempt >= 2) throw err;
    }
  }
}

/** First ordinal of a segment that comes after the cursor in the result order. */
function startOrdinal(s: SegmentHits, cursor: SortKey | null): number {
  if (!cursor) return 0;
  if (s.key < cursor.k) return ordinalBeforeDate(s.cols, cursor.d + 1);
  if (s.key > cursor.k) return ordinalBeforeDate(s.cols, cursor.d);
  return ordinalAfter(s.cols, cursor.d, cursor.n);
}

export interface Hit {
  seg: SegmentHits;
  ord: number;
  key: SortKey;
}

/** The next `limit` hits after the cursor across segments in date order, plus whether more follow. */
export function page(segments: SegmentHits[], cursor: SortKey | null, limit: number): { hits: Hit[]; more: boolean } {
  const heads = segments.map((seg) => ({ seg, ord: seg.bits.next(startOrdinal(seg, cursor)) }));
  const keyOf = (h: { seg: SegmentHits; ord: number }): SortKey => ({ d: h.seg.cols.date[h.ord] as number, k: h.seg.key, n: h.seg.cols.docNo[h.ord] as number });
  const hits: Hit[] = [];
  for (;;) {
    let best: (typeof heads)[number] | null = null;
    for (const h of heads) if (h.ord >= 0 && (!best || before(keyOf(h), keyOf(best)))) best = h;
    if (!best) return { hits, more: false };
    if (hits.length === limit) return { hits, more: true };
    hits.push({ seg: best.seg, ord: best.ord, key: keyOf(best) });
    best.ord = best.seg.bits.next(best.ord + 1);
  }
}

/** `page` in relevance order: score level by score level, each newest first. */
function pageByRelevance(segments: SegmentHits[], q: Query, cursor: SortKey | null, limit: number): { hits: Hit[]; more: boolean } {
  const byScore = new Map<number, SegmentHits[]>();
  for (const seg of segments) {
    for (const { score, bits } of scoreLevels(q, seg, seg.bits)) byScore.set(score, [...(byScore.get(score) ?? []), { ...seg, bits }]);
  }
  const hits: Hit[] = [];
  for (const score of [...byScore.keys()].sort((a, b) => b - a)) {
    if (cursor && score > (cursor.s ?? 0)) continue;
    const level = page(byScore.get(score)!, cursor?.s === score ? cursor : null, limit - hits.length);
    hits.push(...level.hits.map((h) => ({ ...h, key: { ...h.key, s: score } })));
    if (level.more) return { hits, more: true };
  }
  return { hits, more: false };
}

async function toResults(hits: Hit[], q: Query): Promise<SearchHit[]> {
  const bySegment = new Map<SegmentHits, number[]>();
  for (const h of hits) bySegment.set(h.seg, [...(bySegment.get(h.seg) ?? []), h.ord]);
  const summaries = new Map<SegmentHits, Awaited<ReturnType<SegmentView['summaries']>>>();
  await Promise.all([...bySegment].map(async ([seg, ords]) => summaries.set(seg, await seg.view.summaries(ords))));
  const terms = highlightTerms(q);
  const subjectTerms = highlightTerms(q, 'subject');
  const seen = new Set<string>();
  const out: SearchHit[] = [];
  for (const h of hits) {
    const s = summaries.get(h.seg)?.get(h.ord);
    if (!s) continue;
    const id = resultId(h.seg.archiveId, s.sha);
    if (seen.has(id)) continue;
    seen.add(id);
    const { snippet, highlights } = makeSnippet(s.text, terms);
    out.push({ id, archiveId: h.seg.archiveId, subject: s.subject, from: s.from, date: new Date(s.at).toISOString(), folder: s.folder, size: s.size, hasAttachments: s.att, snippet, highlights, subjectHighlights: highlightRanges(s.subject, subjectTerms) });
  }
  return out;
}

/** Searches archives already authorised, without auditing (the service's core; benchmarks). */
export async function searchIndex(store: Pick<Store, 'searchDb'>, archives: readonly string[], q: Query, opts: { cursor?: SortKey | null; limit?: number; sort?: SortOrder } = {}): Promise<SearchResult> {
  const limit = Math.min(Math.max(opts.limit ?? DEFAULT_LIMIT, 1), MAX_LIMIT);
  const segments = await matchingSegments(store, archives, q);
  const total = segments.reduce((n, s) => n + s.bits.count(), 0);
  const cursor = opts.cursor ?? null;
  const { hits, more } = opts.sort === 'relevance' ? pageByRelevance(segments, q, cursor, limit) : page(segments, cursor, limit);
  const value = await toResults(hits, q);
  const last = hits.at(-1);
  return { value, total, totalIsEstimate: isApproximate(q), nextCursor: more && last ? encodeCursor(last.key) : null };
}

/** Every segment of these archives with the ordinals the query matches (deleted messages left out). */
export async function matchingSegments(store: Pick<Store, 'searchDb'>, archives: readonly string[], q: Query): Promise<SegmentHits[]> {
  const lookups = lookupsOf(q);
  const run = limiter(SEGMENT_CONCURRENCY);
  return (await Promise.all(archives.map((a) => searchArchive(store, a, q, lookups, run)))).flat();
}

/** The archives to search: the one asked for (404 unless the caller may read it), or all of theirs. */
export async function archivesToSearch(store: Store, caller: Caller, archive: string): Promise<string[]> {
  if (archive !== 'all') {
    await requireArchive(store, caller, archive, 'read', 'Archive');
    return [archive];
  }
  const mine = await archivesFor(store, caller, 'read');
  return mine === 'all' ? listIndexedArchives(store) : mine;
}

/** Parses, authorises, searches and audits. Query errors surface as QuerySyntaxError. */
export async function searchArchives(store: Store, caller: Caller, input: SearchInput, where: RequestInfo = {}): Promise<SearchResult> {
  const single = input.archive === 'all' ? undefined : input.archive;
  const details: Record<string, unknown> = { query: input.q, archive: input.archive, page: input.cursor ? 'next' : 'first', ...(input.sort === 'relevance' ? { sort: 'relevance' } : {}) };
  try {
    const messageId = messageIdOf(input.q);
    const q = messageId ? null : parseQuery(input.q);
    details.parsed = q ? describeQuery(q) : `Message-ID <${messageId}>`;
    const cursor = input.cursor ? decodeCursor(input.cursor, input.sort) : null;
    const archives = await archivesToSearch(store, caller, input.archive);
    const result = q ? await searchIndex(store, archives, q, { cursor, limit: input.limit, sort: input.sort }) : await findByMessageId(store, archives, messageId!);
    await audit(store, { caller, action: 'search', archiveId: single, details: { ...details, archives: archives.length, total: result.total, returned: result.value.length }, ...where });
    return result;
  } catch (err) {
    // Refused and malformed searches are recorded too; the audit of a failure never hides it.
    const outcome = err instanceof DomainError ? err.code : err instanceof Error ? err.name : 'error';
    await audit(store, { caller, action: 'search', archiveId: single, details: { ...details, outcome }, ...where }).catch(() => undefined);
    throw err;
  }
}

/**
 * Counts of a search's results by folder, year, attachment and sender, for the add-in's facet
 * panel. FerretDB has no $facet, and the results may be millions, so the counts come from the
 * index itself: folder, year and attachment from the segments' columns over the matching
 * ordinals (exact, linear in the segments, no message read); senders from the summaries of the
 * newest SENDER_SAMPLE hits (the one part that reads stored data, so it has a budget and says
 * how many messages it looked at).
 */
import { audit } from '../access';
import type { Caller } from '../access/caller';
import type { Store } from '../store';
import { parseQuery } from './query';
import { archivesToSearch, matchingSegments, page, type RequestInfo, type SegmentHits } from './service';

export const SENDER_SAMPLE = 500;
const TOP = 10;

export interface FacetCount<T> {
  value: T;
  count: number;
}

export interface Facets {
  total: number;
  /** Every folder holding results, most results first (the folder filter lists them). */
  folders: FacetCount<string>[];
  /** Newest year first. */
  years: FacetCount<number>[];
  hasAttachment: number;
  /** The most frequent senders among the newest `sendersSampled` results. */
  senders: (FacetCount<string> & { name: string })[];
  sendersSampled: number;
}

const byCount = <T>(m: Map<T, number>): FacetCount<T>[] => [...m].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count);
const add = <T>(m: Map<T, number>, key: T, n: number) => m.set(key, (m.get(key) ?? 0) + n);
const yearStart = (y: number) => Date.UTC(y, 0, 1) / 1000;

/** Per year of received time: ordinals are newest first, so a year is one run of them. */
function countYears(seg: SegmentHits, years: Map<number, number>): void {
  const { cols, bits } = seg;
  for (let o = bits.next(0); o >= 0; ) {
    const year = new Date((cols.date[o] as number) * 1000).getUTCFullYear();
    const start = yearStart(year);
    let n = 0;
    while (o >= 0 && (cols.date[o] as number) >= start) {
      n++;
      o = bits.next(o + 1);
    }
    add(years, year, n);
  }
}

function countColumns(seg: SegmentHits, folders: Map<string, number>): number {
  const perFolder = new Uint32Array(seg.cols.folders.length);
  let attached = 0;
  for (let o = seg.bits.next(0); o >= 0; o = seg.bits.next(o + 1)) {
    perFolder[seg.cols.folder[o] as number]!++;
    attached += (seg.cols.flags[o] as number) & 1;
  }
  // Journal and imported mail has no folder ('').
  seg.cols.folders.forEach((f, i) => f && perFolder[i] && add(folders, f, perFolder[i]!));
  return attached;
}

async function countSenders(segments: SegmentHits[]): Promise<{ senders: Facets['senders']; sampled: number }> {
  const { hits } = page(segments, null, SENDER_SAMPLE);
  const bySeg = new Map<SegmentHits, number[]>();
  for (const h of hits) bySeg.set(h.seg, [...(bySeg.get(h.seg) ?? []), h.ord]);
  const counts = new Map<string, number>();
  const names = new Map<string, string>();
  for (const [seg, ords] of bySeg) {
    const summaries = await seg.view.summaries(ords);
    for (const o of ords) {
      const from = summaries.get(o)?.from;
      if (!from?.address) continue;
      const address = from.address.toLowerCase();
      add(counts, address, 1);
      if (from.name && !names.has(address)) names.set(address, from.name);
    }
  }
  const senders = byCount(counts).slice(0, TOP).map((c) => ({ ...c, name: names.get(c.value) ?? '' }));
  return { senders, sampled: hits.length };
}

export async function facetsOf(segments: SegmentHits[]): Promise<Facets> {
  const folders = new Map<string, number>();
  const years = new Map<number, number>();
  let hasAttachment = 0;
  let total = 0;
  for (const seg of segments) {
    total += seg.bits.count();
    hasAttachment += countColumns(seg, folders);
    countYears(seg, years);
  }
  const { senders, sampled } = await countSenders(segments);
  return {
    total,
    folders: byCount(folders),
    years: [...years].sort((a, b) => b[0] - a[0]).map(([value, count]) => ({ value, count })),
    hasAttachment,
    senders,
    sendersSampled: sampled,
  };
}

/** The facets of a search the caller may run (same access rules as the search); audited like one. */
export async function searchFacets(store: Store, caller: Caller, input: { q: string; archive: string }, where: RequestInfo = {}): Promise<Facets> {
  const q = parseQuery(input.q);
  const archives = await archivesToSearch(store, caller, input.archive);
  const facets = await facetsOf(await matchingSegments(store, archives, q));
  const archiveId = input.archive === 'all' ? undefined : input.archive;
  await audit(store, { caller, action: 'search', archiveId, details: { query: input.q, archive: input.archive, facets: true, archives: archives.length, total: facets.total }, ...where });
  return facets;
}

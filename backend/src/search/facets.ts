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
import { findByMessageId, messageIdOf } from './message-id';
import { archivesToSearch, matchingSegments, page, type RequestInfo, type SearchHit, type SegmentHits } from './service';

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

/** Counts on their way to becoming Facets. */
class Tally {
  readonly folders = new Map<string, number>();
  readonly years = new Map<number, number>();
  readonly senders = new Map<string, number>();
  private readonly names = new Map<string, string>();
  hasAttachment = 0;
  total = 0;
  sampled = 0;

  sender(from: { name: string; address: string } | null | undefined): void {
    this.sampled++;
    if (!from?.address) return;
    const address = from.address.toLowerCase();
    add(this.senders, address, 1);
    if (from.name && !this.names.has(address)) this.names.set(address, from.name);
  }

  facets(): Facets {
    return {
      total: this.total,
      folders: byCount(this.folders),
      years: [...this.years].sort((a, b) => b[0] - a[0]).map(([value, count]) => ({ value, count })),
      hasAttachment: this.hasAttachment,
      senders: byCount(this.senders).slice(0, TOP).map((c) => ({ ...c, name: this.names.get(c.value) ?? '' })),
      sendersSampled: this.sampled,
    };
  }
}

async function countSenders(segments: SegmentHits[], tally: Tally): Promise<void> {
  const { hits } = page(segments, null, SENDER_SAMPLE);
  const bySeg = new Map<SegmentHits, number[]>();
  for (const h of hits) bySeg.set(h.seg, [...(bySeg.get(h.seg) ?? []), h.ord]);
  for (const [seg, ords] of bySeg) {
    const summaries = await seg.view.summaries(ords);
    for (const o of ords) tally.sender(summaries.get(o)?.from);
  }
}

export async function facetsOf(segments: SegmentHits[]): Promise<Facets> {
  const tally = new Tally();
  for (const seg of segments) {
    tally.total += seg.bits.count();
    tally.hasAttachment += countColumns(seg, tally.folders);
    countYears(seg, tally.years);
  }
  await countSenders(segments, tally);
  return tally.facets();
}

/** The same counts over a handful of results already at hand (the copies of one Message-ID). */
function facetsOfHits(hits: readonly SearchHit[]): Facets {
  const tally = new Tally();
  for (const h of hits) {
    tally.total++;
    if (h.folder) add(tally.folders, h.folder, 1);
    add(tally.years, new Date(h.date).getUTCFullYear(), 1);
    if (h.hasAttachments) tally.hasAttachment++;
    tally.sender(h.from);
  }
  return tally.facets();
}

/** The facets of a search the caller may run (same access rules as the search); audited like one. */
export async function searchFacets(store: Store, caller: Caller, input: { q: string; archive: string }, where: RequestInfo = {}): Promise<Facets> {
  const messageId = messageIdOf(input.q);
  const q = messageId ? null : parseQuery(input.q);
  const archives = await archivesToSearch(store, caller, input.archive);
  const facets = q ? await facetsOf(await matchingSegments(store, archives, q)) : facetsOfHits((await findByMessageId(store, archives, messageId!)).value);
  const archiveId = input.archive === 'all' ? undefined : input.archive;
  await audit(store, { caller, action: 'search', archiveId, details: { query: input.q, archive: input.archive, facets: true, archives: archives.length, total: facets.total }, ...where });
  return facets;
}

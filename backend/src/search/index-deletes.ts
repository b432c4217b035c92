/**
 * Taking messages out of an archive's index (retention, erasure). The index has no row per
 * message to delete: a message is an ordinal in an immutable segment. So a deletion finds the
 * message's positions (by its received second, a binary search over the segment's dates, then
 * its hash in the few summaries of that second), and commits their docNos as a tombstone
 * (index-tomb.ts) under a batch number, the way a batch of new messages is committed. From the
 * commit on, no search returns them; the merges then leave them out for good.
 */
import type { Store } from '../store';
import { deleteDocs, insertDoc, marksPart, tombPart } from '../store/postings';
import { openSegment, type IndexCtx, type SegInfo, type SegmentView } from './index-bucketed';
import { Bits, encodeList } from './index-codec';
import { commitDeletion, readIndexState, reserveBatch } from './index-manifest';
import { newSegmentId } from './index-merge';
import { ordinalBeforeDate, toSeconds, type Columns } from './index-segment';
import { indexCtx } from './index-store';
import { deadBits } from './index-tomb';
import { evaluate, lookupsOf } from './plan';
import type { Query } from './query-types';

export interface IndexPosition {
  seg: SegInfo;
  ord: number;
  docNo: number;
}

export interface Locatable {
  sha256: string;
  receivedAt: Date;
}

interface Segment {
  info: SegInfo;
  view: SegmentView;
  cols: Columns;
  dead: Bits | null;
}

/**
 * An archive's index as it was when opened: where its live messages are, and which of them a
 * query matches. Batches committed later are not seen; callers treat a message they cannot
 * locate as unknown.
 */
export class IndexLocator {
  private readonly matches = new Map<string, Map<string, Bits>>();
  private readonly ownDead = new Set<Segment>();

  private constructor(
    readonly ctx: IndexCtx,
    private readonly segments: Segment[],
  ) {}

  /** `keep: false` (runs over whole archives) reads through the cache without filling it. */
  static async open(store: Pick<Store, 'searchDb'>, archiveId: string, { keep = false } = {}): Promise<IndexLocator> {
    const ctx = await indexCtx(store, archiveId);
    const state = await readIndexState(ctx, { exact: true });
    const tombs = [...state.manifest.tomb, ...state.deletes];
    const infos = [...state.manifest.segs, ...state.batches.map((b) => b.seg)];
    const segments = await Promise.all(
      infos.map(async (info) => {
        const view = await openSegment(ctx, info, { keep });
        const cols = await view.columns();
        return { info, view, cols, dead: await deadBits(ctx, info, cols, tombs) };
      }),
    );
    return new IndexLocator(ctx, segments);
  }

  /** The live positions of each message, by hash (none: not indexed, or not yet seen). */
  async locate(items: readonly Locatable[]): Promise<Map<string, IndexPosition[]>> {
    const out = new Map<string, IndexPosition[]>();
    for (const seg of this.segments) {
      const candidates = new Map<number, Set<string>>();
      for (const item of items) {
        const second = toSeconds(item.receivedAt);
        for (let o = ordinalBeforeDate(seg.cols, second + 1); o < seg.cols.n && seg.cols.date[o] === second; o++) {
          if (seg.dead?.has(o)) continue;
          let shas = candidates.get(o);
          if (!shas) candidates.set(o, (shas = new Set()));
          shas.add(item.sha256);
        }
      }
      if (candidates.size === 0) continue;
      const summaries = await seg.view.summaries([...candidates.keys()]);
      for (const [ord, shas] of candidates) {
        const sha = summaries.get(ord)?.sha;
        if (!sha || !shas.has(sha)) continue;
        out.set(sha, [...(out.get(sha) ?? []), { seg: seg.info, ord, docNo: seg.cols.docNo[ord] as number }]);
      }
    }
    return out;
  }

  /** Every live message `q` matches, by hash and received time. */
  async findAll(q: Query): Promise<Locatable[]> {
    const bySeg = await this.matching(q, `find:${JSON.stringify(q)}`);
    const out: Locatable[] = [];
    for (const seg of this.segments) {
      const bits = bySeg.get(seg.info.id)!;
      const ords: number[] = [];
      for (let o = bits.next(0); o >= 0; o = bits.next(o + 1)) if (!seg.dead?.has(o)) ords.push(o);
      if (ords.length === 0) continue;
      // (Summaries come by block: the map may hold more ordinals than asked for.)
      const summaries = await seg.view.summaries(ords);
      for (const o of ords) {
        const s = summaries.get(o);
        if (s) out.push({ sha256: s.sha, receivedAt: new Date(s.at) });
      }
    }
    return out;
  }

  /** Whether a query matches the message at any of these positions (a query hold, say). */
  async matchesAny(q: Query, key: string, positions: readonly IndexPosition[]): Promise<boolean> {
    const bySeg = await this.matching(q, key);
    return positions.some((p) => bySeg.get(p.seg.id)?.has(p.ord) ?? false);
  }

  /** Per segment, the ordinals `q` matches; evaluated once per `key` (a hold's id). */
  private async matching(q: Query, key: string): Promise<Map<string, Bits>> {
    const known = this.matches.get(key);
    if (known) return known;
    const lookups = lookupsOf(q);
    const bySeg = new Map<string, Bits>();
    for (const seg of this.segments) {
      const records = lookups.terms.length || lookups.prefixes.length ? await seg.view.records(lookups.terms, lookups.prefixes) : [];
      bySeg.set(seg.info.id, evaluate(q, { cols: seg.cols, records }));
    }
    this.matches.set(key, bySeg);
    return bySeg;
  }

  /** Records a deletion this locator's caller committed, so that later lookups skip it. */
  forget(positions: readonly IndexPosition[]): void {
    for (const p of positions) {
      const seg = this.segments.find((s) => s.info.id === p.seg.id);
      if (!seg) continue;
      // A copy: the bits it started from are shared through the cache.
      if (!this.ownDead.has(seg)) {
        seg.dead = seg.dead ? seg.dead.or(new Bits(seg.cols.n)) : new Bits(seg.cols.n);
        this.ownDead.add(seg);
      }
      seg.dead!.set(p.ord);
    }
  }
}

/**
 * Commits the deletion of these docNos from the archive's index: searchable no more once this
 * returns. The list is written first, then committed under a new batch number, so a crash leaves
 * either nothing visible (the caller deletes again) or the whole deletion.
 */
export async function commitIndexDeletion(ctx: IndexCtx, docNos: readonly number[]): Promise<void> {
  if (docNos.length === 0) return;
  const sorted = Uint32Array.from(new Set(docNos)).sort();
  const id = newSegmentId();
  await insertDoc(ctx.store, tombPart(ctx.layout, ctx.key), { _id: id, d: Buffer.from(encodeList(sorted)), n: sorted.length });
  for (;;) {
    const seq = await reserveBatch(ctx);
    // Lost only to a merge that declared the number abandoned: commit under the next one.
    if (await commitDeletion(ctx, seq, { id, n: sorted.length, seq })) return;
  }
}

/** Forgets that these messages were indexed, so that archiving one of them again indexes it again. */
export async function forgetIndexed(ctx: IndexCtx, sha256s: readonly string[]): Promise<void> {
  await deleteDocs(ctx.store, marksPart(ctx.layout, ctx.key), sha256s);
}

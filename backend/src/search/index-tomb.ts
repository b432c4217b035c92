/**
 * Deleted messages in the index, as readers and merges see them. Segments are immutable, so a
 * deletion is a tombstone: a list of the docNos it removes (docNos are unique in an archive and
 * kept by merges, so a tombstone holds wherever its messages are). Searches leave tombstoned
 * ordinals out of every result and total; merges leave them out of the segment they write, and
 * a tombstone is forgotten once no segment can hold its messages (index-merge.ts). Like
 * segments, tombstones never change, so what is derived from them is cached.
 */
import { getDoc, tombPart } from '../store/postings';
import { cached, peekCached, putCached } from './index-cache';
import type { IndexCtx, SegInfo, TombInfo } from './index-bucketed';
import { Bits, decodeList } from './index-codec';
import type { Columns } from './index-segment';

/** Thrown when a deletion's list is gone (dropped after a merge): the reader starts over. */
export class TombstoneGoneError extends Error {
  constructor(id: string) {
    super(`index deletion ${id} is no longer there`);
    this.name = 'TombstoneGoneError';
  }
}

const keyOf = (ctx: IndexCtx, what: string) => `${ctx.store.searchDb.databaseName}|${ctx.key}|${what}`;

/** The docNos of one deletion. */
export function tombstoneDocNos(ctx: IndexCtx, tomb: TombInfo): Promise<number[]> {
  return cached(keyOf(ctx, `tomb|${tomb.id}`), async () => {
    const doc = await getDoc(ctx.store, tombPart(ctx.layout, ctx.key), tomb.id);
    if (!doc) throw new TombstoneGoneError(tomb.id);
    return { value: decodeList(doc.d as Buffer), bytes: tomb.n * 8 + 64 };
  });
}

/** Every docNo the deletions remove. */
export async function deadDocNos(ctx: IndexCtx, tombs: readonly TombInfo[]): Promise<Set<number>> {
  const out = new Set<number>();
  for (const t of tombs) for (const d of await tombstoneDocNos(ctx, t)) out.add(d);
  return out;
}

/** The deletions that may concern a segment: those its merge had not seen. */
export const tombsFor = (seg: SegInfo, tombs: readonly TombInfo[]) => tombs.filter((t) => t.seq > (seg.applied ?? 0));

/** A segment's deleted ordinals, or null when none of the deletions concerns it. */
export async function deadBits(ctx: IndexCtx, seg: SegInfo, cols: Columns, tombs: readonly TombInfo[]): Promise<Bits | null> {
  const concerned = tombsFor(seg, tombs);
  if (concerned.length === 0) return null;
  const key = keyOf(ctx, `${seg.id}|dead|${concerned.map((t) => t.id).join(',')}`);
  const known = peekCached<Bits | null>(key);
  if (known !== undefined) return known;
  const dead = await deadDocNos(ctx, concerned);
  const bits = new Bits(cols.n);
  let any = false;
  for (let i = 0; i < cols.n; i++) {
    if (dead.has(cols.docNo[i] as number)) {
      bits.set(i);
      any = true;
    }
  }
  const value = any ? bits : null;
  putCached(key, value, bits.words.length * 4 + key.length + 64);
  return value;
}

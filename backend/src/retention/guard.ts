/**
 * The one check every deletion from the archive passes (retention, erasure, any future path):
 * a message under a legal hold, or younger than the longest minimum of the policies covering
 * it, stays, whoever asks and whatever ids they name. The check reads the holds and policies
 * itself; callers only say which items they want gone.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import type { IndexLocator, IndexPosition } from '../search/index-deletes';
import { parseQuery } from '../search/query';
import type { Query } from '../search/query-types';
import type { Store } from '../store';
import { activeHolds, type Hold } from '../store/holds';
import type { Item } from '../store/items';
import { listPolicies, type StoredPolicy } from '../store/retention-policies';
import { applyPolicies, protectedUntil, RuleBook, ScopeResolver } from './rules';

export type KeepReason =
  | { code: 'hold'; holdId: string; hold: string }
  /** Not in the index (yet), so a query hold on its archive cannot tell whether it holds it. */
  | { code: 'hold-unverifiable'; holdId: string; hold: string }
  | { code: 'minimum'; policyId: string; policy: string; until: Date }
  /** Archived after the index was read: looked at again on the next run. */
  | { code: 'recent' };

export function describeReason(r: KeepReason): string {
  switch (r.code) {
    case 'hold':
      return `under legal hold "${r.hold}"`;
    case 'hold-unverifiable':
      return `not searchable yet, so legal hold "${r.hold}" cannot be ruled out`;
    case 'minimum':
      return `policy "${r.policy}" keeps it until ${r.until.toISOString().slice(0, 10)}`;
    case 'recent':
      return 'archived moments ago; checked again on the next run';
  }
}

interface QueryHold {
  hold: Hold;
  q: Query;
}

/** Items archived this close to the index snapshot may be in a batch the snapshot did not see. */
const INDEX_SETTLE_MS = 10 * 60_000;

export class Guard {
  private constructor(
    readonly rules: RuleBook,
    readonly scopes: ScopeResolver,
    private readonly holds: readonly Hold[],
    private readonly queries: readonly QueryHold[],
    readonly now: Date,
  ) {}

  /** The holds in force and the policies as stored (or as given: a preview's what-if). */
  static async load(store: Store, graph: Client | null, now = new Date(), policies?: readonly StoredPolicy[]): Promise<Guard> {
    const scopes = new ScopeResolver(store, graph);
    const rules = new RuleBook(await applyPolicies(policies ?? (await listPolicies(store)), scopes));
    const holds = await activeHolds(store, now);
    const queries = holds.filter((h) => h.kind === 'query' && h.query).map((hold) => ({ hold, q: parseQuery(hold.query!) }));
    return new Guard(rules, scopes, holds, queries, now);
  }

  /** Holds on the whole archive. */
  archiveHolds(archiveId: string): Hold[] {
    return this.holds.filter((h) => h.kind === 'archives' && h.archives.includes(archiveId));
  }

  /** Query holds that look into the archive. */
  queryHolds(archiveId: string): QueryHold[] {
    return this.queries.filter(({ hold }) => hold.archives.length === 0 || hold.archives.includes(archiveId));
  }

  /** Why each item must stay (items without an entry may go). All items belong to one archive. */
  async check(items: readonly Item[], locator: IndexLocator | null, positions: ReadonlyMap<string, IndexPosition[]>, indexReadAt: Date): Promise<Map<string, KeepReason>> {
    const out = new Map<string, KeepReason>();
    for (const item of items) {
      const reason = (await this.reasonFor(item, locator, positions.get(item.sha256) ?? [], indexReadAt)) ?? null;
      if (reason) out.set(item._id, reason);
    }
    return out;
  }

  private async reasonFor(item: Item, locator: IndexLocator | null, positions: IndexPosition[], indexReadAt: Date): Promise<KeepReason | null> {
    const whole = this.archiveHolds(item.archiveId)[0];
    if (whole) return { code: 'hold', holdId: whole._id, hold: whole.name };
    const e = this.rules.effective(item.archiveId, item.folder);
    const until = protectedUntil(item.receivedAt, e);
    if (until > this.now) return { code: 'minimum', policyId: e.minBy!.id, policy: e.minBy!.rules.name, until };
    if (positions.length === 0 && item.archivedAt.getTime() > indexReadAt.getTime() - INDEX_SETTLE_MS) return { code: 'recent' };
    for (const { hold, q } of this.queryHolds(item.archiveId)) {
      if (positions.length === 0 || !locator) return { code: 'hold-unverifiable', holdId: hold._id, hold: hold.name };
      if (await locator.matchesAny(q, hold._id, positions)) return { code: 'hold', holdId: hold._id, hold: hold.name };
    }
    return null;
  }
}

import { randomUUID } from 'node:crypto';
import type { Store } from './connection';
import type { Actor } from './retention-policies';

/**
 * Legal holds (MISSION M13). A hold keeps whole archives, or the messages a query finds in some
 * (or all) archives, whatever retention, erasure or anyone else says, until it is lifted with a
 * reason or its end date passes. Holds are never deleted: a lifted hold stays as a record.
 */
export interface Hold {
  _id: string;
  name: string;
  reason: string;
  /** 'archives': everything in `archives`. 'query': what `query` finds in `archives` (all when empty). */
  kind: 'archives' | 'query';
  archives: string[];
  query: string | null;
  /** The case it belongs to, if any. */
  caseId: string | null;
  /** Whether the people whose mail it holds may see that it is held (not for a secret investigation). */
  visibleToUsers: boolean;
  createdBy: Actor;
  createdAt: Date;
  endsAt: Date | null;
  state: 'active' | 'lifted';
  lifted: { by: Actor; at: Date; reason: string } | null;
}

const holds = (store: Pick<Store, 'db'>) => store.db.collection<Hold>('legal_holds');

export async function insertHold(store: Pick<Store, 'db'>, hold: Omit<Hold, '_id' | 'createdAt' | 'state' | 'lifted'>): Promise<Hold> {
  const doc: Hold = { _id: randomUUID(), createdAt: new Date(), state: 'active', lifted: null, ...hold };
  await holds(store).insertOne(doc);
  return doc;
}

export async function listHolds(store: Pick<Store, 'db'>, filter: { caseId?: string } = {}): Promise<Hold[]> {
  return holds(store).find(filter.caseId ? { caseId: filter.caseId } : {}).sort({ createdAt: -1 }).toArray();
}

/** Holds in force at `now`: not lifted, not ended. */
export async function activeHolds(store: Pick<Store, 'db'>, now = new Date()): Promise<Hold[]> {
  return (await holds(store).find({ state: 'active' }).toArray()).filter((h) => !h.endsAt || h.endsAt > now);
}

export async function getHold(store: Pick<Store, 'db'>, id: string): Promise<Hold | null> {
  return holds(store).findOne({ _id: id });
}

/** Lifts an active hold; null when it is not active (lifted already, or unknown). */
export async function liftHold(store: Pick<Store, 'db'>, id: string, lifted: NonNullable<Hold['lifted']>): Promise<Hold | null> {
  return holds(store).findOneAndUpdate({ _id: id, state: 'active' }, { $set: { state: 'lifted', lifted } }, { returnDocument: 'after' });
}

import type { Lease } from '../lease-renewal';
import type { Store } from './connection';
import { withOrphanRepair } from './collection-repair';
import { insertOnce } from './insert-once';

interface LockDoc {
  _id: string;
  owner: string;
  until: Date;
}

/**
 * One holder at a time across every backend process, for work that must not overlap (a retention
 * run's deletions, a repair of collections). A lease with an expiry, taken by insert (atomic on
 * FerretDB, whose updates are not); an expired lease is deleted by its exact expiry, then taken
 * by insert again, so two takers cannot both win.
 */
export function leasedLock(store: Pick<Store, 'db' | 'renewals'>, collection: string, id: string): Lease {
  const locks = (db = store.db) => db.collection<LockDoc>(collection);
  return {
    async acquire(owner, leaseMs) {
      const doc = () => ({ _id: id, owner, until: new Date(Date.now() + leaseMs) });
      // The lock's first insert creates its collection: a FerretDB stop in that moment must not block it for good.
      if (await withOrphanRepair(store.db, collection, () => insertOnce(locks(), doc()))) return true;
      const held = await locks().findOne({ _id: id });
      if (held && held.until > new Date()) return false;
      if (held) await locks().deleteOne({ _id: id, until: held.until });
      return insertOnce(locks(), doc());
    },
    async renew(owner, leaseMs) {
      const res = await locks(store.renewals).updateOne({ _id: id, owner }, { $set: { until: new Date(Date.now() + leaseMs) } });
      return res.matchedCount === 1;
    },
    async release(owner) {
      await locks().deleteOne({ _id: id, owner });
    },
  };
}

import type { Store } from './connection';
import { insertOnce } from './insert-once';

/**
 * One retention run (disposal or erasure) at a time across every backend process: the check for
 * remaining references before bytes go assumes nobody else removes references meanwhile. A lease
 * with an expiry, taken by insert (atomic on FerretDB, whose updates are not); an expired lease is
 * deleted by its exact expiry, then taken by insert again, so two takers cannot both win.
 */
interface LockDoc {
  _id: string;
  owner: string;
  until: Date;
}

const locks = (store: Pick<Store, 'db'>) => store.db.collection<LockDoc>('retention_lock');
const ID = 'retention';

export async function acquireRetentionLock(store: Pick<Store, 'db'>, owner: string, leaseMs: number): Promise<boolean> {
  const doc = () => ({ _id: ID, owner, until: new Date(Date.now() + leaseMs) });
  if (await insertOnce(locks(store), doc())) return true;
  const held = await locks(store).findOne({ _id: ID });
  if (held && held.until > new Date()) return false;
  if (held) await locks(store).deleteOne({ _id: ID, until: held.until });
  return insertOnce(locks(store), doc());
}

/** False when the lease was lost (it expired and someone else took it). */
export async function renewRetentionLock(store: Pick<Store, 'db'>, owner: string, leaseMs: number): Promise<boolean> {
  const res = await locks(store).updateOne({ _id: ID, owner }, { $set: { until: new Date(Date.now() + leaseMs) } });
  return res.matchedCount === 1;
}

export async function releaseRetentionLock(store: Pick<Store, 'db'>, owner: string): Promise<void> {
  await locks(store).deleteOne({ _id: ID, owner });
}

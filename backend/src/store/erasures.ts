import { randomUUID } from 'node:crypto';
import type { Store } from './connection';
import type { Actor } from './retention-policies';

/**
 * Erasure requests (GDPR Art. 17): whose mail (addresses, optional dates), why, who asked, who
 * approved, and the certificate once done: how many messages went, and a digest over the list of
 * their SHA-256 hashes (store/disposals.ts keeps the list itself).
 */
export interface ErasureCertificate {
  erased: number;
  /** Messages that stayed (hold, minimum retention) when the erasure ran. */
  kept: number;
  /** SHA-256 over the sorted lines "<archive> <sha256> <erased|kept>" of the erased messages. */
  digest: string;
  at: Date;
}

export interface ErasureRequest {
  _id: string;
  addresses: string[];
  from: Date | null;
  to: Date | null;
  reason: string;
  requestedBy: Actor;
  requestedAt: Date;
  state: 'pending' | 'approved' | 'running' | 'done' | 'rejected' | 'failed';
  decidedBy: Actor | null;
  decidedAt: Date | null;
  error: string | null;
  certificate: ErasureCertificate | null;
}

const requests = (store: Pick<Store, 'db'>) => store.db.collection<ErasureRequest>('erasure_requests');

export async function insertErasureRequest(store: Pick<Store, 'db'>, r: Pick<ErasureRequest, 'addresses' | 'from' | 'to' | 'reason' | 'requestedBy'>): Promise<ErasureRequest> {
  const doc: ErasureRequest = { _id: randomUUID(), ...r, requestedAt: new Date(), state: 'pending', decidedBy: null, decidedAt: null, error: null, certificate: null };
  await requests(store).insertOne(doc);
  return doc;
}

export async function getErasureRequest(store: Pick<Store, 'db'>, id: string): Promise<ErasureRequest | null> {
  return requests(store).findOne({ _id: id });
}

export async function listErasureRequests(store: Pick<Store, 'db'>): Promise<ErasureRequest[]> {
  return requests(store).find({}).sort({ requestedAt: -1 }).limit(200).toArray();
}

/** Moves a request on from one of the states `from`; null when it is in none of them. */
export async function advanceErasureRequest(store: Pick<Store, 'db'>, id: string, from: ErasureRequest['state'][], set: Partial<ErasureRequest>): Promise<ErasureRequest | null> {
  return requests(store).findOneAndUpdate({ _id: id, state: { $in: from } }, { $set: set }, { returnDocument: 'after' });
}

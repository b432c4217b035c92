import { randomUUID } from 'node:crypto';
import type { mongo } from 'mongoose';
import { insertOnce } from './insert-once';
import { keepRenewing } from '../lease-renewal';

export interface LeaseDoc {
  _id: string;
  owner: string;
  expiresAt: Date;
}

export interface Lease {
  /** The previous holder never released it: it may have crashed mid-upload. */
  tookOver: boolean;
  held(): Promise<boolean>;
  /**
   * True while the lease is ours. Without a round trip while it is young: nobody takes a lease
   * over before it expires, and it was set to expire a whole lease period after the last renewal.
   */
  confirm(): Promise<boolean>;
  release(): Promise<void>;
  /** Makes `release` leave the lease in place to expire. */
  abandon(): void;
  /** Renews in the background; `signal` aborts with BLOB_LEASE_LOST if another writer took over or no renewal held for a whole lease. */
  keepAlive(): { signal: AbortSignal; stop(): void };
}

export class Leases {
  constructor(
    private readonly collection: mongo.Collection<LeaseDoc>,
    /** The same collection through the store's path for renewals (connection.ts `renewals`). */
    private readonly renewals: mongo.Collection<LeaseDoc>,
    private readonly leaseMs: number,
    /** The error a holder's work aborts with when another writer took its lease over. */
    private readonly lost: (id: string) => Error,
  ) {}

  async acquire(id: string): Promise<Lease | null> {
    const owner = randomUUID();
    // No later than the expiry this acquisition writes is computed from.
    let renewedAt = Date.now();
    const expiresAt = () => new Date(Date.now() + this.leaseMs);
    let tookOver = false;
    if (!(await insertOnce(this.collection, { _id: id, owner, expiresAt: expiresAt() }))) {
      const expired = await this.collection.findOneAndUpdate(
        { _id: id, expiresAt: { $lt: new Date() } },
        { $set: { owner, expiresAt: expiresAt() } },
      );
      if (!expired) return null;
      tookOver = true;
    }
    const mine = { _id: id, owner };
    const renew = async () => {
      const at = Date.now();
      const held = (await this.renewals.updateOne(mine, { $set: { expiresAt: new Date(at + this.leaseMs) } })).matchedCount === 1;
      if (held) renewedAt = at;
      return held;
    };
    let abandoned = false;
    return {
      tookOver,
      held: async () => (await this.collection.countDocuments(mine, { limit: 1 })) === 1,
      confirm: async () => Date.now() - renewedAt < this.leaseMs / 3 || renew(),
      release: async () => {
        if (!abandoned) await this.collection.deleteOne(mine);
      },
      abandon: () => {
        abandoned = true;
      },
      keepAlive: () => {
        const controller = new AbortController();
        const renewal = keepRenewing({ leaseMs: this.leaseMs, renew, lost: () => controller.abort(this.lost(id)) });
        return { signal: controller.signal, stop: renewal.stop };
      },
    };
  }
}

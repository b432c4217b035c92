import type { mongo } from 'mongoose';
import type { Store } from './connection';
import { insertOnce } from './insert-once';

/**
 * One job at a time per mailbox, across every backend process: two profiles, or a crawl and a
 * scheduled run of another profile, must not share Exchange's 4 concurrent requests of one
 * mailbox from two places. The holder is a job (not a process), so the job taken over after its
 * worker died holds the lock again at once. Held for a lease that the holder renews; a lock whose
 * lease ran out is taken by deleting exactly that stale lock and inserting anew, so of two
 * contenders only one insert wins (FerretDB applies updates as unlocked read-modify-write).
 */
interface MailboxLock {
  _id: string;
  jobId: string;
  until: Date;
}

const locks = (db: mongo.Db) => db.collection<MailboxLock>('mailbox_locks');

export type LockAttempt = { held: true } | { held: false; heldBy: string; until: Date };

export async function lockMailbox(store: Pick<Store, 'db'>, mailboxId: string, jobId: string, leaseMs: number, now = new Date()): Promise<LockAttempt> {
  const coll = locks(store.db);
  const mine = { _id: mailboxId, jobId, until: new Date(now.getTime() + leaseMs) };
  for (let tries = 0; tries < 2; tries++) {
    if (await insertOnce(coll, mine)) return { held: true };
    const held = await coll.findOne({ _id: mailboxId });
    if (!held) continue;
    if (held.jobId === jobId) {
      await coll.updateOne({ _id: mailboxId, jobId }, { $set: { until: mine.until } });
      return { held: true };
    }
    if (held.until > now) return { held: false, heldBy: held.jobId, until: held.until };
    await coll.deleteOne({ _id: mailboxId, jobId: held.jobId, until: held.until } as mongo.Filter<MailboxLock>);
  }
  const held = await coll.findOne({ _id: mailboxId });
  return held?.jobId === jobId ? { held: true } : { held: false, heldBy: held?.jobId ?? '?', until: held?.until ?? now };
}

/** Renews the holder's lease; false when another job holds the mailbox now. */
export async function renewMailboxLock(store: Pick<Store, 'renewals'>, mailboxId: string, jobId: string, leaseMs: number): Promise<boolean> {
  const res = await locks(store.renewals).updateOne({ _id: mailboxId, jobId }, { $set: { until: new Date(Date.now() + leaseMs) } });
  return res.matchedCount === 1;
}

export async function unlockMailbox(store: Pick<Store, 'db'>, mailboxId: string, jobId: string): Promise<void> {
  await locks(store.db).deleteOne({ _id: mailboxId, jobId });
}

import { randomUUID } from 'node:crypto';
import type { mongo } from 'mongoose';
import type { Store } from './connection';

/**
 * Retention policies (MISSION M13). A policy has the rules in force (`active`) and at most one
 * change waiting for a second administrator (`pending`; `rules: null` removes the policy). The
 * retention module validates rules and decides what needs approval; this module only keeps them.
 * Every write names the version it read, so two administrators cannot overwrite each other.
 */
export interface PolicyScope {
  tenant: boolean;
  /** Archive ids: users, shared mailboxes, journal catch-all archives. */
  archives: string[];
  /** Entra group ids: the archives of their (transitive) members. */
  groups: string[];
  /** Every shared mailbox's archive. */
  sharedMailboxes: boolean;
  /** Every journal catch-all archive. */
  journal: boolean;
}

export interface PolicyRules {
  name: string;
  description: string;
  /** Days from the received date before which nobody may delete a message. */
  minDays: number;
  /** Days from the received date after which a message is due for disposal; null keeps it. */
  maxDays: number | null;
  scope: PolicyScope;
  /** Folder paths the policy is limited to (and their subfolders); empty for every folder. */
  folders: string[];
}

export interface Actor {
  oid: string;
  upn: string;
}

export interface PreviewSummary {
  messages: number;
  bytes: number;
  archives: number;
}

export interface PendingChange {
  rules: PolicyRules | null;
  requestedBy: Actor;
  requestedAt: Date;
  /** What the change would dispose of when requested. */
  preview: PreviewSummary;
  /** Why it waits for a second administrator. */
  reasons: string[];
}

export interface StoredPolicy {
  _id: string;
  active: PolicyRules | null;
  pending: PendingChange | null;
  version: number;
  createdBy: Actor;
  createdAt: Date;
  updatedAt: Date;
  approvedBy: Actor | null;
}

const policies = (store: Pick<Store, 'db'>) => store.db.collection<StoredPolicy>('retention_policies');

export async function listPolicies(store: Pick<Store, 'db'>): Promise<StoredPolicy[]> {
  return policies(store).find({}).sort({ createdAt: 1 }).toArray();
}

export async function getPolicy(store: Pick<Store, 'db'>, id: string): Promise<StoredPolicy | null> {
  return policies(store).findOne({ _id: id });
}

export async function insertPolicy(store: Pick<Store, 'db'>, doc: Omit<StoredPolicy, '_id' | 'version' | 'createdAt' | 'updatedAt'>): Promise<StoredPolicy> {
  const now = new Date();
  const policy: StoredPolicy = { _id: randomUUID(), version: 1, createdAt: now, updatedAt: now, ...doc };
  await policies(store).insertOne(policy);
  return policy;
}

/** Applies `set` if the policy is still at `version`; the updated policy, or null when it changed meanwhile. */
export async function updatePolicy(store: Pick<Store, 'db'>, id: string, version: number, set: Partial<Pick<StoredPolicy, 'active' | 'pending' | 'approvedBy'>>): Promise<StoredPolicy | null> {
  return policies(store).findOneAndUpdate(
    { _id: id, version },
    { $set: { ...set, updatedAt: new Date() }, $inc: { version: 1 } },
    { returnDocument: 'after' },
  );
}

export async function deletePolicy(store: Pick<Store, 'db'>, id: string, version: number): Promise<boolean> {
  return (await policies(store).deleteOne({ _id: id, version } as mongo.Filter<StoredPolicy>)).deletedCount === 1;
}

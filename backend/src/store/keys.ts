import { mongo } from 'mongoose';
import type { Store } from './connection';
import { insertOnce } from './insert-once';

/**
 * Wrapped keys of encryption at rest (integrity/keys.ts). Only wrapped forms are stored: a key
 * is usable with the master key that wrapped it (`kekId` names it), which never enters the
 * database. The blob-id key and the salt key are made once and never change (single-instance
 * storage depends on them); data keys are added by rotation.
 */
export interface WrappedKey {
  _id: string;
  purpose: 'data' | 'id' | 'salt';
  wrapped: mongo.Binary;
  kekId: string;
  createdAt: Date;
}

export interface EncryptionState {
  _id: 'encryption';
  enabled: boolean;
  currentDataKey: string | null;
  enabledAt: Date | null;
  /** The latest job bringing stored blobs to the current encoding (its progress shows in the Teams tab). */
  reencryptJobId?: string | null;
}

type Keys = Pick<Store, 'db'>;
const keys = (store: Keys) => store.db.collection<WrappedKey>('encryption_keys');
const state = (store: Keys) => store.db.collection<EncryptionState>('encryption_state');

export async function listWrappedKeys(store: Keys): Promise<WrappedKey[]> {
  return keys(store).find({}).toArray();
}

/** False when a key of this id exists (another process made it first). */
export async function addWrappedKey(store: Keys, key: WrappedKey): Promise<boolean> {
  return insertOnce(keys(store), key);
}

export async function rewrapKey(store: Keys, id: string, wrapped: Buffer, kekId: string): Promise<void> {
  await keys(store).updateOne({ _id: id }, { $set: { wrapped: new mongo.Binary(wrapped), kekId } });
}

export async function readEncryptionState(store: Keys): Promise<EncryptionState> {
  return (await state(store).findOne({ _id: 'encryption' })) ?? { _id: 'encryption', enabled: false, currentDataKey: null, enabledAt: null, reencryptJobId: null };
}

export async function writeEncryptionState(store: Keys, value: Omit<EncryptionState, '_id'>): Promise<void> {
  await state(store).replaceOne({ _id: 'encryption' }, value, { upsert: true });
}

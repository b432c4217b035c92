import { randomUUID } from 'node:crypto';
import { Schema, type Connection } from 'mongoose';
import { isDuplicateKey } from './insert-once';
import { modelFor } from './model';

/** Stored archiving profiles. Settings are validated by the archiving module before they get here. */
export interface StoredProfile<S = Record<string, unknown>> {
  _id: string;
  name: string;
  enabled: boolean;
  settings: S;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<StoredProfile>(
  { _id: String, name: String, enabled: Boolean, settings: Schema.Types.Mixed, createdAt: Date, updatedAt: Date },
  { versionKey: false, autoIndex: false, collection: 'profiles', minimize: false },
);
schema.index({ name: 1 }, { unique: true });

const profiles = modelFor<StoredProfile>('Profile', schema);

export class DuplicateNameError extends Error {}

export async function createProfile<S extends { name: string; enabled: boolean }>(conn: Connection, settings: S): Promise<StoredProfile<S>> {
  const now = new Date();
  const doc = { _id: randomUUID(), name: settings.name, enabled: settings.enabled, settings, createdAt: now, updatedAt: now };
  try {
    await profiles(conn).create(doc);
  } catch (err) {
    if (isDuplicateKey(err)) throw new DuplicateNameError(`A profile named "${settings.name}" already exists`);
    throw err;
  }
  return doc;
}

export async function replaceProfile<S extends { name: string; enabled: boolean }>(conn: Connection, id: string, settings: S): Promise<StoredProfile<S> | null> {
  try {
    return await profiles(conn)
      .findOneAndUpdate({ _id: id }, { $set: { name: settings.name, enabled: settings.enabled, settings, updatedAt: new Date() } }, { new: true })
      .lean<StoredProfile<S>>();
  } catch (err) {
    if (isDuplicateKey(err)) throw new DuplicateNameError(`A profile named "${settings.name}" already exists`);
    throw err;
  }
}

export async function getProfile<S>(conn: Connection, id: string): Promise<StoredProfile<S> | null> {
  return profiles(conn).findById(id).lean<StoredProfile<S>>();
}

export async function listProfiles<S>(conn: Connection): Promise<StoredProfile<S>[]> {
  return profiles(conn).find({}).sort({ name: 1 }).lean<StoredProfile<S>[]>();
}

export async function deleteProfile(conn: Connection, id: string): Promise<boolean> {
  const res = await profiles(conn).deleteOne({ _id: id });
  return res.deletedCount === 1;
}

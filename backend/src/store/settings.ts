import { Schema, type Connection } from 'mongoose';
import { modelFor } from './model';

/** Singleton settings documents (directory sync options, ...), each validated by its owner. */
interface SettingsDoc {
  _id: string;
  value: unknown;
  updatedAt: Date;
}

const schema = new Schema<SettingsDoc>(
  { _id: { type: String, required: true }, value: { type: Schema.Types.Mixed }, updatedAt: { type: Date } },
  { versionKey: false, autoIndex: false, collection: 'settings', minimize: false },
);
const settings = modelFor<SettingsDoc>('Settings', schema);

export async function readSetting(conn: Connection, key: string): Promise<unknown> {
  const doc = await settings(conn).findById(key).lean<SettingsDoc>();
  return doc?.value;
}

export async function writeSetting(conn: Connection, key: string, value: unknown): Promise<void> {
  await settings(conn).updateOne({ _id: key }, { $set: { value, updatedAt: new Date() } }, { upsert: true });
}

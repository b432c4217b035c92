import { Schema, type Connection } from 'mongoose';
import { modelFor } from './model';

/**
 * Where the archiving of one group's conversations stands, per (profile, group). Graph has no
 * delta query for group threads, so the crawl remembers each thread's `lastDeliveredDateTime`
 * as it last archived it, and when it last re-read every thread (the pass that catches what the
 * incremental passes cannot see). Saved after each page of threads is archived.
 */
export interface GroupSync {
  _id: string;
  threads: { id: string; lastDelivered: string }[];
  fullPassAt: Date | null;
  updatedAt: Date;
}

const schema = new Schema<GroupSync>(
  {
    _id: String,
    threads: { type: [{ _id: false, id: String, lastDelivered: String }], default: [] },
    fullPassAt: { type: Date, default: null },
    updatedAt: Date,
  },
  { versionKey: false, autoIndex: false, collection: 'group_sync' },
);

const groupSync = modelFor<GroupSync>('GroupSync', schema);
const key = (profileId: string, groupId: string) => `${profileId}:${groupId}`;

export async function getGroupSync(conn: Connection, profileId: string, groupId: string): Promise<GroupSync | null> {
  return groupSync(conn).findById(key(profileId, groupId)).lean<GroupSync>();
}

export async function saveGroupSync(conn: Connection, profileId: string, groupId: string, state: Pick<GroupSync, 'threads' | 'fullPassAt'>): Promise<void> {
  await groupSync(conn).updateOne({ _id: key(profileId, groupId) }, { $set: { ...state, updatedAt: new Date() } }, { upsert: true });
}

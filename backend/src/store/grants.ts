import { Schema, type Connection, type QueryFilter } from 'mongoose';
import { archiveUsers, type ArchiveUser } from './directory';
import { modelFor } from './model';
import { isDuplicateKey } from './insert-once';

/**
 * Grants of an archive to a user other than its owner (MISSION M9). One document per
 * (grantee, archive), `_id = granteeId:archiveId`, so that checking one archive for one caller is
 * an `_id` lookup (the only indexed query on FerretDB) and every grant has one writer: the admin
 * action that sets or revokes it. Listing a grantee's grants scans this collection on FerretDB;
 * it stays small (admins write it by hand), unlike items or the audit trail.
 */
export type GrantRight = 'read' | 'export' | 'restore';
export const GRANT_RIGHTS: readonly GrantRight[] = ['read', 'export', 'restore'];

export interface Grant {
  _id: string;
  granteeId: string;
  archiveId: string;
  rights: GrantRight[];
  grantedBy: { oid: string; upn: string };
  grantedAt: Date;
}

const schema = new Schema<Grant>(
  {
    _id: { type: String, required: true },
    granteeId: { type: String, required: true },
    archiveId: { type: String, required: true },
    rights: { type: [String], required: true },
    grantedBy: { type: new Schema({ oid: String, upn: String }, { _id: false }), required: true },
    grantedAt: { type: Date, required: true },
  },
  { versionKey: false, autoIndex: false, collection: 'grants' },
);
schema.index({ granteeId: 1 });
schema.index({ archiveId: 1 });

const grants = modelFor<Grant>('Grant', schema);

export const grantId = (granteeId: string, archiveId: string) => `${granteeId}:${archiveId}`;

export async function getGrant(conn: Connection, granteeId: string, archiveId: string): Promise<Grant | null> {
  return grants(conn).findById(grantId(granteeId, archiveId)).lean<Grant>();
}

export async function listGrants(conn: Connection, filter: { granteeId?: string; archiveId?: string } = {}): Promise<Grant[]> {
  const q: QueryFilter<Grant> = {};
  if (filter.granteeId) q.granteeId = filter.granteeId;
  if (filter.archiveId) q.archiveId = filter.archiveId;
  return grants(conn).find(q).sort({ _id: 1 }).lean<Grant[]>();
}

/** Sets the rights of a grantee on an archive (replacing earlier ones); returns the earlier grant. */
export async function putGrant(conn: Connection, grant: Omit<Grant, '_id'>): Promise<Grant | null> {
  const _id = grantId(grant.granteeId, grant.archiveId);
  const previous = await getGrant(conn, grant.granteeId, grant.archiveId);
  // Two admins saving the same grant at once may both try the upsert's insert; the loser retries as an update.
  const write = () => grants(conn).replaceOne({ _id }, { _id, ...grant }, { upsert: true });
  await write().catch((err: unknown) => (isDuplicateKey(err) ? write() : Promise.reject(err)));
  return previous;
}

export async function deleteGrant(conn: Connection, granteeId: string, archiveId: string): Promise<Grant | null> {
  return grants(conn).findOneAndDelete({ _id: grantId(granteeId, archiveId) }).lean<Grant>();
}

/**
 * Archive users by id, one `_id` lookup each: the archive picker needs the few archives a user
 * holds, and a `$in` would scan every archive user on FerretDB.
 */
export async function archiveUsersById(conn: Connection, ids: string[]): Promise<Map<string, ArchiveUser>> {
  const found = await Promise.all([...new Set(ids)].map((id) => archiveUsers(conn).findById(id).lean<ArchiveUser>()));
  return new Map(found.filter((u): u is ArchiveUser => u !== null).map((u) => [u._id, u]));
}

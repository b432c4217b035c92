import { Schema, type Connection, type QueryFilter } from 'mongoose';
import { modelFor } from './model';

/**
 * Archive users: everyone whose mail the archive holds or may hold. Directory users keep their
 * Entra object id as `_id`, so a rename or an address change never splits an archive; users who
 * leave the directory are marked departed and keep their archive (MISSION M8).
 */
export type ArchiveUserKind = 'user' | 'shared' | 'room' | 'equipment' | 'catch-all' | 'manual' | 'group';

export interface ArchiveUser {
  _id: string;
  source: 'entra' | 'manual';
  kind: ArchiveUserKind;
  upn: string;
  displayName: string;
  /** Primary SMTP address, lower-case; '' when the account has no mailbox. */
  mail: string;
  /** Every SMTP address (primary and aliases), lower-case, for journal and search resolution. */
  addresses: string[];
  accountEnabled: boolean;
  exchangeLicensed: boolean;
  /**
   * The online archive's mailbox id (`inPlaceArchiveMailboxId`, an opaque `MBX:` value) as the
   * last directory sync read it; null: none. Absent: never read (or the read failed).
   */
  onlineArchiveId?: string | null;
  status: 'active' | 'departed';
  departedAt: Date | null;
  lastSyncedAt: Date | null;
  createdAt: Date;
}

const schema = new Schema<ArchiveUser>(
  {
    _id: { type: String, required: true },
    source: { type: String, required: true, enum: ['entra', 'manual'] },
    kind: { type: String, required: true },
    upn: { type: String, required: true },
    displayName: { type: String, default: '' },
    mail: { type: String, default: '' },
    addresses: { type: [String], default: [] },
    accountEnabled: { type: Boolean, default: true },
    exchangeLicensed: { type: Boolean, default: false },
    onlineArchiveId: { type: String, default: undefined },
    status: { type: String, required: true, enum: ['active', 'departed'] },
    departedAt: { type: Date, default: null },
    lastSyncedAt: { type: Date, default: null },
    createdAt: { type: Date, default: () => new Date() },
  },
  { versionKey: false, autoIndex: false, collection: 'archive_users' },
);
schema.index({ upn: 1 }, { unique: true });
schema.index({ addresses: 1 });
schema.index({ status: 1, kind: 1 });

export const archiveUsers = modelFor<ArchiveUser>('ArchiveUser', schema);

export type ArchiveUserUpdate = Omit<ArchiveUser, 'status' | 'departedAt' | 'createdAt' | 'lastSyncedAt'>;

/** Idempotent: creates or refreshes a user seen in the directory, reviving a departed one. */
export async function upsertDirectoryUser(conn: Connection, user: ArchiveUserUpdate, now = new Date()): Promise<'added' | 'updated'> {
  const { _id, ...fields } = user;
  const res = await archiveUsers(conn).updateOne(
    { _id },
    { $set: { ...fields, status: 'active', departedAt: null, lastSyncedAt: now }, $setOnInsert: { createdAt: now } },
    { upsert: true },
  );
  return res.upsertedCount ? 'added' : 'updated';
}

/**
 * Directory users not seen in a complete sync are departed; their archives stay. Users and
 * Microsoft 365 groups (kind 'group') are listed by separate syncs: each departs only its own.
 */
export async function markDeparted(conn: Connection, seenIds: string[], now = new Date(), groups = false): Promise<number> {
  const res = await archiveUsers(conn).updateMany(
    { source: 'entra', status: 'active', _id: { $nin: seenIds }, kind: groups ? 'group' : { $ne: 'group' } },
    { $set: { status: 'departed', departedAt: now } },
  );
  return res.modifiedCount;
}

export async function getArchiveUser(conn: Connection, ref: string): Promise<ArchiveUser | null> {
  const key = ref.toLowerCase();
  return archiveUsers(conn).findOne({ $or: [{ _id: ref }, { upn: key }, { addresses: key }] }).lean<ArchiveUser>();
}

export async function listArchiveUsers(
  conn: Connection,
  filter: { status?: ArchiveUser['status']; kinds?: ArchiveUserKind[]; withMailbox?: boolean } = {},
): Promise<ArchiveUser[]> {
  const q: QueryFilter<ArchiveUser> = {};
  if (filter.status) q.status = filter.status;
  if (filter.kinds) q.kind = { $in: filter.kinds };
  if (filter.withMailbox) q.mail = { $ne: '' };
  return archiveUsers(conn).find(q).sort({ upn: 1 }).lean<ArchiveUser[]>();
}

/** Resolves addresses (any alias) to archive users, for journaling and search. */
export async function findByAddresses(conn: Connection, addresses: string[]): Promise<ArchiveUser[]> {
  const keys = [...new Set(addresses.map((a) => a.toLowerCase()))];
  return archiveUsers(conn).find({ addresses: { $in: keys } }).lean<ArchiveUser[]>();
}

export async function createManualUser(conn: Connection, user: Pick<ArchiveUser, '_id' | 'upn' | 'displayName' | 'mail' | 'addresses' | 'kind'>): Promise<void> {
  await archiveUsers(conn).create({ ...user, source: 'manual', status: 'active', accountEnabled: true, exchangeLicensed: false });
}

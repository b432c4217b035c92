import { randomUUID } from 'node:crypto';
import { Schema, type Connection } from 'mongoose';
import { modelFor } from './model';
import { isDuplicateKey } from './insert-once';

/**
 * Journal gateway mailboxes (the guide's "Gateway mailboxes") and journal profiles. A mailbox
 * is the address Exchange's journal rule sends reports to; `_id` is that address, lower-case, so
 * the SMTP server's RCPT check is an `_id` lookup and a second mailbox of one address is an E11000.
 */
export interface JournalMailbox {
  _id: string;
  description: string;
  /** `scrypt$N$r$p$salt$hash` (journal/secrets.ts); the secret itself is shown once and never stored. */
  secretHash: string;
  createdAt: Date;
  updatedAt: Date;
}

export type UnknownAddressPolicy = 'ignore' | 'catch-all' | 'create-at-sync';

export interface JournalProfileSettings {
  name: string;
  /** The gateway mailbox whose reports this profile archives; one profile per mailbox. */
  mailbox: string;
  unknownAddresses: UnknownAddressPolicy;
  /** Archive user that receives messages under the catch-all policy. */
  catchAllArchiveId: string | null;
  /** Synchronise the directory before giving up on an address of an internal domain. */
  syncDirectoryFirst: boolean;
  /** Domains whose addresses are internal; empty = every domain of the synchronised directory. */
  internalDomains: string[];
  enabled: boolean;
}

export interface JournalProfile extends JournalProfileSettings {
  _id: string;
  createdAt: Date;
  updatedAt: Date;
}

const mailboxSchema = new Schema<JournalMailbox>(
  { _id: String, description: String, secretHash: String, createdAt: Date, updatedAt: Date },
  { versionKey: false, autoIndex: false, collection: 'journal_mailboxes' },
);
const mailboxes = modelFor<JournalMailbox>('JournalMailbox', mailboxSchema);

const profileSchema = new Schema<JournalProfile>(
  {
    _id: String,
    name: String,
    mailbox: String,
    unknownAddresses: String,
    catchAllArchiveId: { type: String, default: null },
    syncDirectoryFirst: Boolean,
    internalDomains: [String],
    enabled: Boolean,
    createdAt: Date,
    updatedAt: Date,
  },
  { versionKey: false, autoIndex: false, collection: 'journal_profiles', minimize: false },
);
profileSchema.index({ name: 1 }, { unique: true });
profileSchema.index({ mailbox: 1 }, { unique: true });
const profiles = modelFor<JournalProfile>('JournalProfile', profileSchema);

export class JournalConflictError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export async function createJournalMailbox(conn: Connection, input: { address: string; description: string; secretHash: string }): Promise<JournalMailbox> {
  const now = new Date();
  const doc: JournalMailbox = { _id: input.address.toLowerCase(), description: input.description, secretHash: input.secretHash, createdAt: now, updatedAt: now };
  try {
    await mailboxes(conn).create(doc);
  } catch (err) {
    if (isDuplicateKey(err)) throw new JournalConflictError('address', `A journal mailbox ${doc._id} already exists`);
    throw err;
  }
  return doc;
}

export async function getJournalMailbox(conn: Connection, address: string): Promise<JournalMailbox | null> {
  return mailboxes(conn).findById(address.toLowerCase()).lean<JournalMailbox>();
}

export async function listJournalMailboxes(conn: Connection): Promise<JournalMailbox[]> {
  return mailboxes(conn).find({}).sort({ _id: 1 }).lean<JournalMailbox[]>();
}

export async function updateJournalMailbox(conn: Connection, address: string, patch: { description?: string; secretHash?: string }): Promise<JournalMailbox | null> {
  return mailboxes(conn)
    .findOneAndUpdate({ _id: address.toLowerCase() }, { $set: { ...patch, updatedAt: new Date() } }, { returnDocument: 'after' })
    .lean<JournalMailbox>();
}

export async function deleteJournalMailbox(conn: Connection, address: string): Promise<boolean> {
  return (await mailboxes(conn).deleteOne({ _id: address.toLowerCase() })).deletedCount === 1;
}

export async function createJournalProfile(conn: Connection, settings: JournalProfileSettings): Promise<JournalProfile> {
  const now = new Date();
  const doc: JournalProfile = { ...settings, _id: randomUUID(), createdAt: now, updatedAt: now };
  try {
    await profiles(conn).create(doc);
  } catch (err) {
    throw conflict(err, settings);
  }
  return doc;
}

export async function replaceJournalProfile(conn: Connection, id: string, settings: JournalProfileSettings): Promise<JournalProfile | null> {
  try {
    return await profiles(conn)
      .findOneAndUpdate({ _id: id }, { $set: { ...settings, updatedAt: new Date() } }, { returnDocument: 'after' })
      .lean<JournalProfile>();
  } catch (err) {
    throw conflict(err, settings);
  }
}

function conflict(err: unknown, settings: JournalProfileSettings): unknown {
  if (!isDuplicateKey(err)) return err;
  const onMailbox = /mailbox/.test(String((err as Error).message));
  return onMailbox
    ? new JournalConflictError('mailbox', `Another journal profile archives ${settings.mailbox}`)
    : new JournalConflictError('name', `A journal profile named "${settings.name}" already exists`);
}

export async function getJournalProfile(conn: Connection, id: string): Promise<JournalProfile | null> {
  return profiles(conn).findById(id).lean<JournalProfile>();
}

export async function listJournalProfiles(conn: Connection): Promise<JournalProfile[]> {
  return profiles(conn).find({}).sort({ name: 1 }).lean<JournalProfile[]>();
}

/** The profile of a gateway mailbox; the collection holds one document per profile, so it stays small. */
export async function profileForMailbox(conn: Connection, mailbox: string): Promise<JournalProfile | null> {
  return profiles(conn).findOne({ mailbox: mailbox.toLowerCase() }).lean<JournalProfile>();
}

export async function deleteJournalProfile(conn: Connection, id: string): Promise<boolean> {
  return (await profiles(conn).deleteOne({ _id: id })).deletedCount === 1;
}

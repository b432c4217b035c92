import { Schema, type Connection } from 'mongoose';
import { resetProfileMembers } from './members';
import { modelFor } from './model';
import type { Counts } from './runs';

/**
 * Where each crawl stands, per (profile, mailbox) and per (profile, mailbox, folder). A link is
 * saved only after the page it leads past was durably ingested, so a killed crawl resumes at the
 * last committed page (re-reading at most one page, which ingest turns into no-ops). The same
 * write records what the run has counted in the folder so far: a page's counts and the link past
 * it are committed together or not at all.
 */
export interface FolderRecord {
  id: string;
  displayName: string;
  parentFolderId: string;
  /** PR_CONTAINER_CLASS (IPF.Note for mail; '' when the folder has none); unset until it was read. */
  containerClass?: string;
}

interface MailboxSync {
  _id: string;
  folderDeltaLink: string | null;
  folders: FolderRecord[];
  wellKnown: { name: string; id: string }[];
  updatedAt: Date;
}

export interface FolderSync {
  _id: string;
  profileId: string;
  mailboxId: string;
  folderId: string;
  /** Next page to fetch: an @odata.nextLink mid-round, or the @odata.deltaLink between rounds. */
  link: string;
  roundComplete: boolean;
  /** The run that last committed a page here, and its counts in this folder up to `link`. */
  runId?: string;
  counts?: Partial<Counts>;
  updatedAt: Date;
}

const mailboxSchema = new Schema<MailboxSync>(
  {
    _id: String,
    folderDeltaLink: { type: String, default: null },
    folders: { type: [{ _id: false, id: String, displayName: String, parentFolderId: String, containerClass: String }], default: [] },
    wellKnown: { type: [{ _id: false, name: String, id: String }], default: [] },
    updatedAt: Date,
  },
  { versionKey: false, autoIndex: false, collection: 'mailbox_sync' },
);
const folderSchema = new Schema<FolderSync>(
  { _id: String, profileId: String, mailboxId: String, folderId: String, link: String, roundComplete: Boolean, runId: String, counts: Schema.Types.Mixed, updatedAt: Date },
  { versionKey: false, autoIndex: false, collection: 'folder_sync' },
);
folderSchema.index({ profileId: 1, mailboxId: 1 });

const mailboxSync = modelFor<MailboxSync>('MailboxSync', mailboxSchema);
const folderSync = modelFor<FolderSync>('FolderSync', folderSchema);

const mailboxKey = (profileId: string, mailboxId: string) => `${profileId}:${mailboxId}`;
const folderKey = (profileId: string, mailboxId: string, folderId: string) => `${profileId}:${mailboxId}:${folderId}`;

export async function getMailboxSync(conn: Connection, profileId: string, mailboxId: string) {
  return mailboxSync(conn).findById(mailboxKey(profileId, mailboxId)).lean<MailboxSync>();
}

export async function saveMailboxSync(
  conn: Connection,
  profileId: string,
  mailboxId: string,
  state: Pick<MailboxSync, 'folderDeltaLink' | 'folders' | 'wellKnown'>,
): Promise<void> {
  await mailboxSync(conn).updateOne({ _id: mailboxKey(profileId, mailboxId) }, { $set: { ...state, updatedAt: new Date() } }, { upsert: true });
}

export async function getFolderLink(conn: Connection, profileId: string, mailboxId: string, folderId: string) {
  return folderSync(conn).findById(folderKey(profileId, mailboxId, folderId)).lean<FolderSync>();
}

export async function saveFolderLink(
  conn: Connection,
  ids: { profileId: string; mailboxId: string; folderId: string },
  link: string,
  roundComplete: boolean,
  progress: { runId: string; counts: Partial<Counts> },
): Promise<void> {
  await folderSync(conn).updateOne(
    { _id: folderKey(ids.profileId, ids.mailboxId, ids.folderId) },
    { $set: { ...ids, link, roundComplete, ...progress, updatedAt: new Date() } },
    { upsert: true },
  );
}

/** Forgets the whole crawl state of a profile (profile deleted, or a full re-crawl requested), its folder ledger too. */
export async function resetProfileSync(conn: Connection, profileId: string): Promise<void> {
  await resetProfileMembers(conn, profileId);
  await folderSync(conn).deleteMany({ profileId });
  await mailboxSync(conn).deleteMany({ _id: { $regex: `^${profileId.replace(/[^\w-]/g, '')}:` } });
}

import { Schema, type Connection, type Model, type mongo } from 'mongoose';
import { insertNew } from './insert-once';
import { modelFor } from './model';

/**
 * What the archive knows of each message in the folders a profile archives, as delta reported
 * them: one document per (profile, mailbox, message), naming its folder and what became of it
 * (held in the archive, filtered out by the profile, owed for a retry, failed for good). Ids are
 * Exchange's immutable ids, so a message moved between folders keeps its document. The
 * completeness report counts these per folder beside the folder's `totalItemCount`: the archive
 * side is measured, not derived. One writer per mailbox: the job crawling it.
 */
export type MemberState = 'held' | 'filtered' | 'owed' | 'failed';

interface Member {
  _id: string;
  profileId: string;
  mailboxId: string;
  folderId: string;
  state: MemberState;
}

const schema = new Schema<Member>(
  { _id: String, profileId: String, mailboxId: String, folderId: String, state: String },
  { versionKey: false, autoIndex: false, collection: 'folder_members' },
);
schema.index({ profileId: 1, mailboxId: 1 });

const members = modelFor<Member>('FolderMember', schema);
const raw = (conn: Connection) => (members(conn) as Model<Member>).collection as unknown as mongo.Collection<Member>;
const memberKey = (profileId: string, mailboxId: string, messageId: string) => `${profileId}:${mailboxId}:${messageId}`;

export interface MailboxRef {
  profileId: string;
  mailboxId: string;
}

/**
 * Records where messages are and what became of them: one insert for those new to the ledger
 * (the unique key decides), an update by `_id` for those it knew (moved, re-offered, retried).
 */
export async function recordMembers(conn: Connection, mb: MailboxRef, entries: { messageId: string; folderId: string; state: MemberState }[]): Promise<void> {
  const docs = entries.map((e) => ({ _id: memberKey(mb.profileId, mb.mailboxId, e.messageId), ...mb, folderId: e.folderId, state: e.state }));
  const known = await insertNew(raw(conn), docs);
  for (const i of known) {
    const { _id, folderId, state } = docs[i]!;
    await raw(conn).updateOne({ _id }, { $set: { folderId, state } });
  }
}

/** A message left `folderId` (deleted there, or moved out before its new folder was crawled). */
export async function forgetMember(conn: Connection, mb: MailboxRef, folderId: string, messageId: string): Promise<void> {
  const _id = memberKey(mb.profileId, mb.mailboxId, messageId);
  const member = await raw(conn).findOne({ _id });
  if (member?.folderId === folderId) await raw(conn).deleteOne({ _id });
}

export type FolderTally = Record<MemberState, number>;

/**
 * Per folder, how many of the mailbox's messages are in each state, once per mailbox and run.
 * Counted by the server: MongoDB reads an index range; FerretDB 1.24 still visits every document
 * of the collection (every mailbox's), but no longer sends the mailbox's thousands of documents
 * over in batches of a hundred, each getMore of which waited its turn behind the crawls' writes.
 */
export async function tallyMembers(conn: Connection, mb: MailboxRef): Promise<Map<string, FolderTally>> {
  const rows = await raw(conn)
    .aggregate<{ _id: { folderId: string; state: MemberState }; n: number }>([
      { $match: { profileId: mb.profileId, mailboxId: mb.mailboxId } },
      { $group: { _id: { folderId: '$folderId', state: '$state' }, n: { $sum: 1 } } },
    ])
    .toArray();
  const tallies = new Map<string, FolderTally>();
  for (const { _id, n } of rows) {
    let tally = tallies.get(_id.folderId);
    if (!tally) tallies.set(_id.folderId, (tally = { held: 0, filtered: 0, owed: 0, failed: 0 }));
    if (_id.state in tally) tally[_id.state] += n;
  }
  return tallies;
}

/** The state of some of the mailbox's messages, by message id. */
export async function memberStates(conn: Connection, mb: MailboxRef, messageIds: string[]): Promise<Map<string, MemberState>> {
  const found = new Map<string, MemberState>();
  for (const id of messageIds) {
    const m = await raw(conn).findOne({ _id: memberKey(mb.profileId, mb.mailboxId, id) });
    if (m) found.set(id, m.state);
  }
  return found;
}

/** Forgets a profile's ledger (profile deleted, or a full re-crawl requested). */
export async function resetProfileMembers(conn: Connection, profileId: string): Promise<void> {
  await raw(conn).deleteMany({ profileId });
}

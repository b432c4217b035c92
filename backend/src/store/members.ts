import { Schema, type Connection, type Model, type mongo } from 'mongoose';
import { withOrphanRepair } from './collection-repair';
import { insertNew } from './insert-once';
import { modelFor } from './model';
import { collectionKey, collectionLayout, collectionsNamed, dropCollectionIfAny } from './server-kind';

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
const shared = (conn: Connection) => (members(conn) as Model<Member>).collection as unknown as mongo.Collection<Member>;
const memberKey = (profileId: string, mailboxId: string, messageId: string) => `${profileId}:${mailboxId}:${messageId}`;

export interface MailboxRef {
  profileId: string;
  mailboxId: string;
}

/**
 * The collection that holds a mailbox's ledger. On MongoDB every mailbox's documents share
 * `folder_members`, read by an index range. FerretDB visits every document of a collection for any
 * filter (server-kind.ts `CollectionLayout`): with one collection, a mailbox's tally read every
 * mailbox's documents (21 tallies of 5.7 s each in a first run of `bench:archive`, 20 × 2,000,
 * and quadratic in the tenant's mailboxes). There each mailbox of a profile has its own,
 * `fm_<profile>_<mailbox>` (keys hashed); documents have the same shape in both.
 */
async function ledger(conn: Connection, mb: MailboxRef): Promise<mongo.Collection<Member>> {
  if ((await collectionLayout(conn.db!)) === 'shared') return shared(conn);
  return conn.db!.collection<Member>(partitionOf(mb));
}

const profilePrefix = (profileId: string) => `fm_${collectionKey(profileId)}_`;
const partitionOf = (mb: MailboxRef) => `${profilePrefix(mb.profileId)}${collectionKey(mb.mailboxId)}`;

/** Inserts what is new to a ledger; the first insert creates a mailbox's collection on FerretDB, which a stop in that moment must not block for good. */
const insertInto = (conn: Connection, coll: mongo.Collection<Member>, docs: Member[]) => withOrphanRepair(conn.db!, coll.collectionName, () => insertNew(coll, docs));

/**
 * Records where messages are and what became of them: one insert for those new to the ledger
 * (the unique key decides), an update by `_id` for those it knew (moved, re-offered, retried).
 */
export async function recordMembers(conn: Connection, mb: MailboxRef, entries: { messageId: string; folderId: string; state: MemberState }[]): Promise<void> {
  const docs = entries.map((e) => ({ _id: memberKey(mb.profileId, mb.mailboxId, e.messageId), ...mb, folderId: e.folderId, state: e.state }));
  const coll = await ledger(conn, mb);
  const known = await insertInto(conn, coll, docs);
  for (const i of known) {
    const { _id, folderId, state } = docs[i]!;
    await coll.updateOne({ _id }, { $set: { folderId, state } });
  }
}

/** A message left `folderId` (deleted there, or moved out before its new folder was crawled). */
export async function forgetMember(conn: Connection, mb: MailboxRef, folderId: string, messageId: string): Promise<void> {
  const _id = memberKey(mb.profileId, mb.mailboxId, messageId);
  const coll = await ledger(conn, mb);
  const member = await coll.findOne({ _id });
  if (member?.folderId === folderId) await coll.deleteOne({ _id });
}

export type FolderTally = Record<MemberState, number>;

/**
 * Per folder, how many of the mailbox's messages are in each state, once per mailbox and run.
 * Counted by the server (MongoDB reads an index range, FerretDB the mailbox's collection), not
 * sent over in batches of a hundred, each getMore of which waited its turn behind the crawls' writes.
 */
export async function tallyMembers(conn: Connection, mb: MailboxRef): Promise<Map<string, FolderTally>> {
  const rows = await (await ledger(conn, mb))
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
  const coll = await ledger(conn, mb);
  for (const id of messageIds) {
    const m = await coll.findOne({ _id: memberKey(mb.profileId, mb.mailboxId, id) });
    if (m) found.set(id, m.state);
  }
  return found;
}

/** Forgets a profile's ledger (profile deleted, or a full re-crawl requested). */
export async function resetProfileMembers(conn: Connection, profileId: string): Promise<void> {
  await shared(conn).deleteMany({ profileId });
  if ((await collectionLayout(conn.db!)) === 'shared') return;
  for (const name of await collectionsNamed(conn.db!, profilePrefix(profileId))) await dropCollectionIfAny(conn.db!, name);
}

/** Documents moved per round of `partitionLedgers`. */
const MOVE_BATCH = 5_000;

/**
 * Moves the shared collection's documents into each mailbox's own, where the layout is
 * partitioned (FerretDB): they were written before each mailbox had one (schema 3). Idempotent:
 * a document already copied is skipped by its `_id`, and the shared ones are deleted only after
 * every copy. Returns how many were copied.
 */
export async function partitionLedgers(conn: Connection): Promise<number> {
  if ((await collectionLayout(conn.db!)) === 'shared') return 0;
  let moved = 0;
  let pending = new Map<string, Member[]>();
  let held = 0;
  const flush = async () => {
    for (const [name, docs] of pending) await insertInto(conn, conn.db!.collection<Member>(name), docs);
    moved += held;
    pending = new Map();
    held = 0;
  };
  for await (const doc of shared(conn).find()) {
    const name = partitionOf(doc);
    const batch = pending.get(name) ?? [];
    batch.push(doc);
    pending.set(name, batch);
    if (++held >= MOVE_BATCH) await flush();
  }
  await flush();
  await shared(conn).deleteMany({});
  return moved;
}

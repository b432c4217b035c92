import { Schema, type Connection, type Model, type mongo } from 'mongoose';
import { setTimeout as sleep } from 'node:timers/promises';
import { releaseById, releasesOf } from './disposals';
import { findWhereIn } from './bulk';
import { insertNew } from './insert-once';
import { modelFor } from './model';
import { getMessageMeta, type MessageAddress } from './messages';

/** Where a copy of the message came from; an item collects every source that delivered it. */
export type ItemSource =
  | { kind: 'graph'; mailboxId: string; folderId: string; messageId: string }
  | { kind: 'journal'; reportId: string }
  | { kind: 'import'; file: string }
  /** A post of a Microsoft 365 group's conversation (backend/src/groups). */
  | { kind: 'group-post'; groupId: string; threadId: string; postId: string };

/** A message as one archive holds it: one per (archive, blob), with what result lists show. */
export interface Item {
  _id: string;
  archiveId: string;
  sha256: string;
  /** Folder path like 'Inbox/Projects'; '' for journal and import. */
  folder: string;
  /** Newest-first ordering: the source's received time, else the Date header, else ingest time. */
  receivedAt: Date;
  subject: string;
  from: MessageAddress | null;
  size: number;
  hasAttachments: boolean;
  sources: ItemSource[];
  archivedAt: Date;
  /** The unit of crawl work (a run's page) that added it: its retry counts it as archived, not as already archived. */
  addedBy?: string;
}

export type NewItem = Omit<Item, '_id' | 'sources' | 'archivedAt'> & { source: ItemSource };

const source = new Schema(
  { kind: String, mailboxId: String, folderId: String, messageId: String, reportId: String, file: String, groupId: String, threadId: String, postId: String },
  { _id: false },
);

const schema = new Schema<Item>(
  {
    _id: String,
    archiveId: String,
    sha256: String,
    folder: String,
    receivedAt: Date,
    subject: String,
    from: { type: new Schema<MessageAddress>({ name: String, address: String }, { _id: false }), default: null },
    size: Number,
    hasAttachments: Boolean,
    sources: [source],
    archivedAt: Date,
    addedBy: String,
  },
  { versionKey: false, autoIndex: false, collection: 'items', minimize: false },
);
schema.index({ archiveId: 1, receivedAt: -1, _id: -1 });
schema.index({ archiveId: 1, folder: 1, receivedAt: -1, _id: -1 });
schema.index({ 'sources.mailboxId': 1, 'sources.messageId': 1 });
// Who else refers to a blob, before retention or erasure removes it (store/retention-items.ts).
schema.index({ sha256: 1 });

export const items = modelFor<Item>('Item', schema);

/**
 * Adds messages to their archives, or only records the new source where an archive already
 * holds the message. One insertMany for the lot (a crawl adds a page at a time): the unique
 * `_id` (archive + hash) lets exactly one insert win, whoever else adds the same message at
 * once; the losers add their source to it. Insert-then-$addToSet rather than upserts with
 * $setOnInsert, which FerretDB 1.24 applies without their null fields. (FerretDB also applies
 * concurrent updates of one document as read-modify-write, so a source added at the same instant
 * as another may be lost there; the next ingest of that copy adds it again.) Mailbox sources are
 * remembered last, so a reference never names a message its archive lacks. 'retried': the item
 * was there, added by the same `unit` (an attempt that died before it could say so).
 */
export async function addItems(conn: Connection, entries: { item: NewItem; unit?: string }[], now = new Date()): Promise<AddOutcome[]> {
  const docs: Item[] = entries.map(({ item: { source, ...fields }, unit }) => ({
    ...fields,
    _id: itemId(fields.archiveId, fields.sha256),
    sources: [source],
    archivedAt: now,
    ...(unit ? { addedBy: unit } : {}),
  }));
  const itemColl = raw(items(conn));
  const existing = await insertNew(itemColl, docs);
  const outcomes = docs.map((): AddOutcome => 'inserted');
  // One at a time, and never as one multi-statement update: FerretDB 1.24 keeps a connection
  // per statement until the whole command ends, and a few such commands exhaust its pool.
  for (const i of existing) {
    const { item, unit } = entries[i]!;
    // (No projection: FerretDB 1.24 does not implement one for findAndModify.)
    const before = await itemColl.findOneAndUpdate({ _id: docs[i]!._id }, { $addToSet: { sources: item.source } });
    // A retry adds the very copy its unit added first; another copy of the same bytes (a
    // mailbox holding it twice) is a duplicate even when the same unit brought both.
    outcomes[i] = unit && before?.addedBy === unit && sameSource(before.sources?.[0], item.source) ? 'retried' : 'existing';
  }
  await checkReleasedBlobs(conn, docs, outcomes);
  const refs = entries.flatMap(({ item, unit }, i): SourceRef[] => {
    if (item.source.kind !== 'graph') return [];
    const _id = sourceKey(item.archiveId, item.source.mailboxId, item.source.messageId);
    return [{ _id, sha256: item.sha256, ...(unit ? { unit, outcome: outcomes[i] === 'existing' ? 'duplicate' : 'archived', size: item.size } : {}) }];
  });
  // The first reference stays: it names the copy, and the unit that archived it.
  await insertNew(raw(sourceRefs(conn)), refs);
  return outcomes;
}

export type AddOutcome = 'inserted' | 'existing' | 'retried';

/** The bytes of a message went (retention removed their last reference) while it was being added: store it again. */
export class BlobReleasedError extends Error {
  readonly code = 'BLOB_RELEASED';
  constructor(sha256: string) {
    super(`The stored copy of message ${sha256} was deleted by retention while it was being archived; archive it again`);
    this.name = 'BlobReleasedError';
  }
}

const RELEASE_WAIT_MS = 60_000;

/**
 * The ingest's half of the handshake with retention (store/disposals.ts): retention marks a blob
 * as being released and then looks for references; this looks for marks after adding its
 * references. One of the two sees the other. A mark seen here is waited out; if the bytes went
 * (their message document goes first and comes back only after the bytes), the items this call
 * added for them are taken back and the ingest fails, to be retried with the bytes stored again.
 */
async function checkReleasedBlobs(conn: Connection, docs: Item[], outcomes: AddOutcome[]): Promise<void> {
  const store = { db: conn.db! };
  let marks = await releasesOf(store, docs.map((d) => d.sha256));
  const deadline = Date.now() + RELEASE_WAIT_MS;
  while (marks.some((m) => !m.released) && Date.now() < deadline) {
    await sleep(200);
    marks = (await Promise.all(marks.map((m) => releaseById(store, m._id)))).filter((m) => m !== null);
  }
  const mine = new Set(docs.map((d) => d.sha256));
  for (const mark of marks) {
    for (const sha of mark.shas.filter((s) => mine.has(s))) {
      if (mark.released && (await getMessageMeta(conn, sha))) continue;
      const added = docs.filter((d, i) => d.sha256 === sha && outcomes[i] === 'inserted').map((d) => d._id);
      if (added.length) await items(conn).deleteMany({ _id: { $in: added } });
      throw new BlobReleasedError(sha);
    }
  }
}

function sameSource(a: ItemSource | undefined, b: ItemSource): boolean {
  if (!a || a.kind !== b.kind) return false;
  if (a.kind === 'graph' && b.kind === 'graph') return a.mailboxId === b.mailboxId && a.messageId === b.messageId;
  if (a.kind === 'journal' && b.kind === 'journal') return a.reportId === b.reportId;
  if (a.kind === 'group-post' && b.kind === 'group-post') return a.groupId === b.groupId && a.postId === b.postId;
  return a.kind === 'import' && b.kind === 'import' && a.file === b.file;
}

/** The driver's collection, typed with string ids, for the batched writes mongoose adds nothing to. */
const raw = <T extends mongo.Document>(model: Model<T>) => model.collection as unknown as mongo.Collection<T>;

/**
 * Item ids are derived from (archive, hash) and lookups go by `_id`: FerretDB 1.24 answers
 * `_id` equality from its primary key but scans the whole collection for any other filter.
 */
export const itemId = (archiveId: string, sha256: string) => `${archiveId}:${sha256}`;

export async function getItem(conn: Connection, archiveId: string, sha256: string): Promise<Item | null> {
  return items(conn).findById(itemId(archiveId, sha256)).lean<Item>();
}

/** The items of these blobs in these archives (through the index on sha256). */
export async function itemsOfBlobs(conn: Connection, sha256s: readonly string[], archiveIds: readonly string[]): Promise<Item[]> {
  if (sha256s.length === 0 || archiveIds.length === 0) return [];
  return items(conn).find({ sha256: { $in: [...sha256s] }, archiveId: { $in: [...archiveIds] } }).lean<Item[]>();
}

/** A mailbox message (by its Graph id) archived in an archive; written once, never changed. */
export interface SourceRef {
  _id: string;
  sha256: string;
  /** The unit of crawl work (a run's page) that archived it: a retried page counts what the first attempt did. */
  unit?: string;
  /** What `unit` counted for it. */
  outcome?: 'archived' | 'duplicate';
  size?: number;
}
const sourceRefs = modelFor<SourceRef>(
  'SourceRef',
  new Schema<SourceRef>({ _id: String, sha256: String, unit: String, outcome: String, size: Number }, { versionKey: false, autoIndex: false, collection: 'source_refs' }),
);
/** Mailbox messages a crawl has been offered for an archive (archived or not): the "new or known?" decision. */
const sourceClaims = modelFor<{ _id: string }>('SourceClaim', new Schema<{ _id: string }>({ _id: String }, { versionKey: false, autoIndex: false, collection: 'source_claims' }));
const sourceKey = (archiveId: string, mailboxId: string, messageId: string) => `${archiveId}:${mailboxId}:${messageId}`;

/**
 * "Which of these mailbox messages does the archive hold already?", decided by inserting a claim
 * per message in one command: on FerretDB a lookup of a missing `_id` scans the collection,
 * while an insert is checked against the unique key. Only messages claimed before (archived
 * then, or offered to an attempt that never finished) are looked up, together in one command:
 * a restarted crawl offers whole pages of them, and a lookup each, fifteen mailboxes at once,
 * kept FerretDB busy for minutes (7 s per lookup at 40,000 references). Returns the references of
 * those that were archived, by message id. (Messages archived before claims existed are claimed
 * on their next offer and downloaded once more; ingest turns that into a duplicate.)
 */
export async function claimSources(conn: Connection, archiveId: string, mailboxId: string, messageIds: string[]): Promise<Map<string, SourceRef>> {
  const claims = messageIds.map((id) => ({ _id: sourceKey(archiveId, mailboxId, id) }));
  const taken = [...(await insertNew(raw(sourceClaims(conn)), claims))];
  if (taken.length === 0) return new Map();
  const refs = new Map((await findWhereIn(raw(sourceRefs(conn)), taken.map((i) => claims[i]!._id))).map((r) => [r._id, r]));
  return new Map(taken.flatMap((i) => {
    const ref = refs.get(claims[i]!._id);
    return ref ? [[messageIds[i]!, ref] as const] : [];
  }));
}

/** The archived copy of a mailbox message (by its Graph id), to skip downloading it again. */
export async function findItemBySource(conn: Connection, archiveId: string, mailboxId: string, messageId: string): Promise<Item | null> {
  const ref = await sourceRefs(conn).findById(sourceKey(archiveId, mailboxId, messageId)).lean<SourceRef>();
  return ref ? getItem(conn, archiveId, ref.sha256) : null;
}

export async function countItems(conn: Connection, archiveId: string): Promise<number> {
  return items(conn).countDocuments({ archiveId });
}

/** Where the next page starts: the last item of the previous page. */
export interface ItemCursor {
  receivedAt: Date;
  id: string;
}

/** Newest first, a page at a time. */
export async function listItems(
  conn: Connection,
  archiveId: string,
  opts: { limit?: number; before?: ItemCursor; folder?: string; folderTree?: string } = {},
): Promise<{ items: Item[]; next: ItemCursor | null }> {
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 500);
  const filter: Record<string, unknown> = { archiveId };
  const and: Record<string, unknown>[] = [];
  if (opts.folder !== undefined) filter.folder = opts.folder;
  // A folder with its subfolders (an export of one folder keeps the paths under it).
  if (opts.folderTree !== undefined) and.push({ $or: [{ folder: opts.folderTree }, { folder: { $regex: `^${opts.folderTree.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/` } }] });
  if (opts.before) {
    const { receivedAt, id } = opts.before;
    and.push({ $or: [{ receivedAt: { $lt: receivedAt } }, { receivedAt, _id: { $lt: id } }] });
  }
  if (and.length > 0) filter.$and = and;
  const page = await items(conn).find(filter).sort({ receivedAt: -1, _id: -1 }).limit(limit).lean<Item[]>();
  const last = page.length === limit ? page[page.length - 1] : undefined;
  return { items: page, next: last ? { receivedAt: last.receivedAt, id: last._id } : null };
}

/** The message moved in its mailbox; the archive follows. */
export async function updateItemFolder(conn: Connection, archiveId: string, sha256: string, folder: string): Promise<boolean> {
  const result = await items(conn).updateOne({ _id: itemId(archiveId, sha256) }, { $set: { folder } });
  return result.matchedCount === 1;
}

/** An item as the reindex job reads it. */
export type ItemRow = Pick<Item, '_id' | 'sha256' | 'folder' | 'receivedAt' | 'size' | 'hasAttachments'>;

/**
 * The next items of an archive after `afterId`, in `_id` order: a cursor that a crash leaves
 * valid (the reindex job resumes from the last one it finished). An `_id` range, which MongoDB
 * serves from its index.
 */
export async function itemsAfter(conn: Connection, archiveId: string, afterId: string, limit: number): Promise<ItemRow[]> {
  const prefix = itemId(archiveId, '');
  const from = afterId > prefix ? afterId : prefix;
  return items(conn)
    .find({ _id: { $gt: from, $lt: `${archiveId};` } }, { sha256: 1, folder: 1, receivedAt: 1, size: 1, hasAttachments: 1 })
    .sort({ _id: 1 })
    .limit(limit)
    .lean<ItemRow[]>();
}

/** The attachment rule changed what the message counts as (ingest/attachment-role.ts). */
export async function setItemHasAttachments(conn: Connection, id: string, hasAttachments: boolean): Promise<void> {
  await items(conn).updateOne({ _id: id }, { $set: { hasAttachments } });
}

/** The archives that hold items (for the reindex of every archive). */
export async function archivesWithItems(conn: Connection): Promise<string[]> {
  return (await items(conn).distinct('archiveId')) as string[];
}

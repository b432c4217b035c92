import { Schema, type Connection } from 'mongoose';
import { modelFor } from './model';
import { isDuplicateKey, type MessageAddress } from './messages';

/** Where a copy of the message came from; an item collects every source that delivered it. */
export type ItemSource =
  | { kind: 'graph'; mailboxId: string; folderId: string; messageId: string }
  | { kind: 'journal'; reportId: string }
  | { kind: 'import'; file: string };

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
}

export type NewItem = Omit<Item, '_id' | 'sources' | 'archivedAt'> & { source: ItemSource };

const source = new Schema(
  { kind: String, mailboxId: String, folderId: String, messageId: String, reportId: String, file: String },
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
  },
  { versionKey: false, autoIndex: false, collection: 'items', minimize: false },
);
schema.index({ archiveId: 1, receivedAt: -1, _id: -1 });
schema.index({ archiveId: 1, folder: 1, receivedAt: -1, _id: -1 });
schema.index({ 'sources.mailboxId': 1, 'sources.messageId': 1 });

const items = modelFor<Item>('Item', schema);

/**
 * Adds the message to the archive, or only records the new source when the archive already
 * holds it. Idempotent and safe when several workers add the same message at once: the unique
 * (archiveId, sha256) index lets exactly one insert win; the others add their source to it.
 * Insert-then-$addToSet rather than one upsert with $setOnInsert, which FerretDB 1.24 applies
 * without its null fields. (FerretDB also applies concurrent updates of one document as
 * read-modify-write, so a source added at the same instant as another may be lost there; the
 * next ingest of that copy adds it again.)
 */
export async function addItem(conn: Connection, item: NewItem, now = new Date()): Promise<'inserted' | 'existing'> {
  const { source, ...fields } = item;
  const _id = itemId(item.archiveId, item.sha256);
  let outcome: 'inserted' | 'existing' = 'inserted';
  try {
    await items(conn).create({ ...fields, _id, sources: [source], archivedAt: now });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    outcome = 'existing';
    await items(conn).updateOne({ _id }, { $addToSet: { sources: source } });
  }
  if (source.kind === 'graph') await rememberSource(conn, item.archiveId, source, item.sha256);
  return outcome;
}

/**
 * Item ids are derived from (archive, hash) and lookups go by `_id`: FerretDB 1.24 answers
 * `_id` equality from its primary key but scans the whole collection for any other filter.
 */
export const itemId = (archiveId: string, sha256: string) => `${archiveId}:${sha256}`;

export async function getItem(conn: Connection, archiveId: string, sha256: string): Promise<Item | null> {
  return items(conn).findById(itemId(archiveId, sha256)).lean<Item>();
}

interface SourceRef {
  _id: string;
  sha256: string;
}
const sourceRefs = modelFor<SourceRef>(
  'SourceRef',
  new Schema<SourceRef>({ _id: String, sha256: String }, { versionKey: false, autoIndex: false, collection: 'source_refs' }),
);
const sourceKey = (archiveId: string, mailboxId: string, messageId: string) => `${archiveId}:${mailboxId}:${messageId}`;

async function rememberSource(conn: Connection, archiveId: string, source: Extract<ItemSource, { kind: 'graph' }>, sha256: string): Promise<void> {
  try {
    await sourceRefs(conn).create({ _id: sourceKey(archiveId, source.mailboxId, source.messageId), sha256 });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
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
  opts: { limit?: number; before?: ItemCursor; folder?: string } = {},
): Promise<{ items: Item[]; next: ItemCursor | null }> {
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 500);
  const filter: Record<string, unknown> = { archiveId };
  if (opts.folder !== undefined) filter.folder = opts.folder;
  if (opts.before) {
    const { receivedAt, id } = opts.before;
    filter.$or = [{ receivedAt: { $lt: receivedAt } }, { receivedAt, _id: { $lt: id } }];
  }
  const page = await items(conn).find(filter).sort({ receivedAt: -1, _id: -1 }).limit(limit).lean<Item[]>();
  const last = page.length === limit ? page[page.length - 1] : undefined;
  return { items: page, next: last ? { receivedAt: last.receivedAt, id: last._id } : null };
}

/** The message moved in its mailbox; the archive follows. */
export async function updateItemFolder(conn: Connection, archiveId: string, sha256: string, folder: string): Promise<boolean> {
  const result = await items(conn).updateOne({ _id: itemId(archiveId, sha256) }, { $set: { folder } });
  return result.matchedCount === 1;
}

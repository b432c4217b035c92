import { Schema, type Connection } from 'mongoose';
import { modelFor } from './model';

/**
 * Work a delta crawl cannot finish now and would never see again: a message too young for the
 * profile's age filter, or archived but too young for the deletion rule. Delta links only report
 * changes, so such messages are remembered here and handled by a later run once due.
 */
export interface PendingItem {
  _id: string;
  kind: 'archive' | 'delete';
  profileId: string;
  mailboxId: string;
  messageId: string;
  folderId: string;
  folderPath: string;
  receivedAt: Date;
  dueAt: Date;
  sha256: string | null;
}

const schema = new Schema<PendingItem>(
  {
    _id: String,
    kind: String,
    profileId: String,
    mailboxId: String,
    messageId: String,
    folderId: String,
    folderPath: String,
    receivedAt: Date,
    dueAt: Date,
    sha256: { type: String, default: null },
  },
  { versionKey: false, autoIndex: false, collection: 'pending_items' },
);
schema.index({ profileId: 1, mailboxId: 1, dueAt: 1 });

const pending = modelFor<PendingItem>('PendingItem', schema);
const key = (p: Pick<PendingItem, 'kind' | 'profileId' | 'mailboxId' | 'messageId'>) => `${p.kind}:${p.profileId}:${p.mailboxId}:${p.messageId}`;

export async function addPending(conn: Connection, item: Omit<PendingItem, '_id'>): Promise<void> {
  const _id = key(item);
  await pending(conn).updateOne({ _id }, { $set: { ...item, _id } }, { upsert: true });
}

export async function duePending(conn: Connection, profileId: string, mailboxId: string, now: Date, limit = 500): Promise<PendingItem[]> {
  return pending(conn).find({ profileId, mailboxId, dueAt: { $lte: now } }).sort({ dueAt: 1 }).limit(limit).lean<PendingItem[]>();
}

export async function removePending(conn: Connection, id: string): Promise<void> {
  await pending(conn).deleteOne({ _id: id });
}

/** A message that left its folder (deleted or moved) no longer needs pending work there. */
export async function forgetPendingMessage(conn: Connection, profileId: string, mailboxId: string, messageId: string): Promise<void> {
  await pending(conn).deleteMany({ profileId, mailboxId, messageId });
}

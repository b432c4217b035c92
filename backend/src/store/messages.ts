import { Schema, type Connection } from 'mongoose';
import { deleteWhereIn } from './bulk';
import { insertNew } from './insert-once';
import { modelFor } from './model';

export interface MessageAddress {
  name: string;
  /** Lower-cased; empty when the header named someone without an address. */
  address: string;
}

export interface MessageAttachment {
  filename: string;
  contentType: string;
  /** Decoded size in bytes. */
  size: number;
  /** SHA-256 of the decoded content; unset when parsing stopped inside the attachment. */
  sha256?: string;
  contentId?: string;
  /**
   * Embedded in the body: its Content-ID is referenced by the HTML (`cid:`), so Outlook shows it
   * in the text, not as an attachment (ingest/attachment-role.ts).
   */
  inline: boolean;
  /** An attached message's own attachments (and theirs), listed as it would list them. */
  attachments?: MessageAttachment[];
}

/** What parsing a raw message yields: computed once per blob, never again. */
export interface MessageContent {
  messageId: string | null;
  subject: string;
  /** The Date header, or when it is unreadable the first Received date (`dateInferred`); never invented. */
  date: Date | null;
  /** `date` is not the Date header but when the first server received it. */
  dateInferred?: boolean;
  from: MessageAddress[];
  sender: MessageAddress[];
  replyTo: MessageAddress[];
  to: MessageAddress[];
  cc: MessageAddress[];
  bcc: MessageAddress[];
  inReplyTo: string | null;
  references: string[];
  listId: string | null;
  xMailer: string | null;
  /** An Exchange journal report (X-MS-Journal-Report), whose payload is the journaled message. */
  isJournalReport: boolean;
  /** At least one attachment that Outlook shows as one (not embedded in the body). */
  hasAttachments: boolean;
  attachments: MessageAttachment[];
  /** Plain text of the body (HTML reduced to text when there is no plain part), capped. */
  bodyText: string;
  /**
   * The text of the other alternatives (the HTML of a multipart/alternative whose plain part is
   * a stub) when it has words bodyText lacks; '' otherwise. Shares bodyText's cap.
   */
  alternativeText?: string;
  /** Text found in attachments, one entry per attachment that had any, capped in total. */
  attachmentText: string[];
  /** Some text was left out of bodyText/attachmentText because of the caps. */
  textTruncated: boolean;
  /** What was left out, in words a reader and an administrator understand (one entry per cut). */
  textCuts?: string[];
  /** The parser that wrote this document (PARSER_VERSION): the reindex job brings older ones up to date. */
  parserVersion?: number;
  /** Why parts of the message could not be read; the raw bytes are archived regardless. */
  parseErrors: string[];
}

/** One document per stored blob, shared by every archive that holds the message. */
export interface MessageDoc extends MessageContent {
  /** SHA-256 (hex) of the raw bytes, the blob's id. */
  _id: string;
  size: number;
  storedAt: Date;
}

const address = new Schema<MessageAddress>({ name: String, address: String }, { _id: false });
const attachment = new Schema<MessageAttachment>(
  { filename: String, contentType: String, size: Number, sha256: String, contentId: String, inline: Boolean, attachments: [Schema.Types.Mixed] },
  { _id: false },
);

const schema = new Schema<MessageDoc>(
  {
    _id: String,
    size: Number,
    storedAt: Date,
    messageId: { type: String, default: null },
    subject: String,
    date: { type: Date, default: null },
    dateInferred: Boolean,
    from: [address],
    sender: [address],
    replyTo: [address],
    to: [address],
    cc: [address],
    bcc: [address],
    inReplyTo: { type: String, default: null },
    references: [String],
    listId: { type: String, default: null },
    xMailer: { type: String, default: null },
    isJournalReport: Boolean,
    hasAttachments: Boolean,
    attachments: [attachment],
    bodyText: String,
    alternativeText: String,
    attachmentText: [String],
    textTruncated: Boolean,
    textCuts: [String],
    parserVersion: Number,
    parseErrors: [String],
  },
  { versionKey: false, autoIndex: false, collection: 'messages', minimize: false },
);
// Lookups are by _id (the SHA-256), by Message-ID for the search that finds one message by it
// (search/message-id.ts), and by both Message-ID and In-Reply-To for a conversation's thread
// (search/thread.ts); the per-archive indexes live on items.
schema.index({ messageId: 1 });
schema.index({ inReplyTo: 1 });

const messages = modelFor<MessageDoc>('Message', schema);

/**
 * Writes each document once, all in one command; a later call for the same blob changes nothing.
 * Answers the positions whose document existed already.
 */
export async function insertMessageDocs(conn: Connection, docs: MessageDoc[]): Promise<Set<number>> {
  // Plain inserts on the natural key rather than upserts with $setOnInsert, which
  // FerretDB 1.24 applies without their null and empty-array fields. The driver's insert rather
  // than Model.create: the documents come typed from our own parser, and mongoose's casting
  // and validating of their address and attachment arrays took a tenth of the backend's CPU
  // while archiving (a CPU profile of bench:archive).
  return insertNew(messages(conn).collection, docs, { ignoreUndefined: true });
}

export async function getMessageDoc(conn: Connection, sha256: string): Promise<MessageDoc | null> {
  return messages(conn).findById(sha256).lean<MessageDoc>();
}

/** The blobs whose Message-ID header is one of `ids` (as the header writes it), at most `limit`. */
export async function blobsWithMessageId(conn: Connection, ids: readonly string[], limit: number): Promise<string[]> {
  const docs = await messages(conn).collection.find({ messageId: { $in: [...ids] } }, { projection: { _id: 1 }, limit }).toArray();
  return docs.map((d) => String(d._id));
}

/** What joins a message to its thread: its own Message-ID and those it answers. */
export type ThreadHeaders = Pick<MessageDoc, '_id' | 'messageId' | 'inReplyTo' | 'references'>;

/**
 * The messages that are one of `ids` (by Message-ID) or answer one of them (In-Reply-To), at most
 * `limit`: one step through a thread, either way. One query, since FerretDB scans for any filter
 * but `_id` (store/items.ts).
 */
export async function threadNeighbours(conn: Connection, ids: readonly string[], limit: number): Promise<ThreadHeaders[]> {
  const $in = [...ids];
  return messages(conn).find({ $or: [{ messageId: { $in } }, { inReplyTo: { $in } }] }, { messageId: 1, inReplyTo: 1, references: 1 }).limit(limit).lean<ThreadHeaders[]>();
}

/** The document without its text (up to megabytes), for when only metadata is needed. */
export type MessageMeta = Omit<MessageDoc, 'bodyText' | 'alternativeText' | 'attachmentText'>;

export async function getMessageMeta(conn: Connection, sha256: string): Promise<MessageMeta | null> {
  return messages(conn).findById(sha256, { bodyText: 0, alternativeText: 0, attachmentText: 0 }).lean<MessageMeta>();
}

/**
 * The document parsed again by a newer parser (the reindex job): its content replaced, its
 * size and storedAt kept. A plain update by `_id`, the only writer being the job that parsed it.
 */
export async function replaceMessageContent(conn: Connection, sha256: string, content: MessageContent): Promise<void> {
  await messages(conn).collection.updateOne({ _id: sha256 } as never, { $set: content }, { ignoreUndefined: true });
}

/** Removes message documents for good (retention, erasure), before their blobs go. */
export async function deleteMessageDocs(conn: Connection, sha256s: readonly string[]): Promise<void> {
  await deleteWhereIn(messages(conn).collection, sha256s);
}

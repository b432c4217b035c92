import { Schema, type Connection } from 'mongoose';
import { modelFor } from './model';
import { insertManyOnce, insertOnce } from './insert-once';
import { byId, READ, smtpTrace, type SmtpTrace, type StoredBytes } from './journal-spool';

/**
 * What became of the reports the journal gateway spooled; insert-keyed like the spool:
 *  - `journal_reports`: one record per processed report, `_id` = the report's blob id (its SHA-256 or keyed hash), so
 *    a report the sender delivered twice (a crash before our 250) is recorded once;
 *  - `journal_quarantine`: reports that are not journal reports or cannot be read, kept with their bytes;
 *  - `journal_pending`: (report, address) waiting for the directory to know the address.
 */
export interface ArchivedCopy {
  archiveId: string;
  /** The participant addresses that led to this archive ('*' for the catch-all). */
  addresses: string[];
  status: 'archived' | 'duplicate';
}

export interface UnknownAddress {
  address: string;
  action: 'ignored' | 'catch-all' | 'pending';
}

export interface ReportRecord {
  /** The report's blob id: SHA-256 of its bytes, or a keyed hash of it under encryption at rest. */
  _id: string;
  spoolId: string;
  mailbox: string;
  profileId: string;
  receivedAt: Date;
  processedAt: Date;
  /** Envelope Message-ID of the journaled message. */
  messageId: string;
  originalSha256: string;
  originalSize: number;
  participants: number;
  archives: ArchivedCopy[];
  unknown: UnknownAddress[];
  /** Participants outside the internal domains: never archived for themselves. */
  external: number;
  warnings: string[];
}

const reportSchema = new Schema<ReportRecord>(
  {
    _id: String,
    spoolId: String,
    mailbox: String,
    profileId: String,
    receivedAt: Date,
    processedAt: Date,
    messageId: String,
    originalSha256: String,
    originalSize: Number,
    participants: Number,
    archives: [new Schema({ archiveId: String, addresses: [String], status: String }, { _id: false })],
    unknown: [new Schema({ address: String, action: String }, { _id: false })],
    external: Number,
    warnings: [String],
  },
  { versionKey: false, autoIndex: false, collection: 'journal_reports', minimize: false },
);
reportSchema.index({ processedAt: -1 });
const reports = modelFor<ReportRecord>('JournalReport', reportSchema);

/** Records already there (a retry, or the same report delivered twice) stay as they are. */
export async function recordReports(conn: Connection, records: ReportRecord[]): Promise<void> {
  await insertManyOnce(reports(conn).collection, records);
}

export async function getReportRecord(conn: Connection, id: string): Promise<ReportRecord | null> {
  return reports(conn).findById(id).lean<ReportRecord>();
}

export async function listReportRecords(conn: Connection, opts: { limit?: number; before?: Date } = {}): Promise<ReportRecord[]> {
  const q = opts.before ? { processedAt: { $lt: opts.before } } : {};
  return reports(conn).find(q).sort({ processedAt: -1 }).limit(opts.limit ?? 50).lean<ReportRecord[]>();
}

export type QuarantineKind = 'not-journal' | 'malformed';

export interface QuarantineDoc extends StoredBytes {
  /** The report's blob id, as `sha256`. */
  _id: string;
  kind: QuarantineKind;
  reason: string;
  spoolId: string;
  mailbox: string;
  receivedAt: Date;
  quarantinedAt: Date;
  smtp: SmtpTrace;
  /** Header fields of the outer message, to recognise it in a list. */
  subject: string;
  from: string;
  /** What could be read of the envelope of a malformed report. */
  envelope: Record<string, unknown> | null;
}

const quarantineSchema = new Schema<QuarantineDoc>(
  {
    _id: String, kind: String, reason: String, spoolId: String, mailbox: String, receivedAt: Date, quarantinedAt: Date,
    sha256: String, size: Number, raw: Buffer, sealed: Buffer, smtp: smtpTrace, subject: String, from: String, envelope: Schema.Types.Mixed,
  },
  { versionKey: false, autoIndex: false, collection: 'journal_quarantine', minimize: false },
);
quarantineSchema.index({ quarantinedAt: -1 });
const quarantine = modelFor<QuarantineDoc>('JournalQuarantine', quarantineSchema);

export async function quarantineReport(conn: Connection, doc: QuarantineDoc): Promise<boolean> {
  return insertOnce(quarantine(conn).collection, doc);
}

export type QuarantineSummary = Omit<QuarantineDoc, 'raw' | 'sealed'>;

export async function listQuarantine(conn: Connection, opts: { kind?: QuarantineKind; limit?: number } = {}): Promise<QuarantineSummary[]> {
  const q = opts.kind ? { kind: opts.kind } : {};
  return quarantine(conn).find(q, { raw: 0, sealed: 0 }).sort({ quarantinedAt: -1 }).limit(opts.limit ?? 100).lean<QuarantineSummary[]>();
}

export async function getQuarantined(conn: Connection, id: string): Promise<QuarantineDoc | null> {
  return (await quarantine(conn).collection.findOne(byId(id), READ)) as QuarantineDoc | null;
}

export async function deleteQuarantined(conn: Connection, id: string): Promise<boolean> {
  return (await quarantine(conn).deleteOne({ _id: id })).deletedCount === 1;
}

export async function countQuarantine(conn: Connection): Promise<Record<QuarantineKind, number>> {
  const [notJournal, malformed] = await Promise.all([
    quarantine(conn).countDocuments({ kind: 'not-journal' }),
    quarantine(conn).countDocuments({ kind: 'malformed' }),
  ]);
  return { 'not-journal': notJournal, malformed };
}

export interface PendingDoc {
  /** `${reportId}:${address}` */
  _id: string;
  reportId: string;
  address: string;
  profileId: string;
  /** The journaled original's blob id (its SHA-256, or a keyed hash of it under encryption at rest), stored before this document was written. */
  originalSha256: string;
  receivedAt: Date;
  expiresAt: Date;
}

const pendingSchema = new Schema<PendingDoc>(
  { _id: String, reportId: String, address: String, profileId: String, originalSha256: String, receivedAt: Date, expiresAt: Date },
  { versionKey: false, autoIndex: false, collection: 'journal_pending' },
);
pendingSchema.index({ address: 1 });
const pending = modelFor<PendingDoc>('JournalPending', pendingSchema);

export const pendingId = (reportId: string, address: string) => `${reportId}:${address}`;

export async function addPending(conn: Connection, doc: PendingDoc): Promise<void> {
  await insertOnce(pending(conn).collection, doc);
}

export async function listPending(conn: Connection, limit = 10_000): Promise<PendingDoc[]> {
  return pending(conn).find({}).sort({ receivedAt: 1 }).limit(limit).lean<PendingDoc[]>();
}

export async function deletePending(conn: Connection, id: string): Promise<void> {
  await pending(conn).deleteOne({ _id: id });
}

export async function countPending(conn: Connection): Promise<number> {
  return pending(conn).countDocuments({});
}


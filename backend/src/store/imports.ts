import { Schema, type Connection } from 'mongoose';
import { insertManyOnce } from './insert-once';
import { modelFor } from './model';

/**
 * Imports (MISSION M14). Each document has one writer: `imports` the API (definition and the
 * admin's pause/cancel), `import_progress` the worker holding the import's job lease, notes are
 * inserted once each; secrets and uploads are the API's.
 */
export type ImportSourceSpec =
  | { kind: 'upload'; uploadId: string; name: string }
  | { kind: 'path'; path: string }
  | { kind: 'imap'; host: string; port: number; tls: 'implicit' | 'starttls' | 'none'; user: string; auth: 'password' | 'xoauth2'; folders: string[]; allowUntrusted: boolean };

export interface ImportOptions {
  mboxFormat: 'mboxrd' | 'mboxo';
  /** Put every folder under this one ('' for none). */
  folderPrefix: string;
}

export interface ImportDoc {
  _id: string;
  archiveId: string;
  source: ImportSourceSpec;
  label: string;
  options: ImportOptions;
  createdBy: { oid: string; upn: string };
  createdAt: Date;
  /** What the admin asked for last. */
  control: 'run' | 'pause' | 'cancel';
  /** The job running it now: `import:<id>:<run>`. */
  jobId: string;
  /** The job type that runs it: the backend's workers, or one CLI's own (see import/cli.ts). */
  jobType: string;
  run: number;
}

export interface FolderCount {
  path: string;
  archived: number;
  duplicate: number;
  failed: number;
}

export type ImportState = 'queued' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

export interface ImportProgress {
  _id: string;
  state: ImportState;
  cursor: string | null;
  bytesRead: number;
  bytesTotal: number | null;
  messagesTotal: number | null;
  archived: number;
  duplicate: number;
  failed: number;
  lossy: number;
  folders: FolderCount[];
  /** Time spent running, over every attempt: rates and time left are measured on it. */
  activeMs: number;
  updatedAt: Date;
  error: string | null;
}

export interface ImportNote {
  _id: string;
  importId: string;
  seq: number;
  kind: 'failed' | 'lossy';
  where: string;
  folder: string;
  code: string;
  message: string;
  sha256: string | null;
  at: Date;
}

export interface ImportUpload {
  _id: string;
  ownerId: string;
  name: string;
  size: number;
  createdAt: Date;
}

const str = { type: String };
const imports = modelFor<ImportDoc>(
  'Import',
  new Schema<ImportDoc>(
    { _id: String, archiveId: str, source: Schema.Types.Mixed, label: str, options: Schema.Types.Mixed, createdBy: Schema.Types.Mixed, createdAt: Date, control: str, jobId: str, jobType: str, run: Number },
    { versionKey: false, autoIndex: false, collection: 'imports', minimize: false },
  ).index({ createdAt: -1 }),
);
const progress = modelFor<ImportProgress>(
  'ImportProgress',
  new Schema<ImportProgress>({ _id: String }, { strict: false, versionKey: false, autoIndex: false, collection: 'import_progress', minimize: false }),
);
const notes = modelFor<ImportNote>(
  'ImportNote',
  new Schema<ImportNote>({ _id: String, importId: str, seq: Number }, { strict: false, versionKey: false, autoIndex: false, collection: 'import_notes' }).index({ importId: 1, seq: 1 }),
);
const secrets = modelFor<{ _id: string; secret: string }>('ImportSecret', new Schema({ _id: String, secret: String }, { versionKey: false, autoIndex: false, collection: 'import_secrets' }));
const uploads = modelFor<ImportUpload>('ImportUpload', new Schema<ImportUpload>({ _id: String, ownerId: str, name: str, size: Number, createdAt: Date }, { versionKey: false, autoIndex: false, collection: 'import_uploads' }));
/** Folder paths may hold dots, which field names must not: the state is a list (FerretDB stores no nested arrays). */
const imapSync = modelFor<{ _id: string; folders: { path: string; state: string }[]; updatedAt: Date }>(
  'ImapSync',
  new Schema({ _id: String, folders: Schema.Types.Mixed, updatedAt: Date }, { versionKey: false, autoIndex: false, collection: 'import_imap_sync', minimize: false }),
);

export async function createImport(conn: Connection, doc: ImportDoc, secret?: string): Promise<void> {
  if (secret !== undefined) await secrets(conn).create({ _id: doc._id, secret });
  await imports(conn).collection.insertOne(doc as never);
}

export async function getImport(conn: Connection, id: string): Promise<ImportDoc | null> {
  return imports(conn).findById(id).lean<ImportDoc>();
}

export async function listImports(conn: Connection, filter: { createdBy?: string; limit?: number } = {}): Promise<ImportDoc[]> {
  const q = filter.createdBy ? { 'createdBy.oid': filter.createdBy } : {};
  return imports(conn).find(q).sort({ createdAt: -1 }).limit(filter.limit ?? 50).lean<ImportDoc[]>();
}

export async function setImportControl(conn: Connection, id: string, set: Partial<Pick<ImportDoc, 'control' | 'jobId' | 'run'>>): Promise<void> {
  await imports(conn).updateOne({ _id: id }, { $set: set });
}

export async function getImportSecret(conn: Connection, id: string): Promise<string | undefined> {
  return (await secrets(conn).findById(id).lean<{ secret: string }>())?.secret;
}

export async function forgetImportSecret(conn: Connection, id: string): Promise<void> {
  await secrets(conn).deleteOne({ _id: id });
}

export async function getImportProgress(conn: Connection, id: string): Promise<ImportProgress | null> {
  return progress(conn).findById(id).lean<ImportProgress>();
}

/** Written whole by the lease holder: the cursor and the counts it implies change together. */
export async function saveImportProgress(conn: Connection, doc: ImportProgress): Promise<void> {
  await progress(conn).collection.replaceOne({ _id: doc._id } as never, doc, { upsert: true });
}

/** Notes of items; inserting one twice (a retried stretch of the source) keeps the first. */
export async function addImportNotes(conn: Connection, list: ImportNote[]): Promise<void> {
  await insertManyOnce(notes(conn).collection as never, list);
}

export async function listImportNotes(conn: Connection, importId: string, opts: { afterSeq?: number; limit?: number } = {}): Promise<ImportNote[]> {
  const q = { importId, ...(opts.afterSeq !== undefined ? { seq: { $gt: opts.afterSeq } } : {}) };
  return notes(conn).find(q).sort({ seq: 1 }).limit(opts.limit ?? 100).lean<ImportNote[]>();
}

export async function createUpload(conn: Connection, upload: ImportUpload): Promise<void> {
  await uploads(conn).collection.insertOne(upload as never);
}

export async function getUpload(conn: Connection, id: string): Promise<ImportUpload | null> {
  return uploads(conn).findById(id).lean<ImportUpload>();
}

export async function deleteUpload(conn: Connection, id: string): Promise<void> {
  await uploads(conn).deleteOne({ _id: id });
}

export const imapSyncKey = (archiveId: string, host: string, user: string) => `${archiveId}|${host.toLowerCase()}|${user.toLowerCase()}`;

export async function getImapSync(conn: Connection, key: string): Promise<Record<string, string>> {
  const doc = await imapSync(conn).findById(key).lean<{ folders: { path: string; state: string }[] }>();
  return Object.fromEntries((doc?.folders ?? []).map((f) => [f.path, f.state]));
}

export async function saveImapSync(conn: Connection, key: string, state: Record<string, string>): Promise<void> {
  await imapSync(conn).updateOne({ _id: key }, { $set: { folders: Object.entries(state).map(([path, folder]) => ({ path, state: folder })), updatedAt: new Date() } }, { upsert: true });
}

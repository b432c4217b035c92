import { randomUUID } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, relative, sep } from 'node:path';
import { audit } from '../access';
import type { ServiceDeps } from '../deps';
import type { Caller } from '../access/caller';
import type { JobHandler } from '../jobs/worker';
import { enqueue, getJob, requestCancel } from '../store/jobs';
import {
  createImport,
  forgetImportSecret,
  getImapSync,
  getImport,
  getImportProgress,
  getImportSecret,
  imapSyncKey,
  saveImapSync,
  saveImportProgress,
  setImportControl,
  type ImportDoc,
  type ImportOptions,
  type ImportProgress,
  type ImportSourceSpec,
} from '../store/imports';
import { fileSource } from './files';
import { imapSource, imapStateOf } from './imap';
import { OutlookWorker } from './outlook';
import { freshProgress, runImport } from './runner';
import { getImportSettings, importLimits, type ImportConfig } from './settings';
import { ImportInputError, type ImportSource } from './types';
import { ownUpload, removeUpload, uploadPath } from './uploads';

export const IMPORT_JOB = 'import';
/** A crashed worker's import is taken over this many times before it counts as failed. */
const MAX_ATTEMPTS = 10;

export type ImportDeps = Pick<ServiceDeps, 'store' | 'log'> & { config: ImportConfig };

export interface NewImport {
  archiveId: string;
  source: ImportSourceSpec;
  options: ImportOptions;
  /** IMAP password or access token; PST password. Kept apart, never shown, deleted when done. */
  secret?: string;
  /** Who runs it: the backend's workers (default) or a CLI's own worker. */
  jobType?: string;
}

/** Refused before anything is queued: the field it came from and why. */
export class ImportRequestError extends ImportInputError {
  constructor(code: string, message: string, readonly field: string) {
    super(code, message);
  }
}

/**
 * Queues an import for a caller. Administrators import anything into any archive; an end user
 * only an uploaded PST into their own archive, and only while the admin setting allows it.
 */
export async function startImport(deps: ImportDeps, caller: Caller, input: NewImport): Promise<ImportDoc> {
  const admin = caller.roles.has('admin');
  let label: string;
  if (input.source.kind === 'upload') {
    const upload = await ownUpload(deps.store, input.source.uploadId, caller.oid);
    if (!upload) throw new ImportRequestError('UPLOAD_NOT_FOUND', 'no such upload', 'source.uploadId');
    const received = await stat(uploadPath(deps.config, upload._id)).then((s) => s.size, () => -1);
    if (received !== upload.size) throw new ImportRequestError('UPLOAD_INCOMPLETE', `the upload has ${Math.max(0, received)} of ${upload.size} bytes`, 'source.uploadId');
    label = upload.name;
  } else if (input.source.kind === 'path') {
    label = await allowedPath(deps.config, input.source.path);
    input = { ...input, source: { kind: 'path', path: label } };
  } else {
    label = `imap://${input.source.user}@${input.source.host}:${input.source.port}`;
    if (!input.secret) throw new ImportRequestError('SECRET_REQUIRED', 'an IMAP import needs the password or access token', 'secret');
  }
  if (!admin) await checkUserImport(deps, caller, input, label);
  const id = randomUUID();
  const imp: ImportDoc = {
    _id: id, archiveId: input.archiveId, source: input.source, label, options: input.options,
    createdBy: { oid: caller.oid, upn: caller.upn }, createdAt: new Date(), control: 'run', jobId: jobKey(id, 1), jobType: input.jobType ?? IMPORT_JOB, run: 1,
  };
  await createImport(deps.store.conn, imp, input.secret);
  await saveImportProgress(deps.store.conn, freshProgress(id));
  await audit(deps.store, { caller, action: 'import', archiveId: imp.archiveId, target: id, details: { source: input.source.kind, label } });
  await enqueue(deps.store, { type: imp.jobType, key: imp.jobId, payload: { importId: id }, maxAttempts: MAX_ATTEMPTS });
  return imp;
}

async function checkUserImport(deps: ImportDeps, caller: Caller, input: NewImport, label: string): Promise<void> {
  if (!(await getImportSettings(deps.store)).usersMayImportPst) throw new ImportRequestError('IMPORT_NOT_ALLOWED', 'importing your own PST files is not enabled by the administrator', 'source');
  if (input.source.kind !== 'upload' || !/\.(pst|ost)$/i.test(label)) throw new ImportRequestError('IMPORT_NOT_ALLOWED', 'you may import PST files you upload, nothing else', 'source');
  if (input.archiveId !== caller.oid) throw new ImportRequestError('IMPORT_NOT_ALLOWED', 'you may import into your own archive only', 'archive');
}

const jobKey = (id: string, run: number) => `import:${id}:${run}`;

/**
 * A path under one of the configured import folders, resolved (symbolic links too) so that no
 * `..` or link leads outside them.
 */
export async function allowedPath(config: ImportConfig, path: string): Promise<string> {
  if (!isAbsolute(path)) throw new ImportRequestError('PATH_NOT_ALLOWED', `${path}: give an absolute path on the server`, 'source.path');
  const real = await realpath(path).catch(() => {
    throw new ImportRequestError('PATH_NOT_FOUND', `${path}: no such file or folder on the server`, 'source.path');
  });
  for (const folder of config.IMPORT_ALLOWED_FOLDERS) {
    const root = await realpath(folder).catch(() => null);
    if (!root) continue;
    const rel = relative(root, real);
    if (rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))) return real;
  }
  const allowed = config.IMPORT_ALLOWED_FOLDERS.length > 0 ? `the allowed import folders (${config.IMPORT_ALLOWED_FOLDERS.join(', ')})` : 'an allowed import folder (none is configured: IMPORT_ALLOWED_FOLDERS)';
  throw new ImportRequestError('PATH_NOT_ALLOWED', `${path} is outside ${allowed}`, 'source.path');
}

export type ImportControl = 'pause' | 'resume' | 'cancel';

/** Pause and cancel stop the running job (its checkpoint stays); resume queues the next run from it. */
export async function controlImport(deps: ImportDeps, caller: Caller, imp: ImportDoc, action: ImportControl): Promise<void> {
  const progress = await getImportProgress(deps.store.conn, imp._id);
  const finished = progress && ['done', 'failed', 'cancelled'].includes(progress.state) && !(action === 'resume' && progress.state === 'failed');
  if (finished) throw new ImportRequestError('IMPORT_FINISHED', `the import has ${progress.state === 'done' ? 'finished' : progress.state}`, 'action');
  if (action === 'resume') {
    const job = await getJob(deps.store, imp.jobId);
    if (job && (job.status === 'queued' || job.status === 'running') && imp.control === 'run') return;
    const run = imp.run + 1;
    await setImportControl(deps.store.conn, imp._id, { control: 'run', run, jobId: jobKey(imp._id, run) });
    await enqueue(deps.store, { type: imp.jobType ?? IMPORT_JOB, key: jobKey(imp._id, run), payload: { importId: imp._id }, maxAttempts: MAX_ATTEMPTS });
  } else {
    await setImportControl(deps.store.conn, imp._id, { control: action });
    const cancelled = await requestCancel(deps.store, imp.jobId);
    // Nothing was running to notice: the state is the admin's word.
    if (!cancelled && progress) await saveImportProgress(deps.store.conn, { ...progress, state: action === 'pause' ? 'paused' : 'cancelled', updatedAt: new Date() });
    if (action === 'cancel' && !cancelled) await cleanUp(deps, imp);
  }
  await audit(deps.store, { caller, action: `import-${action}`, archiveId: imp.archiveId, target: imp._id });
}

/** The job handler: opens the import's source and runs it from its checkpoint. */
export function importHandler(deps: ImportDeps): JobHandler {
  return async (ctx) => {
    const { importId } = ctx.job.payload as { importId: string };
    const imp = await getImport(deps.store.conn, importId);
    if (!imp) return { skipped: 'import not found' };
    const progress = (await getImportProgress(deps.store.conn, importId)) ?? freshProgress(importId);
    if (['done', 'cancelled'].includes(progress.state)) return { skipped: `import ${progress.state}` };
    const outlook = lazyOutlook();
    const syncKey = imp.source.kind === 'imap' ? imapSyncKey(imp.archiveId, imp.source.host, imp.source.user) : null;
    try {
      const source = await sourceOf(deps, imp, outlook.get).catch(async (err: unknown) => {
        // Nothing a retry would change (a path no longer allowed, the secret gone): the import fails, saying why.
        if (!(err instanceof ImportInputError)) throw err;
        await saveImportProgress(deps.store.conn, { ...progress, state: 'failed', error: err.message, updatedAt: new Date() });
        return null;
      });
      if (!source) return { failed: 'source unavailable' };
      const result = await runImport(deps.store, imp, source, progress, {
        signal: ctx.signal,
        log: ctx.logger,
        maxMessageBytes: deps.config.IMPORT_MAX_MESSAGE_BYTES,
        onCheckpoint: syncKey ? (cursor) => saveImapState(deps, syncKey, cursor) : undefined,
      });
      await finished(deps, imp, result);
      return { archived: result.archived, duplicate: result.duplicate, failed: result.failed };
    } catch (err) {
      if (ctx.signal.aborted) await stopped(deps, importId);
      throw err;
    } finally {
      await outlook.close();
    }
  };
}

async function saveImapState(deps: ImportDeps, key: string, cursor: string | null): Promise<void> {
  const state = imapStateOf(cursor);
  if (state) await saveImapSync(deps.store.conn, key, state);
}

/** Paused or cancelled by the admin (the checkpoint is saved); a worker that stops leaves it running for the next. */
async function stopped(deps: ImportDeps, importId: string): Promise<void> {
  const imp = await getImport(deps.store.conn, importId);
  const progress = await getImportProgress(deps.store.conn, importId);
  if (!imp || !progress || imp.control === 'run') return;
  await saveImportProgress(deps.store.conn, { ...progress, state: imp.control === 'pause' ? 'paused' : 'cancelled', updatedAt: new Date() });
  if (imp.control === 'cancel') await cleanUp(deps, imp);
}

async function finished(deps: ImportDeps, imp: ImportDoc, p: ImportProgress): Promise<void> {
  await audit(deps.store, {
    caller: { system: 'import' },
    action: 'import-finished',
    archiveId: imp.archiveId,
    target: imp._id,
    details: { state: p.state, archived: p.archived, duplicate: p.duplicate, failed: p.failed, lossy: p.lossy },
  });
  if (p.state === 'done') await cleanUp(deps, imp);
}

/** Secrets and uploaded files are kept no longer than their import needs them. */
async function cleanUp(deps: ImportDeps, imp: ImportDoc): Promise<void> {
  await forgetImportSecret(deps.store.conn, imp._id);
  if (imp.source.kind === 'upload') await removeUpload(deps.store, deps.config, imp.source.uploadId);
}

async function sourceOf(deps: ImportDeps, imp: ImportDoc, outlook: () => OutlookWorker): Promise<ImportSource> {
  const secret = await getImportSecret(deps.store.conn, imp._id);
  const ctx = { limits: importLimits(deps.config), mboxFormat: imp.options.mboxFormat, outlook, ...(secret !== undefined ? { pstPassword: secret } : {}) };
  switch (imp.source.kind) {
    case 'upload':
      return fileSource(uploadPath(deps.config, imp.source.uploadId), imp.label, ctx);
    case 'path':
      // Checked again: the folder list may have changed since the import was queued.
      return fileSource(await allowedPath(deps.config, imp.source.path), basename(imp.source.path), ctx);
    case 'imap': {
      if (secret === undefined) throw new ImportInputError('SECRET_MISSING', 'the IMAP password is gone (the import was cancelled or finished)', imp.label);
      const previous = await getImapSync(deps.store.conn, imapSyncKey(imp.archiveId, imp.source.host, imp.source.user));
      return imapSource(imp.source, secret, previous, deps.config.IMPORT_MAX_MESSAGE_BYTES);
    }
  }
}

function lazyOutlook() {
  let worker: OutlookWorker | null = null;
  return {
    get: () => (worker ??= new OutlookWorker()),
    close: async () => worker?.close(),
  };
}


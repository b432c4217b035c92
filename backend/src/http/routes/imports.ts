import { Router, type Request } from 'express';
import { z } from 'zod';
import type { ServiceDeps } from '../../deps';
import { ImportRequestError, controlImport, startImport } from '../../import/service';
import { getImportSettings, setImportSettings } from '../../import/settings';
import { UploadError, appendChunk, ownUpload, startUpload, uploadStatus } from '../../import/uploads';
import { importView } from '../../import/view';
import { getArchiveUser } from '../../store/directory';
import { getImport, getImportProgress, listImportNotes, listImports, type ImportDoc } from '../../store/imports';
import { getJob } from '../../store/jobs';
import { requireRole } from '../auth';
import { HttpError, notFound, parseInput } from '../errors';

const name = z.string().trim().min(1).max(255);
const source = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('upload'), uploadId: z.string().uuid() }).strict(),
  z.object({ kind: z.literal('path'), path: z.string().min(1).max(4096) }).strict(),
  z
    .object({
      kind: z.literal('imap'),
      host: z.string().trim().min(1).max(253).regex(/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/, 'must be a host name or an address'),
      port: z.number().int().min(1).max(65535).default(993),
      tls: z.enum(['implicit', 'starttls', 'none']).default('implicit'),
      user: z.string().min(1).max(320),
      auth: z.enum(['password', 'xoauth2']).default('password'),
      folders: z.array(z.string().min(1).max(1000)).max(1000).default([]),
      allowUntrusted: z.boolean().default(false),
    })
    .strict(),
]);
export const newImport = z
  .object({
    archive: z.string().min(1).max(400),
    source,
    secret: z.string().min(1).max(16_384).optional(),
    options: z
      .object({ mboxFormat: z.enum(['mboxrd', 'mboxo']).default('mboxrd'), folderPrefix: z.string().max(500).regex(/^[^/].*[^/]$|^[^/]?$/, 'no leading or trailing /').default('') })
      .strict()
      .default({ mboxFormat: 'mboxrd', folderPrefix: '' }),
  })
  .strict();
export const newUpload = z.object({ name, size: z.number().int().min(1) }).strict();
const offset = z.object({ 'upload-offset': z.coerce.number().int().min(0) });
export const notesQuery = z.object({ after: z.coerce.number().int().min(-1).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });
export const settingsBody = z.object({ usersMayImportPst: z.boolean() }).strict();

/** A domain refusal as the 400 (or 413, 409) the client acts on. */
function asHttp(err: unknown): never {
  if (err instanceof ImportRequestError) throw new HttpError(err.code === 'UPLOAD_NOT_FOUND' ? 404 : err.code === 'IMPORT_NOT_ALLOWED' ? 403 : 400, err.code.toLowerCase(), err.message, err.field);
  if (err instanceof UploadError) throw new HttpError(err.code === 'UPLOAD_TOO_LARGE' ? 413 : 409, err.code.toLowerCase(), err.message, err.code === 'UPLOAD_OFFSET_MISMATCH' ? 'Upload-Offset' : 'size');
  throw err;
}

/**
 * Import of existing mail (MISSION M14): resumable uploads, imports from an upload, a server
 * path or an IMAP account, their progress, notes and controls. Administrators see and run every
 * import; an end user only their own PST imports, when the admin setting allows them.
 */
export function importRoutes(deps: ServiceDeps): Router {
  const r = Router();
  const { store, config } = deps;
  const isAdmin = (req: Request) => req.caller!.roles.has('admin');

  /** The import, if the caller may see it; 404 otherwise. */
  const visible = async (req: Request): Promise<ImportDoc> => {
    const imp = await getImport(store.conn, String(req.params.id));
    if (!imp || (!isAdmin(req) && imp.createdBy.oid !== req.caller!.oid)) throw notFound('Import');
    return imp;
  };
  const view = async (imp: ImportDoc) => importView(imp, await getImportProgress(store.conn, imp._id), await getJob(store, imp.jobId));

  r.get('/imports/settings', async (req, res) => {
    const settings = await getImportSettings(store);
    res.json({ ...settings, maxUploadBytes: config.IMPORT_MAX_UPLOAD_BYTES, ...(isAdmin(req) ? { allowedFolders: config.IMPORT_ALLOWED_FOLDERS } : {}), pstExport: false });
  });
  r.put('/imports/settings', requireRole('admin'), async (req, res) => {
    const input = parseInput(settingsBody, req.body);
    await setImportSettings(store, input);
    res.json(input);
  });

  r.post('/imports/uploads', async (req, res) => {
    const input = parseInput(newUpload, req.body);
    if (!isAdmin(req) && !(await getImportSettings(store)).usersMayImportPst) throw new HttpError(403, 'import_not_allowed', 'importing your own PST files is not enabled by the administrator');
    res.status(201).json(await startUpload(store, config, req.caller!.oid, input.name, input.size).catch(asHttp));
  });
  r.get('/imports/uploads/:id', async (req, res) => {
    const upload = await ownUpload(store, String(req.params.id), req.caller!.oid);
    if (!upload) throw notFound('Upload');
    res.json(await uploadStatus(config, upload));
  });
  r.patch('/imports/uploads/:id', async (req, res) => {
    const upload = await ownUpload(store, String(req.params.id), req.caller!.oid);
    if (!upload) throw notFound('Upload');
    if (!req.is('application/octet-stream') && !req.is('application/offset+octet-stream')) throw new HttpError(415, 'unsupported_media_type', 'send the chunk as application/octet-stream', 'Content-Type');
    const { 'upload-offset': at } = parseInput(offset, req.headers, 'Upload-Offset');
    res.json(await appendChunk(config, upload, at, req).catch(asHttp));
  });

  r.post('/imports', async (req, res) => {
    const input = parseInput(newImport, req.body);
    const archive = await getArchiveUser(store.conn, input.archive);
    const archiveId = archive?._id ?? (input.archive === req.caller!.oid ? input.archive : null);
    if (!archiveId || (!isAdmin(req) && archiveId !== req.caller!.oid)) throw new HttpError(404, 'not_found', 'Archive not found', 'archive');
    const upload = input.source.kind === 'upload' ? await ownUpload(store, input.source.uploadId, req.caller!.oid) : null;
    if (input.source.kind !== 'upload' && !isAdmin(req)) throw new HttpError(403, 'import_not_allowed', 'only administrators import from server paths and IMAP accounts', 'source.kind');
    const spec = input.source.kind === 'upload' ? { ...input.source, name: upload?.name ?? '' } : input.source;
    const imp = await startImport(deps, req.caller!, { archiveId, source: spec, options: input.options, ...(input.secret ? { secret: input.secret } : {}) }).catch(asHttp);
    res.status(201).json(await view(imp));
  });
  r.get('/imports', async (req, res) => {
    const list = await listImports(store.conn, isAdmin(req) ? {} : { createdBy: req.caller!.oid });
    res.json({ value: await Promise.all(list.map(view)) });
  });
  r.get('/imports/:id', async (req, res) => {
    res.json(await view(await visible(req)));
  });
  r.get('/imports/:id/notes', async (req, res) => {
    const imp = await visible(req);
    const q = parseInput(notesQuery, req.query, 'query');
    const notes = await listImportNotes(store.conn, imp._id, { ...(q.after !== undefined ? { afterSeq: q.after } : {}), limit: q.limit });
    res.json({ value: notes.map(({ _id: _i, importId: _m, ...n }) => n) });
  });
  r.post('/imports/:id/:action', async (req, res) => {
    const action = z.enum(['pause', 'resume', 'cancel']).safeParse(req.params.action);
    if (!action.success) throw new HttpError(404, 'route_not_found', `No route for POST ${req.path}`);
    const imp = await visible(req);
    await controlImport(deps, req.caller!, imp, action.data).catch(asHttp);
    res.json(await view((await getImport(store.conn, imp._id))!));
  });
  return r;
}

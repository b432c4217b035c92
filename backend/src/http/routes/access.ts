import { Router, type Request } from 'express';
import { z } from 'zod';
import { audit, auditFrom, JOURNAL_QUARANTINE, readableArchives, verifyAuditChain } from '../../access';
import type { ServiceDeps } from '../../deps';
import { findAuditEntries, type AuditDoc } from '../../store/audit';
import type { ArchiveUser } from '../../store/directory';
import { archiveUsersById, deleteGrant, getGrant, GRANT_RIGHTS, listGrants, type Grant } from '../../store/grants';
import { grantArchive, GrantInputError, QUARANTINE_ARCHIVE, resolveArchiveUser, resolveGrantArchive } from '../../access/grant';
import { requireRole } from '../auth';
import { HttpError, notFound, parseInput } from '../errors';

const ref = z.string().trim().min(1, 'is required').max(320);
export const grantInput = z
  .object({
    grantee: ref,
    archive: ref,
    rights: z.array(z.enum(GRANT_RIGHTS)).min(1, 'needs at least one of read, export, restore').max(3),
  })
  .strict();
const grantRef = z.object({ grantee: ref, archive: ref });
export const grantFilter = z.object({ grantee: ref.optional(), archive: ref.optional() });
export const auditQuery = z.object({
  from: z.coerce.date({ error: 'must be a date' }).optional(),
  to: z.coerce.date({ error: 'must be a date' }).optional(),
  actor: z.string().trim().min(1).max(320).optional(),
  action: z.string().trim().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.coerce.number().int().min(1).optional(),
});
export const verifyQuery = z.object({
  from: z.coerce.number().int().min(1).optional(),
  to: z.coerce.number().int().min(1).optional(),
});

/** A grant's input error as the 400 that names its field. */
function grantInputError(err: unknown): never {
  if (err instanceof GrantInputError) throw new HttpError(400, 'invalid_input', err.message, err.field);
  throw err;
}

/** Grants (admin), the caller's archives (anyone), the audit trail (admin, auditor). MISSION M9, M13. */
export function accessRoutes(deps: ServiceDeps): Router {
  const r = Router();
  const { store } = deps;
  const { conn } = store;

  r.get('/archives', async (req, res) => {
    res.json({ value: await readableArchives(store, req.caller!) });
  });

  r.use('/admin/grants', requireRole('admin'));

  r.get('/admin/grants', async (req, res) => {
    const q = parseInput(grantFilter, req.query, 'query');
    const grantee = q.grantee ? await mustResolve(q.grantee, 'grantee') : undefined;
    const archive = q.archive ? await resolveArchive(q.archive) : undefined;
    const grants = await listGrants(conn, { granteeId: grantee?._id, archiveId: archive?._id });
    const users = await archiveUsersById(conn, grants.flatMap((g) => [g.granteeId, g.archiveId]));
    users.set(JOURNAL_QUARANTINE, QUARANTINE_ARCHIVE);
    res.json({ value: grants.map((g) => grantView(g, users)) });
  });

  r.post('/admin/grants', async (req, res) => {
    const input = parseInput(grantInput, req.body);
    const done = await grantArchive(store, req.caller!, input, { ip: req.ip, userAgent: req.get('user-agent') }).catch(grantInputError);
    const users = new Map([done.grantee, done.archive].map((u) => [u._id, u]));
    res.status(done.created ? 201 : 200).json(grantView(done.grant, users));
  });

  r.delete('/admin/grants', async (req, res) => {
    const input = parseInput(grantRef, { ...req.query, ...(isObject(req.body) ? req.body : {}) }, 'query');
    const grantee = await mustResolve(input.grantee, 'grantee');
    const archive = await resolveArchive(input.archive);
    const existing = await getGrant(conn, grantee._id, archive._id);
    if (!existing) throw notFound('Grant');
    await audit(store, {
      ...auditFrom(req),
      action: 'revoke',
      archiveId: archive._id,
      target: grantee._id,
      details: { grantee: grantee.upn, archive: archive.upn, rights: existing.rights },
    });
    await deleteGrant(conn, grantee._id, archive._id);
    res.status(204).end();
  });

  r.use('/audit', requireRole('admin', 'auditor'));

  r.get('/audit/verify', async (req, res) => {
    const range = parseInput(verifyQuery, req.query, 'query');
    if (range.from !== undefined && range.to !== undefined && range.to < range.from) {
      throw new HttpError(400, 'invalid_input', 'to: must not be before from', 'to');
    }
    const result = await verifyAuditChain(store, range);
    await audit(store, { ...auditFrom(req), action: 'audit-verify', details: { ...range, ok: result.ok, checked: result.checked, brokenAt: result.brokenAt } });
    res.json(result);
  });

  r.get('/audit', async (req, res) => {
    const q = parseInput(auditQuery, req.query, 'query');
    if (q.from && q.to && q.to < q.from) throw new HttpError(400, 'invalid_input', 'to: must not be before from', 'to');
    const found = await findAuditEntries(store, { ...q, before: q.cursor, limit: q.limit + 1 });
    const page = found.slice(0, q.limit);
    await audit(store, { ...auditFrom(req), action: 'audit-read', details: { query: queryDetails(req), returned: page.length } });
    const next = found.length > q.limit ? page[page.length - 1]!._id : undefined;
    res.json({ value: page.map(entryView), ...(next !== undefined ? { nextCursor: next } : {}) });
  });

  const resolveArchive = (value: string) => resolveGrantArchive(store, value).catch(grantInputError);
  const mustResolve = (value: string, field: 'grantee' | 'archive') => resolveArchiveUser(store, value, field).catch(grantInputError);
  return r;
}

function grantView(g: Grant, users: Map<string, ArchiveUser>) {
  const who = (id: string) => {
    const u = users.get(id);
    return { id, upn: u?.upn ?? '', displayName: u?.displayName ?? '', kind: u?.kind ?? 'user' };
  };
  return { id: g._id, grantee: who(g.granteeId), archive: who(g.archiveId), rights: g.rights, grantedBy: g.grantedBy, grantedAt: g.grantedAt };
}

function entryView({ _id, ...rest }: AuditDoc) {
  return { seq: _id, ...rest };
}

function queryDetails(req: Request): Record<string, string> {
  return Object.fromEntries(Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

import { Router, type Request } from 'express';
import { z } from 'zod';
import { audit, auditFrom, JOURNAL_QUARANTINE, readableArchives, verifyAuditChain } from '../../access';
import type { ServiceDeps } from '../../deps';
import { findAuditEntries, type AuditDoc } from '../../store/audit';
import { getArchiveUser, type ArchiveUser } from '../../store/directory';
import { archiveUsersById, deleteGrant, getGrant, GRANT_RIGHTS, grantId, listGrants, putGrant, type Grant } from '../../store/grants';
import { requireRole } from '../auth';
import { HttpError, notFound, parseInput } from '../errors';

const ref = z.string().trim().min(1, 'is required').max(320);
const grantInput = z
  .object({
    grantee: ref,
    archive: ref,
    rights: z.array(z.enum(GRANT_RIGHTS)).min(1, 'needs at least one of read, export, restore').max(3),
  })
  .strict();
const grantRef = z.object({ grantee: ref, archive: ref });
const grantFilter = z.object({ grantee: ref.optional(), archive: ref.optional() });
const auditQuery = z.object({
  from: z.coerce.date({ error: 'must be a date' }).optional(),
  to: z.coerce.date({ error: 'must be a date' }).optional(),
  actor: z.string().trim().min(1).max(320).optional(),
  action: z.string().trim().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.coerce.number().int().min(1).optional(),
});
const verifyQuery = z.object({
  from: z.coerce.number().int().min(1).optional(),
  to: z.coerce.number().int().min(1).optional(),
});

/** The journal quarantine as the archive a grant names (see access/rights.ts). */
const QUARANTINE_ARCHIVE = { _id: JOURNAL_QUARANTINE, upn: JOURNAL_QUARANTINE, displayName: 'Journal quarantine', kind: 'catch-all' } as ArchiveUser;

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
    const rights = GRANT_RIGHTS.filter((x) => input.rights.includes(x));
    // Exporting or restoring what one cannot find and open makes no sense; read comes with them.
    if (!rights.includes('read')) throw new HttpError(400, 'invalid_input', 'rights: export and restore need read', 'rights');
    const grantee = await mustResolve(input.grantee, 'grantee');
    if (grantee.source !== 'entra' || grantee.kind !== 'user') {
      throw new HttpError(400, 'invalid_input', 'grantee: must be a person who signs in with Entra ID, not a shared, room or manual archive', 'grantee');
    }
    const archive = await resolveArchive(input.archive);
    if (archive._id === grantee._id) throw new HttpError(400, 'invalid_input', "archive: is the grantee's own archive, which needs no grant", 'archive');
    const caller = req.caller!;
    // Audited before it takes effect: a grant that cannot be recorded must not happen.
    const previous = await getGrant(conn, grantee._id, archive._id);
    await audit(store, {
      ...auditFrom(req),
      action: 'grant',
      archiveId: archive._id,
      target: grantee._id,
      details: { grantee: grantee.upn, archive: archive.upn, rights, previousRights: previous?.rights ?? [], self: grantee._id === caller.oid },
    });
    const grant = { granteeId: grantee._id, archiveId: archive._id, rights, grantedBy: { oid: caller.oid, upn: caller.upn }, grantedAt: new Date() };
    const before = await putGrant(conn, grant);
    const users = new Map([grantee, archive].map((u) => [u._id, u]));
    res.status(before ? 200 : 201).json(grantView({ _id: grantId(grantee._id, archive._id), ...grant }, users));
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

  /** An archive user, or the journal quarantine, which has no archive user. */
  async function resolveArchive(value: string): Promise<ArchiveUser> {
    return value === JOURNAL_QUARANTINE ? QUARANTINE_ARCHIVE : mustResolve(value, 'archive');
  }

  async function mustResolve(value: string, field: 'grantee' | 'archive'): Promise<ArchiveUser> {
    const user = await getArchiveUser(conn, value);
    if (!user) throw new HttpError(400, 'invalid_input', `${field}: no archive user has this name, address or id`, field);
    return user;
  }
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

import { Router, type Response } from 'express';
import { z } from 'zod';
import { audit, auditFrom, JOURNAL_QUARANTINE, requireQuarantineRead } from '../../access';
import type { ServiceDeps } from '../../deps';
import { releaseHeldReports } from '../../journal';
import { acceptsAnySender } from '../../journal/gateway-limits';
import { reportBytes } from '../../journal/process';
import { journalAddressSchema, journalMailboxInputSchema, journalMailboxPatchSchema, journalProfileInputSchema } from '../../journal/profile';
import { queueReports } from '../../journal/queue';
import { generateSecret, hashSecret, unguessableAddress } from '../../journal/secrets';
import { getArchiveUser } from '../../store/directory';
import {
  createJournalMailbox,
  createJournalProfile,
  deleteJournalMailbox,
  deleteJournalProfile,
  getJournalMailbox,
  getJournalProfile,
  JournalConflictError,
  listJournalMailboxes,
  listJournalProfiles,
  profileForMailbox,
  replaceJournalProfile,
  updateJournalMailbox,
  type JournalMailbox,
  type JournalProfile,
  type JournalProfileSettings,
} from '../../store/journal';
import { countPending, countQuarantine, deleteQuarantined, getQuarantined, getReportRecord, listQuarantine, listReportRecords } from '../../store/journal-records';
import { countSpool, getSpool, listSpool } from '../../store/journal-spool';
import { requireRole } from '../auth';
import { enabledPatch } from './profiles';
import { HttpError, notFound, parseInput } from '../errors';

const idParam = z.object({ id: z.string().min(1).max(100) });
export const spoolQuery = z.object({ held: z.enum(['true', 'false']).optional() });
const shaParam = z.object({ id: z.string().regex(/^[0-9a-f]{64}$/, 'must be a report id (SHA-256, hex)') });
export const reportsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50), before: z.coerce.date().optional() });
export const quarantineQuery = z.object({ kind: z.enum(['not-journal', 'malformed']).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });

/** Admin API of journal archiving (MISSION M3): gateway mailboxes, profiles, processed reports, quarantine. */
export function journalRoutes(deps: ServiceDeps): Router {
  const r = Router();
  const { store, config } = deps;
  const { conn } = store;
  r.use('/admin/journal', requireRole('admin'));

  r.get('/admin/journal/status', async (_req, res) => {
    const [backlog, held, pending, quarantine] = await Promise.all([
      countSpool(conn),
      listSpool(conn, { held: true }).then((l) => l.length),
      countPending(conn),
      countQuarantine(conn),
    ]);
    res.json({
      gateway: {
        enabled: config.SMTP_PORT > 0,
        host: config.SMTP_HOST,
        port: config.SMTP_PORT,
        tls: Boolean(config.SMTP_TLS_CERT),
        requireTls: config.SMTP_REQUIRE_TLS ?? Boolean(config.SMTP_TLS_CERT),
        auth: config.SMTP_TLS_CERT ? config.SMTP_AUTH : 'off',
        maxBytes: config.SMTP_MAX_BYTES,
        allowedHosts: config.SMTP_ALLOWED_HOSTS,
        clientNames: config.SMTP_TLS_CLIENT_NAMES,
        // The lab switch is on and nothing else checks senders: the tab warns in red.
        acceptsAnySender: config.SMTP_PORT > 0 && acceptsAnySender({ allowedHosts: config.SMTP_ALLOWED_HOSTS, clientNames: config.SMTP_TLS_CLIENT_NAMES, auth: config.SMTP_AUTH }),
      },
      backlog,
      held,
      pending,
      quarantine,
    });
  });

  // --- gateway mailboxes ---

  r.get('/admin/journal/mailboxes', async (_req, res) => {
    res.json({ value: (await listJournalMailboxes(conn)).map(mailboxView) });
  });

  r.post('/admin/journal/mailboxes', async (req, res) => {
    const input = parseInput(journalMailboxInputSchema, req.body);
    const secret = generateSecret();
    const address = unguessableAddress(input.address);
    const created = await createJournalMailbox(conn, { ...input, address, secretHash: await hashSecret(secret) }).catch(conflictTo400);
    await audit(store, { ...auditFrom(req), action: 'journal-mailbox-change', target: created._id, details: { change: 'created' } });
    res.status(201).json({ ...mailboxView(created), secret });
  });

  r.get('/admin/journal/mailboxes/:address', async (req, res) => {
    res.json(mailboxView(await mustGetMailbox(req.params)));
  });

  r.patch('/admin/journal/mailboxes/:address', async (req, res) => {
    const mailbox = await mustGetMailbox(req.params);
    const patch = parseInput(journalMailboxPatchSchema, req.body);
    const updated = await updateJournalMailbox(conn, mailbox._id, patch);
    await audit(store, { ...auditFrom(req), action: 'journal-mailbox-change', target: mailbox._id, details: { change: 'description' } });
    res.json(mailboxView(updated!));
  });

  r.post('/admin/journal/mailboxes/:address/secret', async (req, res) => {
    const mailbox = await mustGetMailbox(req.params);
    const secret = generateSecret();
    const updated = await updateJournalMailbox(conn, mailbox._id, { secretHash: await hashSecret(secret) });
    await audit(store, { ...auditFrom(req), action: 'journal-mailbox-change', target: mailbox._id, details: { change: 'secret replaced' } });
    res.json({ ...mailboxView(updated!), secret });
  });

  r.delete('/admin/journal/mailboxes/:address', async (req, res) => {
    const mailbox = await mustGetMailbox(req.params);
    const profile = await profileForMailbox(conn, mailbox._id);
    if (profile) throw new HttpError(409, 'mailbox_in_use', `Journal profile "${profile.name}" archives this mailbox; delete it first`);
    const waiting = await listSpool(conn, { mailbox: mailbox._id }, 1);
    if (waiting.length > 0) throw new HttpError(409, 'mailbox_not_empty', 'Reports of this mailbox are still waiting to be archived');
    await deleteJournalMailbox(conn, mailbox._id);
    await audit(store, { ...auditFrom(req), action: 'journal-mailbox-change', target: mailbox._id, details: { change: 'deleted' } });
    res.status(204).end();
  });

  // --- journal profiles ---

  r.get('/admin/journal/profiles', async (_req, res) => {
    res.json({ value: (await listJournalProfiles(conn)).map(profileView) });
  });

  r.post('/admin/journal/profiles', async (req, res) => {
    const settings = await validProfile(req.body);
    const created = await createJournalProfile(conn, settings).catch(conflictTo400);
    await audit(store, { ...auditFrom(req), action: 'profile-change', target: `journal:${created._id}`, details: { change: 'created', ...auditable(created) } });
    res.status(201).json({ ...profileView(created), released: await release(created) });
  });

  r.get('/admin/journal/profiles/:id', async (req, res) => {
    res.json(profileView(await mustGetProfile(req.params)));
  });

  r.put('/admin/journal/profiles/:id', async (req, res) => {
    const current = await mustGetProfile(req.params);
    const settings = await validProfile(req.body, current._id);
    const updated = await replaceJournalProfile(conn, current._id, settings).catch(conflictTo400);
    if (!updated) throw notFound('Journal profile');
    await audit(store, { ...auditFrom(req), action: 'profile-change', target: `journal:${updated._id}`, details: { change: 'replaced', ...auditable(updated) } });
    res.json({ ...profileView(updated), released: await release(updated) });
  });

  r.patch('/admin/journal/profiles/:id', async (req, res) => {
    const current = await mustGetProfile(req.params);
    const { enabled } = parseInput(enabledPatch, req.body);
    const updated = await replaceJournalProfile(conn, current._id, { ...settingsOf(current), enabled });
    await audit(store, { ...auditFrom(req), action: 'profile-change', target: `journal:${current._id}`, details: { change: enabled ? 'enabled' : 'disabled' } });
    res.json({ ...profileView(updated!), released: await release(updated!) });
  });

  r.delete('/admin/journal/profiles/:id', async (req, res) => {
    const profile = await mustGetProfile(req.params);
    await deleteJournalProfile(conn, profile._id);
    await audit(store, { ...auditFrom(req), action: 'profile-change', target: `journal:${profile._id}`, details: { change: 'deleted' } });
    res.status(204).end();
  });

  // --- what the gateway received ---

  r.get('/admin/journal/reports', async (req, res) => {
    const { limit, before } = parseInput(reportsQuery, req.query, 'query');
    res.json({ value: await listReportRecords(conn, { limit, before }) });
  });

  r.get('/admin/journal/reports/:id', async (req, res) => {
    const { id } = parseInput(shaParam, req.params, 'path');
    const record = await byReportId(id, (key) => getReportRecord(conn, key));
    if (!record) throw notFound('Journal report');
    res.json(record);
  });

  r.get('/admin/journal/spool', async (req, res) => {
    const { held } = parseInput(spoolQuery, req.query, 'query');
    res.json({ value: await listSpool(conn, held === undefined ? {} : { held: held === 'true' }, 500) });
  });

  r.post('/admin/journal/spool/:id/retry', async (req, res) => {
    const { id } = parseInput(idParam, req.params, 'path');
    if (!(await getSpool(conn, id))) throw notFound('Spooled report');
    const job = await queueReports(store, [id], `journal:retry:${id}:${Date.now()}`);
    res.status(202).json({ jobId: job._id });
  });

  r.get('/admin/journal/quarantine', async (req, res) => {
    const { kind, limit } = parseInput(quarantineQuery, req.query, 'query');
    const value = await listQuarantine(conn, { kind, limit });
    // Subjects and senders of mail: who looked at the list is on record, even without opening any.
    await audit(store, { ...auditFrom(req), action: 'journal-quarantine-list', archiveId: JOURNAL_QUARANTINE, details: { kind, returned: value.length } });
    res.json({ value });
  });

  r.get('/admin/journal/quarantine/:id', async (req, res) => {
    await requireQuarantineRead(store, req.caller!);
    const { raw: _raw, sealed: _sealed, ...doc } = await mustGetQuarantined(req.params);
    await audit(store, { ...auditFrom(req), action: 'view', archiveId: JOURNAL_QUARANTINE, target: `journal-quarantine:${doc._id}` });
    res.json(doc);
  });

  r.get('/admin/journal/quarantine/:id/raw', async (req, res) => {
    await requireQuarantineRead(store, req.caller!);
    const doc = await mustGetQuarantined(req.params);
    await audit(store, { ...auditFrom(req), action: 'download', archiveId: JOURNAL_QUARANTINE, target: `journal-quarantine:${doc._id}` });
    sendRaw(res, doc._id, await reportBytes(store, doc));
  });

  r.delete('/admin/journal/quarantine/:id', async (req, res) => {
    const doc = await mustGetQuarantined(req.params);
    await deleteQuarantined(conn, doc._id);
    await audit(store, { ...auditFrom(req), action: 'journal-quarantine-delete', target: `journal-quarantine:${doc._id}`, details: { kind: doc.kind } });
    res.status(204).end();
  });

  async function mustGetMailbox(params: unknown): Promise<JournalMailbox> {
    const { address } = parseInput(journalAddressSchema, params, 'path');
    const mailbox = await getJournalMailbox(conn, address);
    if (!mailbox) throw notFound('Journal mailbox');
    return mailbox;
  }

  async function mustGetProfile(params: unknown): Promise<JournalProfile> {
    const { id } = parseInput(idParam, params, 'path');
    const profile = await getJournalProfile(conn, id);
    if (!profile) throw notFound('Journal profile');
    return profile;
  }

  /**
   * A report is found by its id or by the SHA-256 of its bytes (what its sender can tell): under
   * encryption at rest the id is a keyed hash of it (gateway-receive.ts spoolReport).
   */
  async function byReportId<T>(id: string, get: (key: string) => Promise<T | null>): Promise<T | null> {
    const keyed = store.blobs.identify(id).id;
    return (await get(keyed)) ?? (keyed === id ? null : get(id));
  }

  async function mustGetQuarantined(params: unknown) {
    const { id } = parseInput(shaParam, params, 'path');
    const doc = await byReportId(id, (key) => getQuarantined(conn, key));
    if (!doc) throw notFound('Quarantined report');
    return doc;
  }

  async function validProfile(body: unknown, selfId?: string): Promise<JournalProfileSettings> {
    const settings = parseInput(journalProfileInputSchema, body);
    if (!(await getJournalMailbox(conn, settings.mailbox))) {
      throw new HttpError(400, 'invalid_input', 'mailbox: no journal mailbox has this address; create it first', 'mailbox');
    }
    const other = await profileForMailbox(conn, settings.mailbox);
    if (other && other._id !== selfId) {
      throw new HttpError(400, 'invalid_input', `mailbox: journal profile "${other.name}" archives this mailbox`, 'mailbox');
    }
    if (settings.unknownAddresses === 'catch-all') {
      if (!settings.catchAllArchiveId) throw new HttpError(400, 'invalid_input', 'catchAllArchiveId: is required with the catch-all policy', 'catchAllArchiveId');
      if (!(await getArchiveUser(conn, settings.catchAllArchiveId))) {
        throw new HttpError(400, 'invalid_input', 'catchAllArchiveId: no archive user has this id', 'catchAllArchiveId');
      }
    }
    return settings;
  }

  /** Reports held while no enabled profile took them are archived once one does. */
  async function release(profile: JournalProfile): Promise<number> {
    return profile.enabled ? releaseHeldReports(store, profile.mailbox) : 0;
  }
  return r;
}

function sendRaw(res: Response, id: string, bytes: Buffer): void {
  res.setHeader('Content-Type', 'message/rfc822');
  res.setHeader('Content-Disposition', `attachment; filename="journal-report-${id.slice(0, 16)}.eml"`);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.send(bytes);
}

function conflictTo400(err: unknown): never {
  if (err instanceof JournalConflictError) throw new HttpError(400, 'invalid_input', `${err.field}: ${err.message}`, err.field);
  throw err;
}

function mailboxView(m: JournalMailbox) {
  return { address: m._id, description: m.description, createdAt: m.createdAt, updatedAt: m.updatedAt };
}

function settingsOf(p: JournalProfile): JournalProfileSettings {
  const { _id: _i, createdAt: _c, updatedAt: _u, ...settings } = p;
  return settings;
}

function auditable(p: JournalProfile) {
  return { mailbox: p.mailbox, unknownAddresses: p.unknownAddresses, catchAllArchiveId: p.catchAllArchiveId, enabled: p.enabled };
}

function profileView(p: JournalProfile) {
  return { id: p._id, ...settingsOf(p), createdAt: p.createdAt, updatedAt: p.updatedAt };
}

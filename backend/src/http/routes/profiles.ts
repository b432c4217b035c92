import { Router } from 'express';
import { z } from 'zod';
import { profileInputSchema, type ProfileSettings } from '../../archiving/profile';
import { mailboxPace, runPace } from '../../archiving/pace';
import { cancelRun, startRun, type ArchivingDeps } from '../../archiving/runner';
import { testProfile } from '../../archiving/test-profile';
import { validateSchedule } from '../../jobs/scheduler';
import { createProfile, deleteProfile, DuplicateNameError, getProfile, listProfiles, replaceProfile } from '../../store/profiles';
import { getRun, hasActiveRun, listRunMailboxes, listRuns, sumCounts, sumMissing } from '../../store/runs';
import { resetProfileSync } from '../../store/sync-state';
import { requireRole } from '../auth';
import { HttpError, notFound, parseInput } from '../errors';

const idParam = z.object({ id: z.string().min(1).max(100) });
/** The body that turns something on or off (a profile, a journal profile, encryption). */
export const runsQuery = z.object({ profileId: z.string().max(100).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) });
export const enabledPatch = z.object({ enabled: z.boolean() }).strict();

/** Admin API for archiving profiles and their runs (MISSION M1, M2, M4, M6, M7). */
export function profileRoutes(deps: ArchivingDeps): Router {
  const r = Router();
  const { conn } = deps.store;
  r.use('/admin', requireRole('admin'));

  r.get('/admin/profiles', async (_req, res) => {
    const profiles = await listProfiles<ProfileSettings>(conn);
    res.json({ value: profiles.map(view) });
  });

  r.post('/admin/profiles', async (req, res) => {
    const settings = validProfile(req.body);
    const created = await createProfile(conn, settings).catch(duplicateTo400);
    res.status(201).json(view(created));
  });

  r.get('/admin/profiles/:id', async (req, res) => {
    res.json(view(await mustGet(req.params)));
  });

  r.put('/admin/profiles/:id', async (req, res) => {
    const { id } = parseInput(idParam, req.params, 'path');
    const updated = await replaceProfile(conn, id, validProfile(req.body)).catch(duplicateTo400);
    if (!updated) throw notFound('Profile');
    res.json(view(updated));
  });

  r.patch('/admin/profiles/:id', async (req, res) => {
    const current = await mustGet(req.params);
    const { enabled } = parseInput(enabledPatch, req.body);
    const updated = await replaceProfile(conn, current._id, { ...current.settings, enabled });
    res.json(view(updated!));
  });

  r.delete('/admin/profiles/:id', async (req, res) => {
    const profile = await mustGet(req.params);
    if (await hasActiveRun(conn, profile._id)) throw new HttpError(409, 'run_active', 'Cancel the running run before deleting the profile');
    await deleteProfile(conn, profile._id);
    await resetProfileSync(conn, profile._id);
    res.status(204).end();
  });

  r.post('/admin/profiles/:id/test', async (req, res) => {
    const profile = await mustGet(req.params);
    res.json(await testProfile(deps, profile.settings));
  });

  r.post('/admin/profiles/:id/run', async (req, res) => {
    const profile = await mustGet(req.params);
    const active = await hasActiveRun(conn, profile._id);
    if (active) throw new HttpError(409, 'run_active', `Run ${active._id} of this profile is still ${active.status}`);
    res.status(202).json(await startRun(deps, profile._id, 'manual'));
  });

  r.get('/admin/runs', async (req, res) => {
    const { profileId, limit } = parseInput(runsQuery, req.query, 'query');
    res.json({ value: await listRuns(conn, { profileId, limit }) });
  });

  r.get('/admin/runs/:id', async (req, res) => {
    const { id } = parseInput(idParam, req.params, 'path');
    const run = await getRun(conn, id);
    if (!run) throw notFound('Run');
    const mailboxes = (await listRunMailboxes(conn, id)).map((m) => ({ ...m, pace: mailboxPace(m) }));
    const recoveredErrors = mailboxes.reduce((n, m) => n + (m.recoveredErrors ?? 0), 0);
    res.json({ ...run, totals: sumCounts(mailboxes), missing: sumMissing(mailboxes), recoveredErrors, pace: runPace(run, mailboxes), mailboxes });
  });

  r.post('/admin/runs/:id/cancel', async (req, res) => {
    const { id } = parseInput(idParam, req.params, 'path');
    if (!(await getRun(conn, id))) throw notFound('Run');
    const cancelled = await cancelRun(deps, id);
    res.status(cancelled ? 202 : 409).json({ cancelled });
  });

  async function mustGet(params: unknown) {
    const { id } = parseInput(idParam, params, 'path');
    const profile = await getProfile<ProfileSettings>(conn, id);
    if (!profile) throw notFound('Profile');
    return profile;
  }
  return r;
}

function validProfile(body: unknown): ProfileSettings {
  const settings = parseInput(profileInputSchema, body);
  const problem = validateSchedule(settings.schedule);
  if (problem) throw new HttpError(400, 'invalid_input', `schedule: ${problem}`, 'schedule');
  return settings;
}

function duplicateTo400(err: unknown): never {
  if (err instanceof DuplicateNameError) throw new HttpError(400, 'invalid_input', `name: ${err.message}`, 'name');
  throw err;
}

function view(p: { _id: string; settings: ProfileSettings; createdAt: Date; updatedAt: Date }) {
  return { id: p._id, ...p.settings, createdAt: p.createdAt, updatedAt: p.updatedAt };
}

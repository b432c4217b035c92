import { Router } from 'express';
import { z } from 'zod';
import type { ArchivingDeps } from '../../archiving/runner';
import { directorySettingsSchema, getDirectorySettings, saveDirectorySettings } from '../../directory/settings';
import { DirectorySettingsError, syncDirectory } from '../../directory/sync';
import { validateSchedule } from '../../jobs/scheduler';
import { createManualUser, getArchiveUser, listArchiveUsers } from '../../store/directory';
import { requireRole } from '../auth';
import { HttpError, parseInput } from '../errors';

export const archiveUsersQuery = z.object({ status: z.enum(['active', 'departed']).optional() });
export const manualUserSchema = z
  .object({
    upn: z.string().trim().toLowerCase().email('must be an email-style user name'),
    displayName: z.string().trim().min(1, 'is required').max(200),
    addresses: z.array(z.string().trim().toLowerCase().email('must be an email address')).max(50).default([]),
    kind: z.enum(['manual', 'catch-all']).default('manual'),
  })
  .strict();

/** Directory synchronisation settings, sync now, archive users (MISSION M8). */
export function directoryRoutes(deps: ArchivingDeps): Router {
  const r = Router();
  const { conn } = deps.store;
  r.use('/admin/directory', requireRole('admin'));

  r.get('/admin/directory/settings', async (_req, res) => {
    res.json(await getDirectorySettings(conn));
  });

  r.put('/admin/directory/settings', async (req, res) => {
    const settings = parseInput(directorySettingsSchema, req.body);
    const problem = validateSchedule(settings.schedule);
    if (problem) throw new HttpError(400, 'invalid_input', `schedule: ${problem}`, 'schedule');
    res.json(await saveDirectorySettings(conn, settings));
  });

  r.post('/admin/directory/sync', async (_req, res) => {
    try {
      res.json(await syncDirectory(conn, deps.graph, await getDirectorySettings(conn)));
    } catch (err) {
      if (err instanceof DirectorySettingsError) throw new HttpError(409, 'invalid_settings', err.message, err.field);
      throw err;
    }
  });

  r.get('/admin/directory/users', async (req, res) => {
    const { status } = parseInput(archiveUsersQuery, req.query, 'query');
    res.json({ value: await listArchiveUsers(conn, { status }) });
  });

  r.post('/admin/directory/users', async (req, res) => {
    const input = parseInput(manualUserSchema, req.body);
    if (await getArchiveUser(conn, input.upn)) throw new HttpError(400, 'invalid_input', 'upn: an archive user with this name or address exists', 'upn');
    const _id = `manual:${input.upn}`;
    await createManualUser(conn, { _id, upn: input.upn, displayName: input.displayName, mail: input.upn, addresses: [...new Set([input.upn, ...input.addresses])], kind: input.kind });
    res.status(201).json(await getArchiveUser(conn, _id));
  });
  return r;
}

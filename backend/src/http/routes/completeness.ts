import { Router } from 'express';
import { z } from 'zod';
import { audit, auditFrom } from '../../access';
import { completenessOfRun, FailedMessageNotFoundError, latestCompleteness, listFailedMessages, retryFailedMessage } from '../../archiving/report';
import type { ArchivingDeps } from '../../archiving/runner';
import { requireRole } from '../auth';
import { HttpError, notFound, parseInput } from '../errors';

const id = z.string().min(1).max(400);
export const completenessQuery = z.object({ profileId: id.optional() });
export const failedMessagesQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

/**
 * The completeness report (MISSION M18): per mailbox and folder, what Graph says the mailbox
 * holds beside what the archive holds, with a verdict; and the messages that failed for good,
 * which an administrator can retry.
 */
export function completenessRoutes(deps: ArchivingDeps): Router {
  const r = Router();
  const { conn } = deps.store;
  r.use(['/admin/completeness', '/admin/failed-messages'], requireRole('admin'));
  r.use('/admin/runs/:id/completeness', requireRole('admin'));

  r.get('/admin/runs/:id/completeness', async (req, res) => {
    const { id: runId } = parseInput(z.object({ id }), req.params, 'path');
    const report = await completenessOfRun(conn, runId);
    if (!report) throw notFound('Run');
    res.json(report);
  });

  /** The newest report: of one profile's runs, or of any. 404 until a run has made one. */
  r.get('/admin/completeness', async (req, res) => {
    const { profileId } = parseInput(completenessQuery, req.query, 'query');
    const report = await latestCompleteness(conn, profileId);
    if (!report) throw new HttpError(404, 'no_report', 'No run has made a completeness report yet', profileId ? 'profileId' : undefined);
    res.json(report);
  });

  r.get('/admin/failed-messages', async (req, res) => {
    const { limit } = parseInput(failedMessagesQuery, req.query, 'query');
    res.json({ value: await listFailedMessages(conn, limit) });
  });

  r.post('/admin/failed-messages/:id/retry', async (req, res) => {
    const params = parseInput(z.object({ id }), req.params, 'path');
    try {
      const retried = await retryFailedMessage(deps, params.id);
      await audit(deps.store, { ...auditFrom(req), action: 'retry-message', target: params.id });
      res.status(202).json(retried);
    } catch (err) {
      if (err instanceof FailedMessageNotFoundError) throw new HttpError(404, 'not_found', err.message);
      throw err;
    }
  });
  return r;
}

import { Router } from 'express';
import { z } from 'zod';
import type { ServiceDeps } from '../../deps';
import { listFailedMessages } from '../../archiving/report';
import { countFailedForGood } from '../../store/pending';
import { archivedPerDay, recentRuns, storageFigures } from '../../store/stats';
import { requireRole } from '../auth';
import { parseInput } from '../errors';

/** Messages failed for good that the dashboard names (the completeness report lists every one). */
const FAILED_SHOWN = 10;

export const statsQuery = z.object({
  days: z.coerce.number().int().min(1).max(90).default(14),
  runs: z.coerce.number().int().min(1).max(50).default(10),
});

/** The administrators' dashboard: storage and single-instance figures, recent runs, what needs attention (messages failed for good among it). */
export function adminStatsRoutes(deps: ServiceDeps): Router {
  const r = Router();
  const { conn } = deps.store;
  r.use('/admin/stats', requireRole('admin'));

  r.get('/admin/stats', async (req, res) => {
    const q = parseInput(statsQuery, req.query, 'query');
    const [storage, perDay, runs, failedMessages, failedCount] = await Promise.all([
      storageFigures(conn),
      archivedPerDay(conn, q.days),
      recentRuns(conn, q.runs),
      listFailedMessages(conn, FAILED_SHOWN),
      countFailedForGood(conn),
    ]);
    const attention = runs
      .filter((run) => run.status === 'failed' || run.status === 'partial' || run.troubled.length > 0)
      .map((run) => ({ runId: run._id, profileId: run.profileId, profileName: run.profileName, status: run.status, at: run.finishedAt ?? run.createdAt, error: run.error, mailboxes: run.troubled }));
    res.json({
      storage,
      singleInstance: {
        copies: storage.items,
        stored: storage.messages,
        savedBytes: Math.max(0, storage.itemBytes - storage.messageBytes),
        compressionSavedBytes: Math.max(0, storage.messageBytes - storage.storedBytes),
      },
      perDay,
      runs: runs.map(({ troubled: _t, ...run }) => run),
      attention,
      failedMessages: { count: failedCount, recent: failedMessages },
    });
  });
  return r;
}

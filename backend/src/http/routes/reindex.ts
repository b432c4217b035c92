import { Router } from 'express';
import { audit, auditFrom } from '../../access';
import type { ServiceDeps } from '../../deps';
import { textLimits } from '../../ingest/text-limits';
import { reindexStatus, startReindex } from '../../jobs/reindex';
import { requireRole } from '../auth';
import { HttpError } from '../errors';

/** The reindex of every archive (jobs/reindex.ts): start it, and watch it from the Teams tab. */
export function reindexRoutes(deps: ServiceDeps): Router {
  const r = Router();
  const { store } = deps;
  r.use('/admin/reindex', requireRole('admin'));

  // The text caps come along: what a message keeps beyond them is not searchable (INDEX_MAX_*_CHARS).
  r.get('/admin/reindex', async (_req, res) => {
    res.json({ reindex: await reindexStatus(store), limits: textLimits() });
  });

  r.post('/admin/reindex', async (req, res) => {
    const job = await startReindex(store);
    if (!job) throw new HttpError(409, 'reindex_running', 'A reindex is running already; wait for it to finish');
    await audit(store, { ...auditFrom(req), action: 'reindex', target: job._id });
    res.status(202).json({ reindex: await reindexStatus(store), limits: textLimits() });
  });
  return r;
}

import { Router } from 'express';
import { z } from 'zod';
import type { ServiceDeps } from '../../deps';
import { operationsOverview } from '../../operations/overview';
import { requireRole } from '../auth';
import { parseInput } from '../errors';

export const operationsQuery = z.object({ days: z.coerce.number().int().min(2).max(90).default(14) });

/** The operations dashboard: backlog, failing mailboxes, last successful run per profile, growth and forecast, processes. */
export function operationsRoutes(deps: ServiceDeps): Router {
  const r = Router();
  r.get('/admin/operations', requireRole('admin'), async (req, res) => {
    const { days } = parseInput(operationsQuery, req.query, 'query');
    const limitGb = deps.config.DATABASE_SIZE_LIMIT_GB;
    res.json(await operationsOverview(deps.store, { days, limitBytes: limitGb ? Math.round(limitGb * 1024 ** 3) : undefined }));
  });
  return r;
}

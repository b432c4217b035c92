import { Router } from 'express';
import { z } from 'zod';
import type { ServiceDeps } from '../../deps';
import { operationsOverview } from '../../operations/overview';
import { requireRole } from '../auth';
import { parseInput } from '../errors';

const query = z.object({ days: z.coerce.number().int().min(2).max(90).default(14) });

/** The operations dashboard: backlog, failing mailboxes, last successful run per profile, growth and forecast, processes. */
export function operationsRoutes(deps: ServiceDeps): Router {
  const r = Router();
  r.get('/admin/operations', requireRole('admin'), async (req, res) => {
    const { days } = parseInput(query, req.query, 'query');
    res.json(await operationsOverview(deps.store, { days }));
  });
  return r;
}

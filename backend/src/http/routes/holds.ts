import { Router } from 'express';
import { z } from 'zod';
import type { ServiceDeps } from '../../deps';
import { endHold, heldCount, holdInput, holdStatusFor, liftInput, setHold } from '../../retention/holds';
import { parseItemId, reachItem } from '../../retrieval/item-ref';
import { getHold, listHolds, type Hold } from '../../store/holds';
import { requireRole } from '../auth';
import { notFound, parseInput } from '../errors';
import { retentionErrors } from './retention-errors';

const idParam = z.object({ id: z.string().min(1).max(100) });

/**
 * Legal holds (administrators and auditors) and, for anyone who may read a message, whether it
 * is under a hold they may know of (the Outlook add-in's badge). MISSION M13.
 */
export function holdRoutes(deps: ServiceDeps): Router {
  const r = Router();
  const { store } = deps;

  r.get('/messages/:id/hold', async (req, res) => {
    const item = await reachItem(store, req.caller!, parseItemId(req.params.id), 'read');
    res.set('Cache-Control', 'private, no-store').json(await holdStatusFor(store, req.caller!, item));
  });

  r.use('/compliance/holds', requireRole('admin', 'auditor'));

  r.get('/compliance/holds', async (_req, res) => {
    res.json({ value: (await listHolds(store)).map(holdView) });
  });

  r.post('/compliance/holds', async (req, res) => {
    const input = parseInput(holdInput, req.body);
    res.status(201).json(holdView(await setHold(store, req.caller!, input)));
  });

  r.get('/compliance/holds/:id', async (req, res) => {
    const { id } = parseInput(idParam, req.params, 'path');
    const hold = await getHold(store, id);
    if (!hold) throw notFound('Hold');
    res.json({ ...holdView(hold), messages: await heldCount(store, hold) });
  });

  r.post('/compliance/holds/:id/lift', async (req, res) => {
    const { id } = parseInput(idParam, req.params, 'path');
    const { reason } = parseInput(liftInput, req.body ?? {});
    res.json(holdView(await endHold(store, req.caller!, id, reason)));
  });

  r.use(retentionErrors);
  return r;
}

export function holdView({ _id, ...h }: Hold) {
  return { id: _id, ...h };
}

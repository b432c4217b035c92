import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ServiceDeps } from '../../deps';
import { searchSeconds } from '../../metrics';
import { searchFacets } from '../../search/facets';
import { MAX_LIMIT, searchArchives } from '../../search/service';
import { parseInput, queryInputError } from '../errors';

export const searchQuery = z.object({
  q: z.string().max(4000, 'is too long').default(''),
  archive: z.string().trim().min(1, 'is required').max(400).optional(),
  cursor: z.string().trim().min(1).max(500).optional(),
  limit: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1).max(MAX_LIMIT).optional(),
  sort: z.enum(['date', 'relevance'], { error: "must be 'date' or 'relevance'" }).optional(),
});
export const facetsQuery = searchQuery.pick({ q: true, archive: true });

/**
 * Full-text search (MISSION M10): `GET /search?q=&archive=<id|all>&cursor=&limit=&sort=date|relevance`.
 * Without `archive`, the caller's own archive. Archives outside the caller's reach answer 404.
 * `GET /search/facets?q=&archive=`: the same search's counts by folder, year, attachment, sender.
 */
export function searchRoutes(deps: ServiceDeps): Router {
  const r = Router();
  r.get('/search', async (req: Request, res: Response) => {
    const input = parseInput(searchQuery, req.query, 'query');
    const caller = req.caller!;
    const timer = searchSeconds.startTimer();
    const result = await searchArchives(deps.store, caller, { ...input, archive: input.archive ?? caller.oid }, { ip: req.ip, userAgent: req.get('user-agent') }).catch((err: unknown) => {
      throw queryInputError(err, 'q');
    });
    timer();
    res.set('Cache-Control', 'private, no-store').json(result);
  });
  r.get('/search/facets', async (req: Request, res: Response) => {
    const input = parseInput(facetsQuery, req.query, 'query');
    const caller = req.caller!;
    const facets = await searchFacets(deps.store, caller, { q: input.q, archive: input.archive ?? caller.oid }, { ip: req.ip, userAgent: req.get('user-agent') }).catch((err: unknown) => {
      throw queryInputError(err, 'q');
    });
    res.set('Cache-Control', 'private, no-store').json(facets);
  });
  return r;
}

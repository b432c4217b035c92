import { Router } from 'express';
import { z } from 'zod';
import type { ServiceDeps } from '../../deps';
import { caseInput, exportCase, exportInput, mustCase, openCase, runSavedSearch, saveSearch, savedSearch, searchInput, tagInput, tagMessages } from '../../retention/cases';
import { setHold } from '../../retention/holds';
import { contentDisposition, safeFilename } from '../../retrieval/download-headers';
import { logAborted } from '../../retrieval/respond';
import { MAX_LIMIT } from '../../search/service';
import { listCases, listExports, listTags, type Case } from '../../store/cases';
import { listHolds } from '../../store/holds';
import { requireRole } from '../auth';
import { parseInput } from '../errors';
import { holdView } from './holds';
import { retentionErrors } from './retention-errors';

const caseParam = z.object({ id: z.string().min(1).max(100) });
const searchParam = caseParam.extend({ searchId: z.string().min(1).max(100) });
export const pageQuery = z.object({
  cursor: z.string().trim().min(1).max(500).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).optional(),
});
export const tagQuery = z.object({ tag: z.string().trim().min(1).max(100).optional() });
export const caseHold = z
  .object({
    searchId: z.string().min(1).max(100),
    name: z.string().trim().min(1, 'is required').max(200),
    reason: z.string().trim().min(1, 'is required: say why the mail must be kept').max(2000),
    endsAt: z.coerce.date({ error: 'must be a date' }).nullable().default(null),
  })
  .strict();

/** eDiscovery cases for auditors: saved searches over every archive, tags, holds, verifiable exports. MISSION M13. */
export function caseRoutes(deps: ServiceDeps): Router {
  const r = Router();
  const { store, log } = deps;
  r.use('/compliance/cases', requireRole('auditor'));

  r.get('/compliance/cases', async (_req, res) => {
    res.json({ value: (await listCases(store)).map(caseView) });
  });

  r.post('/compliance/cases', async (req, res) => {
    res.status(201).json(caseView(await openCase(store, req.caller!, parseInput(caseInput, req.body))));
  });

  r.get('/compliance/cases/:id', async (req, res) => {
    const { id } = parseInput(caseParam, req.params, 'path');
    const c = await mustCase(store, id);
    const [holds, exports, tags] = await Promise.all([listHolds(store, { caseId: id }), listExports(store, id), listTags(store, id)]);
    res.json({ ...caseView(c), holds: holds.map(holdView), exports: exports.map(({ _id, ...e }) => ({ id: _id, ...e })), tags: tags.map((t) => ({ tag: t.tag, itemId: t.itemId, by: t.by, at: t.at })) });
  });

  r.post('/compliance/cases/:id/searches', async (req, res) => {
    const { id } = parseInput(caseParam, req.params, 'path');
    res.status(201).json(caseView(await saveSearch(store, req.caller!, id, parseInput(searchInput, req.body))));
  });

  r.get('/compliance/cases/:id/searches/:searchId/results', async (req, res) => {
    const { id, searchId } = parseInput(searchParam, req.params, 'path');
    const page = parseInput(pageQuery, req.query, 'query');
    res.set('Cache-Control', 'private, no-store').json(await runSavedSearch(store, req.caller!, id, searchId, page));
  });

  r.get('/compliance/cases/:id/tags', async (req, res) => {
    const { id } = parseInput(caseParam, req.params, 'path');
    const { tag } = parseInput(tagQuery, req.query, 'query');
    await mustCase(store, id);
    res.json({ value: (await listTags(store, id, tag)).map((t) => ({ tag: t.tag, itemId: t.itemId, by: t.by, at: t.at })) });
  });

  r.post('/compliance/cases/:id/tags', async (req, res) => {
    const { id } = parseInput(caseParam, req.params, 'path');
    res.json({ tagged: await tagMessages(store, req.caller!, id, parseInput(tagInput, req.body)) });
  });

  r.post('/compliance/cases/:id/untag', async (req, res) => {
    const { id } = parseInput(caseParam, req.params, 'path');
    res.json({ untagged: await tagMessages(store, req.caller!, id, parseInput(tagInput, req.body), true) });
  });

  /** A hold on what one of the case's saved searches finds, in every archive, now and later. */
  r.post('/compliance/cases/:id/holds', async (req, res) => {
    const { id } = parseInput(caseParam, req.params, 'path');
    const input = parseInput(caseHold, req.body);
    const search = savedSearch(await mustCase(store, id), input.searchId);
    const hold = await setHold(store, req.caller!, { name: input.name, reason: input.reason, endsAt: input.endsAt, kind: 'query', archives: [], query: search.query, visibleToUsers: false, caseId: id });
    res.status(201).json(holdView(hold));
  });

  r.post('/compliance/cases/:id/exports', async (req, res) => {
    const { id } = parseInput(caseParam, req.params, 'path');
    const input = parseInput(exportInput, req.body);
    const c = await mustCase(store, id);
    if ('searchId' in input) savedSearch(c, input.searchId);
    res.set({
      'Content-Type': 'application/zip',
      'Content-Disposition': contentDisposition(`case-${safeFilename(c.name, 'export')}-${new Date().toISOString().slice(0, 10)}.zip`),
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    try {
      await exportCase(store, req.caller!, id, input, res);
    } catch (err) {
      if (!res.headersSent && !res.destroyed) throw err;
      res.destroy();
      logAborted(log, err);
    }
  });

  r.get('/compliance/cases/:id/exports', async (req, res) => {
    const { id } = parseInput(caseParam, req.params, 'path');
    await mustCase(store, id);
    res.json({ value: (await listExports(store, id)).map(({ _id, ...e }) => ({ id: _id, ...e })) });
  });

  r.use(retentionErrors);
  return r;
}

function caseView({ _id, ...c }: Case) {
  return { id: _id, ...c };
}

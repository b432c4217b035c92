import { Router } from 'express';
import { z } from 'zod';
import type { ServiceDeps } from '../../deps';
import { approveErasure, certificateEntries, erasureInput, erasureListing, fileErasureRequest, rejectErasure } from '../../retention/erasure';
import { getErasureRequest, listErasureRequests, type ErasureRequest } from '../../store/erasures';
import { requireRole } from '../auth';
import { HttpError, notFound, parseInput } from '../errors';
import { retentionErrors } from './retention-errors';

const idParam = z.object({ id: z.string().min(1).max(100) });
export const rejectBody = z.object({ reason: z.string().trim().min(1, 'is required').max(2000) }).strict();

/** Erasure on request (GDPR Art. 17), four eyes, with a certificate (administrators). MISSION M13. */
export function erasureRoutes(deps: ServiceDeps): Router {
  const r = Router();
  const { store } = deps;
  const rdeps = { store, graph: deps.graph, log: deps.log };

  const mustGet = async (params: unknown): Promise<ErasureRequest> => {
    const { id } = parseInput(idParam, params, 'path');
    const request = await getErasureRequest(store, id);
    if (!request) throw notFound('Erasure request');
    return request;
  };

  r.use('/admin/erasure-requests', requireRole('admin'));

  r.get('/admin/erasure-requests', async (_req, res) => {
    res.json({ value: (await listErasureRequests(store)).map(requestView) });
  });

  r.post('/admin/erasure-requests', async (req, res) => {
    const input = parseInput(erasureInput, req.body);
    res.status(201).json(requestView(await fileErasureRequest(store, req.caller!, input)));
  });

  /** The request, and (until it has run) what it would erase and what must stay, worked out now. */
  r.get('/admin/erasure-requests/:id', async (req, res) => {
    const request = await mustGet(req.params);
    const open = request.state === 'pending' || request.state === 'approved';
    res.json({ ...requestView(request), listing: open ? await erasureListing(rdeps, request) : null });
  });

  r.post('/admin/erasure-requests/:id/approve', async (req, res) => {
    const { id } = parseInput(idParam, req.params, 'path');
    res.status(202).json(requestView(await approveErasure(rdeps, req.caller!, id)));
  });

  r.post('/admin/erasure-requests/:id/reject', async (req, res) => {
    const { id } = parseInput(idParam, req.params, 'path');
    const { reason } = parseInput(rejectBody, req.body ?? {});
    res.json(requestView(await rejectErasure(rdeps, req.caller!, id, reason)));
  });

  r.get('/admin/erasure-requests/:id/certificate', async (req, res) => {
    const request = await mustGet(req.params);
    if (!request.certificate) throw new HttpError(409, 'not_done', `This request is ${request.state}; its certificate comes once it has run`);
    res.json({ request: requestView(request), certificate: request.certificate, messages: await certificateEntries(store, request._id) });
  });

  r.use(retentionErrors);
  return r;
}

function requestView({ _id, ...r }: ErasureRequest) {
  return { id: _id, ...r };
}

import { Router } from 'express';
import { z } from 'zod';
import type { ServiceDeps } from '../../deps';
import { DISPOSAL_JOB } from '../../retention/disposal';
import { approvePolicyChange, previewProposal, proposePolicyChange, rejectPolicyChange } from '../../retention/policies';
import { policyRules } from '../../retention/rules';
import { getRetentionSettings, saveRetentionSettings, settingsInput } from '../../retention/settings';
import { audit, auditFrom } from '../../access';
import { findLog, type LogEntry } from '../../store/disposals';
import { enqueue, listJobs } from '../../store/jobs';
import { listPolicies, type StoredPolicy } from '../../store/retention-policies';
import { requireRole } from '../auth';
import { parseInput } from '../errors';
import { retentionErrors } from './retention-errors';

const idParam = z.object({ id: z.string().min(1).max(100) });
export const previewBody = z.object({ policyId: z.string().min(1).max(100).nullable().default(null), rules: policyRules.nullable() }).strict();
export const rulesBody = z.object({ rules: policyRules }).strict();
export const logQuery = z.object({
  kind: z.enum(['disposal', 'erasure']).optional(),
  archive: z.string().trim().min(1).max(400).optional(),
  before: z.coerce.date({ error: 'must be a date' }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/**
 * Retention policies, their preview and approval, the disposal runs and settings (admin), and
 * the disposal log (admin and auditor). MISSION M13.
 */
export function retentionRoutes(deps: ServiceDeps): Router {
  const r = Router();
  const { store } = deps;
  const rdeps = { store, graph: deps.graph, log: deps.log };

  r.use('/admin/retention', requireRole('admin'));

  r.get('/admin/retention/policies', async (_req, res) => {
    res.json({ value: (await listPolicies(store)).map(policyView) });
  });

  r.post('/admin/retention/preview', async (req, res) => {
    const input = parseInput(previewBody, req.body);
    res.json(await previewProposal(rdeps, input.policyId, input.rules));
  });

  r.post('/admin/retention/policies', async (req, res) => {
    const { rules } = parseInput(rulesBody, req.body);
    const out = await proposePolicyChange(rdeps, req.caller!, null, rules);
    res.status(out.applied ? 201 : 202).json({ ...out, policy: out.policy && policyView(out.policy) });
  });

  r.put('/admin/retention/policies/:id', async (req, res) => {
    const { id } = parseInput(idParam, req.params, 'path');
    const { rules } = parseInput(rulesBody, req.body);
    const out = await proposePolicyChange(rdeps, req.caller!, id, rules);
    res.status(out.applied ? 200 : 202).json({ ...out, policy: out.policy && policyView(out.policy) });
  });

  r.delete('/admin/retention/policies/:id', async (req, res) => {
    const { id } = parseInput(idParam, req.params, 'path');
    const out = await proposePolicyChange(rdeps, req.caller!, id, null);
    res.status(out.applied ? 200 : 202).json({ ...out, policy: out.policy && policyView(out.policy) });
  });

  r.post('/admin/retention/policies/:id/approve', async (req, res) => {
    const { id } = parseInput(idParam, req.params, 'path');
    const policy = await approvePolicyChange(rdeps, req.caller!, id);
    res.json({ policy: policy && policyView(policy) });
  });

  r.post('/admin/retention/policies/:id/reject', async (req, res) => {
    const { id } = parseInput(idParam, req.params, 'path');
    const policy = await rejectPolicyChange(rdeps, req.caller!, id);
    res.json({ policy: policy && policyView(policy) });
  });

  r.get('/admin/retention/settings', async (_req, res) => {
    res.json(await getRetentionSettings(store));
  });

  r.put('/admin/retention/settings', async (req, res) => {
    const settings = parseInput(settingsInput, req.body);
    await audit(store, { ...auditFrom(req), action: 'settings-change', details: { area: 'retention', ...settings } });
    await saveRetentionSettings(store, settings);
    res.json(settings);
  });

  r.post('/admin/retention/disposal', async (_req, res) => {
    const job = await enqueue(store, { type: DISPOSAL_JOB, key: `retention:manual:${new Date().toISOString().slice(0, 16)}` });
    res.status(202).json({ jobId: job._id, status: job.status });
  });

  r.get('/admin/retention/disposal', async (_req, res) => {
    const jobs = await listJobs(store, { type: DISPOSAL_JOB, limit: 20 });
    res.json({ value: jobs.map((j) => ({ id: j._id, status: j.status, progress: j.progress, result: j.result, error: j.error, createdAt: j.createdAt, startedAt: j.startedAt, finishedAt: j.finishedAt })) });
  });

  r.use('/compliance/disposals', requireRole('admin', 'auditor'));
  r.get('/compliance/disposals', async (req, res) => {
    const q = parseInput(logQuery, req.query, 'query');
    const found = await findLog(store, { kind: q.kind, archiveId: q.archive, before: q.before, limit: q.limit + 1 });
    const page = found.slice(0, q.limit);
    await audit(store, { ...auditFrom(req), action: 'disposal-log-read', details: { ...q, returned: page.length } });
    res.json({ value: page.map(logView), nextCursor: found.length > q.limit ? page.at(-1)!.doneAt.toISOString() : null });
  });

  r.use(retentionErrors);
  return r;
}

function policyView(p: StoredPolicy) {
  return { id: p._id, active: p.active, pending: p.pending, version: p.version, createdBy: p.createdBy, createdAt: p.createdAt, updatedAt: p.updatedAt, approvedBy: p.approvedBy };
}

function logView({ _id, batch: _batch, ...e }: LogEntry) {
  return { id: _id, ...e };
}

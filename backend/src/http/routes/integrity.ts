import { Router } from 'express';
import { z } from 'zod';
import { audit, auditFrom } from '../../access';
import type { ServiceDeps } from '../../deps';
import { buildProof } from '../../integrity/proof';
import { EncryptionKeyError } from '../../integrity/keys';
import { integritySettings, integrityStatus, newDataKey, runVerificationNow, sealLedger, setEncryption, startReencryption } from '../../integrity/service';
import { requireRole } from '../auth';
import { enabledPatch } from './profiles';
import { HttpError, parseInput } from '../errors';

const blobId = z.string().regex(/^[0-9a-f]{64}$/, 'must be a message id (64 hex digits)');
export const proofInput = z
  .object({
    messages: z
      .array(z.object({ archiveId: z.string().min(1).max(200), id: blobId }).strict())
      .min(1, 'name at least one message')
      .max(1_000, 'at most 1000 messages per proof'),
  })
  .strict();

export const sealInput = z
  .object({ stampLate: z.boolean().optional().describe('Also stamp roots closed longer ago than TSA_GRACE_HOURS: their tokens prove only the later time, and verification names them.') })
  .strict();

/** Integrity (MISSION M12, M19): ledger and verification status, verify now, seal now, proofs. */
export function integrityRoutes(deps: ServiceDeps): Router {
  const r = Router();
  const { store, config } = deps;
  const settings = integritySettings(config);
  r.use('/admin/integrity', requireRole('admin', 'auditor'));

  r.get('/admin/integrity', async (_req, res) => {
    res.json(await integrityStatus(store, settings));
  });

  r.post('/admin/integrity/verify', requireRole('admin'), async (req, res) => {
    const jobId = await runVerificationNow(store);
    await audit(store, { ...auditFrom(req), action: 'integrity-verify', target: jobId });
    res.status(202).json({ jobId });
  });

  r.post('/admin/integrity/seal', requireRole('admin'), async (req, res) => {
    const { stampLate } = parseInput(sealInput, req.body ?? {});
    const result = await sealLedger(store, settings, { closeOpen: true, stampLate });
    await audit(store, { ...auditFrom(req), action: 'integrity-seal', details: { ...result, stampLate: stampLate ?? false } });
    res.json(result);
  });

  r.post('/admin/integrity/proof', async (req, res) => {
    const input = parseInput(proofInput, req.body);
    const messages = input.messages.map((m) => ({ archiveId: m.archiveId, blobId: m.id }));
    await audit(store, { ...auditFrom(req), action: 'integrity-proof', details: { messages: messages.length } });
    const proof = await buildProof(store, messages, settings);
    res.setHeader('content-disposition', 'attachment; filename="archive-proof.json"');
    res.json(proof);
  });
  r.put('/admin/integrity/encryption', requireRole('admin'), async (req, res) => {
    const { enabled } = parseInput(enabledPatch, req.body);
    await keyAction(() => setEncryption(store, settings, enabled));
    await audit(store, { ...auditFrom(req), action: 'encryption-change', details: { enabled } });
    res.json((await integrityStatus(store, settings)).encryption);
  });

  r.post('/admin/integrity/encryption/rotate', requireRole('admin'), async (req, res) => {
    const dataKey = await keyAction(() => newDataKey(store, settings));
    await audit(store, { ...auditFrom(req), action: 'encryption-rotate', details: { dataKey } });
    res.json((await integrityStatus(store, settings)).encryption);
  });

  r.post('/admin/integrity/encryption/reencrypt', requireRole('admin'), async (req, res) => {
    const jobId = await startReencryption(store);
    await audit(store, { ...auditFrom(req), action: 'encryption-reencrypt', target: jobId });
    res.status(202).json({ jobId });
  });
  return r;
}

async function keyAction<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof EncryptionKeyError) throw new HttpError(409, 'encryption_unavailable', err.message);
    throw err;
  }
}

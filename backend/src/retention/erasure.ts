/**
 * Erasure on request (GDPR Art. 17) without breaking holds (MISSION M13). An administrator files
 * a request for a person's addresses (and optional dates); the listing shows what would go and
 * what must stay and why (a hold, a minimum retention: Art. 17(3)(b) and (e)); a second
 * administrator approves; a job erases the messages (records, index entries, and the bytes
 * wherever no other archive still holds them) and writes the certificate: the SHA-256 of every
 * erased message, in the audit trail. Every list is worked out on the server at the time it is
 * used, never taken from the client.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { audit } from '../access';
import type { Caller } from '../access/caller';
import type { JobContext } from '../jobs/worker';
import { IndexLocator } from '../search/index-deletes';
import { compactIndex } from '../search/index-store';
import { parseQuery } from '../search/query';
import type { Store } from '../store';
import { logOf } from '../store/disposals';
import { advanceErasureRequest, getErasureRequest, insertErasureRequest, type ErasureRequest } from '../store/erasures';
import { itemId, type Item } from '../store/items';
import { enqueue } from '../store/jobs';
import { itemsById } from '../store/retention-items';
import { ArchiveIndex, DeletionRun, recoverDeletions } from './delete';
import { scheduleIndexCleanup, type RetentionDeps } from './disposal';
import { actorOf, notFound, RetentionError, sameAdministrator } from './errors';
import { exclusively } from './exclusive';
import { describeReason, Guard, type KeepReason } from './guard';
import { DAY_MS } from './rules';
import { getRetentionSettings } from './settings';

export const ERASURE_JOB = 'retention-erasure';
const ERASURE_ACTOR = { system: 'erasure' };
const AUDIT_CHUNK = 500;

export const erasureInput = z
  .object({
    addresses: z.array(z.email('must be an email address').trim().toLowerCase()).min(1, 'name at least one address').max(20),
    from: z.coerce.date({ error: 'must be a date' }).nullable().default(null),
    to: z.coerce.date({ error: 'must be a date' }).nullable().default(null),
    reason: z.string().trim().min(1, 'is required: the data subject’s request, or its reference').max(2000),
  })
  .strict()
  .refine((r) => !r.from || !r.to || r.from <= r.to, { path: ['to'], message: 'must not be before from' });

const day = (d: Date) => d.toISOString().slice(0, 10);

/** The messages from or to the addresses, within the dates (the `to` day included). */
export function erasureQuery(r: Pick<ErasureRequest, 'addresses' | 'from' | 'to'>): string {
  const who = r.addresses.flatMap((a) => [`from:${a}`, `to:${a}`]).join(' OR ');
  const dates = [r.from ? `after:${day(r.from)}` : '', r.to ? `before:${day(new Date(r.to.getTime() + DAY_MS))}` : ''].filter(Boolean).join(' ');
  return `(${who}) ${dates}`.trim();
}

export async function fileErasureRequest(store: Store, caller: Caller, input: z.infer<typeof erasureInput>): Promise<ErasureRequest> {
  await audit(store, { caller, action: 'erasure-requested', details: { ...input } });
  return insertErasureRequest(store, { ...input, requestedBy: actorOf(caller) });
}

export interface ListedMessage {
  id: string;
  archiveId: string;
  subject: string;
  from: string;
  receivedAt: Date;
  size: number;
}

export interface ErasureListing {
  query: string;
  goes: ListedMessage[];
  stays: (ListedMessage & { reason: KeepReason; why: string })[];
}

const listed = (i: Item): ListedMessage => ({ id: i._id, archiveId: i.archiveId, subject: i.subject, from: i.from?.address ?? '', receivedAt: i.receivedAt, size: i.size });

/** Per archive, the ids of the messages the request covers (found through the index). */
async function* coveredIds(store: Store, guard: Guard, query: string): AsyncGenerator<{ archiveId: string; ids: string[] }> {
  const q = parseQuery(query);
  for (const archiveId of await guard.scopes.allArchives()) {
    const found = await (await IndexLocator.open(store, archiveId, { keep: true })).findAll(q);
    if (found.length > 0) yield { archiveId, ids: found.map((f) => itemId(archiveId, f.sha256)) };
  }
}

/** What the request would erase and what must stay, as of now. */
export async function erasureListing(deps: RetentionDeps, request: ErasureRequest): Promise<ErasureListing> {
  const guard = await Guard.load(deps.store, deps.graph);
  const query = erasureQuery(request);
  const out: ErasureListing = { query, goes: [], stays: [] };
  for await (const { archiveId, ids } of coveredIds(deps.store, guard, query)) {
    const items = await itemsById(deps.store, ids);
    const index = await ArchiveIndex.open(deps.store, archiveId);
    const reasons = await guard.check(items, index.locator, await index.locator.locate(items), index.readAt);
    for (const item of items) {
      const reason = reasons.get(item._id);
      if (reason) out.stays.push({ ...listed(item), reason, why: describeReason(reason) });
      else out.goes.push(listed(item));
    }
  }
  return out;
}

export async function approveErasure(deps: RetentionDeps, caller: Caller, id: string): Promise<ErasureRequest> {
  const request = await getErasureRequest(deps.store, id);
  if (!request) throw notFound('Erasure request');
  if (request.requestedBy.oid === caller.oid) throw sameAdministrator('An erasure request');
  if (request.state !== 'pending') throw new RetentionError(409, 'not_pending', `This request is ${request.state}, not waiting for approval`);
  await audit(deps.store, { caller, action: 'erasure-approved', target: id, details: { addresses: request.addresses, requestedBy: request.requestedBy.upn } });
  const approved = await advanceErasureRequest(deps.store, id, ['pending'], { state: 'approved', decidedBy: actorOf(caller), decidedAt: new Date() });
  if (!approved) throw new RetentionError(409, 'not_pending', 'This request was decided meanwhile');
  await enqueue(deps.store, { type: ERASURE_JOB, key: `erasure:${id}`, payload: { requestId: id }, maxAttempts: 5 });
  return approved;
}

export async function rejectErasure(deps: RetentionDeps, caller: Caller, id: string, reason: string): Promise<ErasureRequest> {
  const request = await getErasureRequest(deps.store, id);
  if (!request) throw notFound('Erasure request');
  await audit(deps.store, { caller, action: 'erasure-rejected', target: id, details: { reason } });
  const rejected = await advanceErasureRequest(deps.store, id, ['pending'], { state: 'rejected', decidedBy: actorOf(caller), decidedAt: new Date(), error: reason });
  if (!rejected) throw new RetentionError(409, 'not_pending', `This request is ${request.state}, not waiting for approval`);
  return rejected;
}

/** The erasure job: erases what may go, then certifies it. A crashed attempt is finished by the next. */
export async function runErasure(deps: RetentionDeps, requestId: string, opts: { signal?: AbortSignal; lockMs?: number } = {}): Promise<ErasureRequest> {
  const { store } = deps;
  return exclusively(store, async (aborted) => {
    const request = await advanceErasureRequest(store, requestId, ['approved', 'running'], { state: 'running' });
    if (!request) throw notFound('Approved erasure request');
    const guard = await Guard.load(store, deps.graph);
    await recoverDeletions(store, guard, (kind) => (kind === 'erasure' ? ERASURE_ACTOR : { system: 'retention' }));
    const { batchSize } = await getRetentionSettings(store);
    const kind = { kind: 'erasure' as const, refOf: () => [requestId], actor: ERASURE_ACTOR, details: { request: requestId, approvedBy: request.decidedBy?.upn } };
    const run = new DeletionRun(store, guard, kind);
    const touched: string[] = [];
    let kept = 0;
    for await (const { archiveId, ids } of coveredIds(store, guard, erasureQuery(request))) {
      const index = await ArchiveIndex.open(store, archiveId);
      touched.push(archiveId);
      for (let i = 0; i < ids.length; i += batchSize) {
        aborted.throwIfAborted();
        kept += (await run.stageIds(index, ids.slice(i, i + batchSize))).length;
      }
    }
    await run.settle();
    // The erased text leaves the index's segments too, not only its results.
    for (const archiveId of touched) await compactIndex(store, archiveId, { purge: true });
    await scheduleIndexCleanup(store, touched, `erasure:${requestId}`);
    const certificate = await certify(store, requestId, kept);
    const done = await advanceErasureRequest(store, requestId, ['running'], { state: 'done', certificate });
    return done!;
  }, opts);
}

/** The certificate: every erased message's SHA-256 in the audit trail, and a digest over the list. */
async function certify(store: Store, requestId: string, kept: number) {
  const lines: string[] = [];
  for await (const e of logOf(store, requestId)) lines.push(`${e.archiveId} ${e.sha256} ${e.blob}`);
  lines.sort();
  const digest = createHash('sha256').update(lines.map((l) => `${l}\n`).join('')).digest('hex');
  const parts = Math.max(1, Math.ceil(lines.length / AUDIT_CHUNK));
  for (let p = 0; p < parts; p++) {
    const sha256s = lines.slice(p * AUDIT_CHUNK, (p + 1) * AUDIT_CHUNK).map((l) => l.split(' ')[1]);
    await audit(store, { caller: ERASURE_ACTOR, action: 'erasure-certificate', target: requestId, details: { erased: lines.length, kept, digest, part: `${p + 1}/${parts}`, sha256s } });
  }
  return { erased: lines.length, kept, digest, at: new Date() };
}

export function erasureHandler(deps: RetentionDeps) {
  return async (ctx: JobContext) => {
    const { requestId } = ctx.job.payload as { requestId: string };
    try {
      return { state: (await runErasure(deps, requestId, { signal: ctx.signal })).state };
    } catch (err) {
      // The last attempt's failure is the request's too, so that the tab shows it.
      if (!ctx.willRetry(err)) await advanceErasureRequest(deps.store, requestId, ['approved', 'running'], { state: 'failed', error: (err as Error).message });
      throw err;
    }
  };
}

/** The certificate's list: every erased message of the request, from the retention log. */
export async function certificateEntries(store: Store, requestId: string) {
  const out: { archiveId: string; sha256: string; receivedAt: Date; blob: string; doneAt: Date }[] = [];
  for await (const e of logOf(store, requestId)) out.push({ archiveId: e.archiveId, sha256: e.sha256, receivedAt: e.receivedAt, blob: e.blob, doneAt: e.doneAt });
  return out;
}

/**
 * Changing retention policies (MISSION M13). Every change is previewed; one that would dispose of
 * more messages than the approval threshold, or that lowers or narrows a minimum in force, waits
 * for a second administrator (four eyes, as piler and Mimecast do). Meanwhile the rules in force
 * stay in force, and the change's minimum already protects (rules.ts).
 */
import { audit } from '../access';
import type { Caller } from '../access/caller';
import { deletePolicy, getPolicy, insertPolicy, updatePolicy, type PolicyRules, type StoredPolicy } from '../store/retention-policies';
import type { RetentionDeps } from './disposal';
import { actorOf, notFound, RetentionError, sameAdministrator } from './errors';
import { resolveArchives } from './holds';
import { previewPolicyChange, type PolicyPreview } from './preview';
import { getRetentionSettings } from './settings';

export interface ChangeOutcome {
  policy: StoredPolicy | null;
  preview: PolicyPreview;
  /** False: the change waits for a second administrator. */
  applied: boolean;
}

const sameCoverage = (a: PolicyRules, b: PolicyRules) => JSON.stringify([a.scope, a.folders]) === JSON.stringify([b.scope, b.folders]);

/** Why a change needs a second administrator (empty: it does not). */
function approvalReasons(current: PolicyRules | null, next: PolicyRules | null, preview: PolicyPreview, threshold: number): string[] {
  const reasons: string[] = [];
  if (preview.messages > threshold) reasons.push(`it would dispose of ${preview.messages} messages, more than the approval threshold of ${threshold}`);
  if (current && current.minDays > 0 && (!next || next.minDays < current.minDays || !sameCoverage(current, next))) {
    reasons.push(`it lowers or narrows the minimum retention of ${current.minDays} days in force`);
  }
  return reasons;
}

const conflict = () => new RetentionError(409, 'conflict', 'The policy was changed by someone else meanwhile; reload it and try again');

/** Creates (policyId null), replaces or removes (rules null) a policy, now or once approved. */
/** The rules with their archives named by id, as the guard compares them (administrators may type user names). */
async function withArchiveIds(deps: RetentionDeps, rules: PolicyRules | null): Promise<PolicyRules | null> {
  return rules && { ...rules, scope: { ...rules.scope, archives: await resolveArchives(deps.store, rules.scope.archives, 'rules.scope.archives') } };
}

export async function previewProposal(deps: RetentionDeps, policyId: string | null, rules: PolicyRules | null): Promise<PolicyPreview> {
  if (policyId && !(await getPolicy(deps.store, policyId))) throw notFound('Policy');
  return previewPolicyChange(deps, policyId, await withArchiveIds(deps, rules));
}

export async function proposePolicyChange(deps: RetentionDeps, caller: Caller, policyId: string | null, given: PolicyRules | null): Promise<ChangeOutcome> {
  const { store } = deps;
  const rules = await withArchiveIds(deps, given);
  const current = policyId ? await getPolicy(store, policyId) : null;
  if (policyId && !current) throw notFound('Policy');
  const preview = await previewPolicyChange(deps, policyId, rules);
  const { approvalThreshold } = await getRetentionSettings(store);
  const reasons = approvalReasons(current?.active ?? null, rules, preview, approvalThreshold);
  const summary = { messages: preview.messages, bytes: preview.bytes, archives: preview.archives.length };
  const details = { policy: policyId, name: rules?.name ?? current?.active?.name, rules, preview: summary };
  if (reasons.length > 0) {
    const pending = { rules, requestedBy: actorOf(caller), requestedAt: new Date(), preview: summary, reasons };
    await audit(store, { caller, action: 'retention-policy-requested', target: policyId ?? undefined, details: { ...details, reasons } });
    const policy = current ? await updatePolicy(store, current._id, current.version, { pending }) : await insertPolicy(store, { active: null, pending, createdBy: actorOf(caller), approvedBy: null });
    if (!policy) throw conflict();
    return { policy, preview, applied: false };
  }
  await audit(store, { caller, action: 'retention-policy-change', target: policyId ?? undefined, details });
  return { policy: await apply(deps, current, rules, caller, null), preview, applied: true };
}

async function apply(deps: RetentionDeps, current: StoredPolicy | null, rules: PolicyRules | null, caller: Caller, approvedBy: Caller | null): Promise<StoredPolicy | null> {
  const { store } = deps;
  const approved = approvedBy ? actorOf(approvedBy) : null;
  if (!current) return rules ? insertPolicy(store, { active: rules, pending: null, createdBy: actorOf(caller), approvedBy: approved }) : null;
  if (!rules) {
    if (!(await deletePolicy(store, current._id, current.version))) throw conflict();
    return null;
  }
  const policy = await updatePolicy(store, current._id, current.version, { active: rules, pending: null, approvedBy: approved });
  if (!policy) throw conflict();
  return policy;
}

export async function approvePolicyChange(deps: RetentionDeps, caller: Caller, policyId: string): Promise<StoredPolicy | null> {
  const policy = await getPolicy(deps.store, policyId);
  if (!policy) throw notFound('Policy');
  if (!policy.pending) throw new RetentionError(409, 'nothing_pending', 'This policy has no change waiting for approval');
  if (policy.pending.requestedBy.oid === caller.oid) throw sameAdministrator('A policy change that needs approval');
  await audit(deps.store, {
    caller,
    action: 'retention-policy-approved',
    target: policyId,
    details: { name: policy.pending.rules?.name ?? policy.active?.name, rules: policy.pending.rules, requestedBy: policy.pending.requestedBy.upn, reasons: policy.pending.reasons },
  });
  return apply(deps, policy, policy.pending.rules, caller, caller);
}

/** Drops a waiting change (the requester withdrawing it, or another administrator refusing it). */
export async function rejectPolicyChange(deps: RetentionDeps, caller: Caller, policyId: string): Promise<StoredPolicy | null> {
  const policy = await getPolicy(deps.store, policyId);
  if (!policy?.pending) throw policy ? new RetentionError(409, 'nothing_pending', 'This policy has no change waiting for approval') : notFound('Policy');
  await audit(deps.store, { caller, action: 'retention-policy-rejected', target: policyId, details: { rules: policy.pending.rules, requestedBy: policy.pending.requestedBy.upn } });
  if (!policy.active) {
    if (!(await deletePolicy(deps.store, policyId, policy.version))) throw conflict();
    return null;
  }
  const updated = await updatePolicy(deps.store, policyId, policy.version, { pending: null });
  if (!updated) throw conflict();
  return updated;
}

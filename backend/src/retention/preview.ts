/**
 * What a policy change would dispose of, before it takes effect: the messages the next disposal
 * run would delete with the change that it would not delete without it, checked against holds and
 * minimums exactly as the run checks them (guard.ts), with their size, the storage their blobs
 * free (a blob goes with its last reference), per archive, and a sample of subjects.
 */
import type { Store } from '../store';
import type { Item } from '../store/items';
import { referencesOf } from '../store/retention-items';
import { getPolicy, listPolicies, type PolicyRules, type StoredPolicy } from '../store/retention-policies';
import { ArchiveIndex } from './delete';
import { dueArchives, dueBatches, type RetentionDeps } from './disposal';
import { Guard, type KeepReason } from './guard';
import { isDue, type RuleBook } from './rules';

export interface PolicyPreview {
  messages: number;
  bytes: number;
  /** Stored originals deleted with their last reference (single-instance storage). */
  storageFreed: number;
  archives: { archiveId: string; messages: number; bytes: number }[];
  sample: { archiveId: string; subject: string; receivedAt: Date; folder: string }[];
  kept: Partial<Record<KeepReason['code'], number>>;
}

const SAMPLE = 10;
const PAGE = 5_000;

/** The policies as they would be with `rules` in force for `policyId` (a new one when null; `rules: null` removes it). */
async function withChange(store: Store, policyId: string | null, rules: PolicyRules | null): Promise<StoredPolicy[]> {
  const others = (await listPolicies(store)).filter((p) => p._id !== policyId);
  const current = policyId ? await getPolicy(store, policyId) : null;
  if (!rules) return others;
  const base = current ?? { _id: policyId ?? 'preview', version: 0, createdBy: { oid: '', upn: '' }, createdAt: new Date(), updatedAt: new Date(), approvedBy: null };
  return [...others, { ...base, active: rules, pending: null }];
}

export async function previewPolicyChange(deps: RetentionDeps, policyId: string | null, rules: PolicyRules | null, now = new Date()): Promise<PolicyPreview> {
  const { store } = deps;
  const before = await Guard.load(store, deps.graph, now);
  const after = await Guard.load(store, deps.graph, now, await withChange(store, policyId, rules));
  const preview: PolicyPreview = { messages: 0, bytes: 0, storageFreed: 0, archives: [], sample: [], kept: {} };
  const doomed = new Map<string, Item>();
  for (const archive of await dueArchives(after.rules, after.scopes, now)) {
    const row = { archiveId: archive.archiveId, messages: 0, bytes: 0 };
    let index: ArchiveIndex | null = null;
    for await (const batch of dueBatches(store, after.rules, archive, PAGE, now)) {
      const added = batch.filter((i) => !dueUnder(before.rules, i, now));
      if (added.length === 0) continue;
      index ??= await ArchiveIndex.open(store, archive.archiveId);
      const reasons = await after.check(added, index.locator, await index.locator.locate(added), index.readAt);
      for (const item of added) {
        const reason = reasons.get(item._id);
        if (reason) {
          preview.kept[reason.code] = (preview.kept[reason.code] ?? 0) + 1;
          continue;
        }
        doomed.set(item._id, item);
        row.messages++;
        row.bytes += item.size;
        if (preview.sample.length < SAMPLE) preview.sample.push({ archiveId: item.archiveId, subject: item.subject, receivedAt: item.receivedAt, folder: item.folder });
      }
    }
    if (row.messages === 0) continue;
    preview.archives.push(row);
    preview.messages += row.messages;
    preview.bytes += row.bytes;
  }
  preview.storageFreed = await storageFreed(store, doomed);
  return preview;
}

const dueUnder = (rules: RuleBook, item: Item, now: Date) => isDue(item.receivedAt, rules.effective(item.archiveId, item.folder), now);

/** The sizes of the blobs every reference of which is among `doomed`. */
async function storageFreed(store: Store, doomed: ReadonlyMap<string, Item>): Promise<number> {
  const shas = [...new Set([...doomed.values()].map((i) => i.sha256))];
  const refs = await referencesOf(store, shas);
  const kept = new Set(refs.filter((r) => !doomed.has(r._id)).map((r) => r.sha256));
  const size = new Map([...doomed.values()].map((i) => [i.sha256, i.size]));
  return shas.filter((s) => !kept.has(s)).reduce((n, s) => n + (size.get(s) ?? 0), 0);
}

import type { Request } from 'express';
import type { Caller } from './caller';
import { appendAuditEntry, AUDIT_GENESIS, auditEntriesInOrder, auditHeadHint, getAuditEntry, type AuditActor, type AuditDoc, type AuditStore } from '../store/audit';
import { cleanDetails, cleanString, entryHash, sealEntry, type EntryContent } from './chain';

export type AuditAction =
  | 'search'
  | 'view'
  | 'download'
  | 'attachment'
  | 'restore'
  | 'export'
  | 'grant'
  | 'revoke'
  | 'profile-change'
  | 'settings-change'
  | 'journal-mailbox-change'
  | 'audit-read'
  | string;

export interface AuditInput {
  caller: Caller | { system: string };
  action: AuditAction;
  archiveId?: string;
  target?: string;
  details?: Record<string, unknown>;
  ip?: string;
  userAgent?: string;
}

/**
 * Appends to the audit trail (MISSION M9, M13). Errors propagate: an access that cannot be
 * audited must fail (compliance), so callers audit before they answer. Details are cleaned of
 * secrets and message content (see chain.ts); callers pass ids, counts and queries, not text.
 */
export async function audit(store: AuditStore, entry: AuditInput): Promise<void> {
  const content = entryContent(entry, new Date());
  await appendAuditEntry(store, (seq, prev) => sealEntry(content, seq, prev));
}

/** Who and from where, for `audit(store, { ...auditFrom(req), action, ... })`. */
export function auditFrom(req: Request & { caller?: Caller }): Pick<AuditInput, 'caller' | 'ip' | 'userAgent'> {
  if (!req.caller) throw new Error('auditFrom needs an authenticated request');
  return { caller: req.caller, ip: req.ip, userAgent: req.get('user-agent') };
}

function entryContent(e: AuditInput, at: Date): EntryContent {
  // Undefined fields are left out, not stored as null: the stored entry must hash like this one.
  const optional = { archiveId: e.archiveId, target: e.target, ip: e.ip, userAgent: e.userAgent };
  const content: EntryContent = { at, actor: actorOf(e.caller), action: cleanString(e.action, 100) };
  for (const [k, v] of Object.entries(optional)) if (v) Object.assign(content, { [k]: cleanString(v, 500) });
  if (e.details) content.details = cleanDetails(e.details);
  return content;
}

function actorOf(caller: AuditInput['caller']): AuditActor {
  if ('system' in caller) return { system: cleanString(caller.system, 100) };
  return { oid: caller.oid, upn: cleanString(caller.upn, 320), name: cleanString(caller.name, 200), roles: [...caller.roles].sort() };
}

export interface AuditVerification {
  ok: boolean;
  /** Entries whose hash and link were checked before the first break (or all of them). */
  checked: number;
  /** Sequence number of the first entry that is missing, altered, foreign or not linked. */
  brokenAt?: number;
  reason?: string;
  /** The last verified entry: record its hash elsewhere to detect a later rewrite of the whole chain. */
  head?: { seq: number; hash: string };
}

/**
 * Re-hashes the chain in order. An edited entry fails its own hash; an edited entry whose hash
 * was recomputed breaks the next entry's link; a deleted entry leaves a gap; an inserted entry
 * either takes a foreign id or breaks hash or link. Plain SHA-256 cannot stop someone with
 * write access from rebuilding the whole chain: `head` is what to anchor outside the database.
 */
export async function verifyAuditChain(store: AuditStore, range: { from?: number; to?: number } = {}): Promise<AuditVerification> {
  const from = range.from ?? 1;
  // Read first: entries appended while the chain is read must not look like a truncated end.
  const announced = range.to === undefined ? await auditHeadHint(store) : null;
  let head = { seq: from - 1, hash: AUDIT_GENESIS };
  if (from > 1) {
    const before = await getAuditEntry(store, from - 1);
    if (!before) return { ok: false, checked: 0, brokenAt: from - 1, reason: `entry ${from - 1} is missing` };
    head = { seq: before._id, hash: before.hash };
  }
  let checked = 0;
  const broken = (brokenAt: number, reason: string): AuditVerification => ({ ok: false, checked, brokenAt, reason, head: checked ? head : undefined });
  for await (const doc of auditEntriesInOrder(store, range.from !== undefined || range.to !== undefined ? { from, to: range.to } : {})) {
    const problem = check(doc, head);
    if (problem) return broken(problem.at, problem.reason);
    head = { seq: doc._id, hash: doc.hash };
    checked++;
  }
  if (announced !== null && announced > head.seq) return broken(head.seq + 1, `entries ${head.seq + 1} to ${announced} are missing from the end`);
  return { ok: true, checked, head: checked ? head : undefined };
}

function check(doc: AuditDoc, head: { seq: number; hash: string }): { at: number; reason: string } | null {
  const id: unknown = doc._id;
  const expected = head.seq + 1;
  if (typeof id !== 'number' || !Number.isInteger(id)) {
    return { at: typeof id === 'number' ? Math.ceil(id) : expected, reason: `foreign entry with id ${JSON.stringify(id)}` };
  }
  if (id > expected) return { at: expected, reason: id === expected + 1 ? `entry ${expected} is missing` : `entries ${expected} to ${id - 1} are missing` };
  if (doc.prev !== head.hash) return { at: id, reason: 'does not link to the previous entry' };
  if (entryHash(doc) !== doc.hash) return { at: id, reason: 'content does not match its hash' };
  return null;
}

/**
 * Retention rules (MISSION M13): what a policy says, which archives and folders it covers, and
 * what several policies covering one message add up to. Where several cover a message, the
 * longest minimum wins, and the longest maximum; a policy without a maximum only protects.
 * Protection counts as soon as it is asked for: a pending change's minimum protects before it is
 * approved, and the rules in force keep protecting until the change is. Only approved rules dispose.
 */
import { z } from 'zod';
import type { Client } from '@microsoft/microsoft-graph-client';
import { collect, graphErrorOf } from '../graph/paging';
import type { Store } from '../store';
import { listArchiveUsers } from '../store/directory';
import { listIndexedArchives } from '../store/postings';
import type { PolicyRules, PolicyScope, StoredPolicy } from '../store/retention-policies';

export const DAY_MS = 86_400_000;
const MAX_DAYS = 36_500;

const ids = z.array(z.string().trim().min(1).max(400)).max(1000).default([]);
export const policyRules = z
  .object({
    name: z.string().trim().min(1, 'is required').max(200),
    description: z.string().trim().max(2000).default(''),
    minDays: z.number().int('must be a whole number of days').min(0).max(MAX_DAYS),
    maxDays: z.number().int('must be a whole number of days').min(1).max(MAX_DAYS).nullable().default(null),
    scope: z
      .object({ tenant: z.boolean().default(false), archives: ids, groups: ids, sharedMailboxes: z.boolean().default(false), journal: z.boolean().default(false) })
      .strict(),
    folders: z.array(z.string().trim().min(1).max(400)).max(100).default([]),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.maxDays !== null && r.maxDays < r.minDays) ctx.addIssue({ code: 'custom', path: ['maxDays'], message: 'must not be shorter than the minimum' });
    const s = r.scope;
    if (!s.tenant && !s.sharedMailboxes && !s.journal && s.archives.length === 0 && s.groups.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['scope'], message: 'covers nothing: choose the tenant, archives, groups, shared mailboxes or the journal archive' });
    }
  });

/** Folder paths compared as the archive stores them, without case or surrounding slashes. */
const folderKey = (path: string) => path.trim().replace(/^\/+|\/+$/g, '').toLowerCase();

export function inFolders(folder: string, folders: readonly string[]): boolean {
  if (folders.length === 0) return true;
  const f = folderKey(folder);
  return folders.some((p) => {
    const k = folderKey(p);
    return f === k || f.startsWith(`${k}/`);
  });
}

/** A policy as retention applies it: its archives resolved, and whether it protects and disposes. */
export interface AppliedPolicy {
  id: string;
  rules: PolicyRules;
  archives: Set<string> | 'all';
  /** Its rules are in force (approved): its maximum disposes. */
  disposes: boolean;
}

export interface Effective {
  minDays: number;
  /** The policy whose minimum is the longest. */
  minBy: AppliedPolicy | null;
  maxDays: number | null;
  /** The policies whose maximum is the longest (they made the message due). */
  maxBy: AppliedPolicy[];
}

/** The policies in force and asked for, resolved once per run. */
export class RuleBook {
  constructor(readonly policies: readonly AppliedPolicy[]) {}

  covers(p: AppliedPolicy, archiveId: string, folder: string): boolean {
    return (p.archives === 'all' || p.archives.has(archiveId)) && inFolders(folder, p.rules.folders);
  }

  effective(archiveId: string, folder: string): Effective {
    const out: Effective = { minDays: 0, minBy: null, maxDays: null, maxBy: [] };
    for (const p of this.policies) {
      if (!this.covers(p, archiveId, folder)) continue;
      if (p.rules.minDays > out.minDays) Object.assign(out, { minDays: p.rules.minDays, minBy: p });
      const max = p.disposes ? p.rules.maxDays : null;
      if (max === null) continue;
      if (out.maxDays === null || max > out.maxDays) Object.assign(out, { maxDays: max, maxBy: [p] });
      else if (max === out.maxDays) out.maxBy.push(p);
    }
    return out;
  }

  /** The shortest maximum that may apply in an archive: items received before now minus it are candidates. */
  earliestDue(archiveId: string): number | null {
    let days: number | null = null;
    for (const p of this.policies) {
      if (!p.disposes || p.rules.maxDays === null || (p.archives !== 'all' && !p.archives.has(archiveId))) continue;
      days = days === null ? p.rules.maxDays : Math.min(days, p.rules.maxDays);
    }
    return days;
  }
}

/** When a message received at `receivedAt` may first be deleted by anyone. */
export const protectedUntil = (receivedAt: Date, e: Effective) => new Date(receivedAt.getTime() + e.minDays * DAY_MS);

/** Whether retention disposes of the message now. */
export function isDue(receivedAt: Date, e: Effective, now: Date): boolean {
  return e.maxDays !== null && receivedAt.getTime() < now.getTime() - e.maxDays * DAY_MS && protectedUntil(receivedAt, e) <= now;
}

/** Thrown when a group a policy names cannot be read: no retention decision is safe without it. */
export class ScopeError extends Error {
  readonly code = 'SCOPE_UNRESOLVED';
}

/** Resolves scopes against the directory; group members are looked up once per group. */
export class ScopeResolver {
  private users: Promise<{ id: string; kind: string }[]> | null = null;
  private readonly groups = new Map<string, Promise<string[]>>();

  constructor(
    private readonly store: Store,
    private readonly graph: Client | null,
  ) {}

  async archives(scope: PolicyScope): Promise<Set<string> | 'all'> {
    if (scope.tenant) return 'all';
    const out = new Set(scope.archives);
    if (scope.sharedMailboxes || scope.journal) {
      for (const u of await this.directory()) if ((scope.sharedMailboxes && u.kind === 'shared') || (scope.journal && u.kind === 'catch-all')) out.add(u.id);
    }
    for (const g of scope.groups) for (const id of await this.members(g)) out.add(id);
    return out;
  }

  /** Every archive there is: archive users and whatever holds indexed mail. */
  async allArchives(): Promise<string[]> {
    const indexed = await listIndexedArchives(this.store);
    return [...new Set([...(await this.directory()).map((u) => u.id), ...indexed])].sort();
  }

  private directory() {
    this.users ??= listArchiveUsers(this.store.conn).then((list) => list.map((u) => ({ id: u._id, kind: u.kind })));
    return this.users;
  }

  private members(groupId: string): Promise<string[]> {
    let found = this.groups.get(groupId);
    if (!found) {
      found = this.readGroup(groupId);
      this.groups.set(groupId, found);
    }
    return found;
  }

  private async readGroup(groupId: string): Promise<string[]> {
    if (!this.graph) throw new ScopeError(`Group ${groupId} cannot be read without Microsoft Graph`);
    try {
      // transitiveMembers: members of nested groups count (https://learn.microsoft.com/en-us/graph/api/group-list-transitivemembers).
      const members = await collect<{ id: string }>(this.graph, `/groups/${encodeURIComponent(groupId)}/transitiveMembers?$select=id&$top=999`);
      return members.map((m) => m.id);
    } catch (err) {
      const { status, message } = graphErrorOf(err);
      throw new ScopeError(status === 404 ? `Group ${groupId} does not exist in the directory` : `Group ${groupId} could not be read: ${message}`);
    }
  }
}

/** Every policy that counts now: rules in force (protect, dispose) and pending changes (protect only). */
export async function applyPolicies(policies: readonly StoredPolicy[], scopes: ScopeResolver): Promise<AppliedPolicy[]> {
  const out: AppliedPolicy[] = [];
  for (const p of policies) {
    if (p.active) out.push({ id: p._id, rules: p.active, archives: await scopes.archives(p.active.scope), disposes: true });
    if (p.pending?.rules) out.push({ id: p._id, rules: p.pending.rules, archives: await scopes.archives(p.pending.rules.scope), disposes: false });
  }
  return out;
}

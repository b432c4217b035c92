import type { Client } from '@microsoft/microsoft-graph-client';
import type { MailboxSettings, User } from '@microsoft/microsoft-graph-types';
import type { Connection } from 'mongoose';
import { sendBatch, type BatchResponse } from '../graph/batch';
import { betaGraph } from '../graph/client';
import { collect, graphErrorOf, pages } from '../graph/paging';
import { markDeparted, upsertDirectoryUser, type ArchiveUserKind } from '../store/directory';
import { syncGroups, type GroupSyncResult } from '../groups/directory';
import type { DirectorySettings } from './settings';

export interface DirectorySyncResult {
  seen: number;
  added: number;
  updated: number;
  departed: number;
  skipped: { upn: string; reason: string }[];
  /** Microsoft 365 groups, when the settings ask for them (syncGroups). */
  groups?: GroupSyncResult;
}

export const USER_FIELDS = 'id,userPrincipalName,displayName,mail,proxyAddresses,accountEnabled,assignedPlans,userType';

/**
 * Mirrors Entra ID users into archive users. Users that vanish are marked departed, never
 * deleted. A sync that fails half-way marks nobody departed: only a complete listing can prove
 * that someone left.
 */
export async function syncDirectory(conn: Connection, graph: Client, settings: DirectorySettings): Promise<DirectorySyncResult> {
  const result: DirectorySyncResult = { seen: 0, added: 0, updated: 0, departed: 0, skipped: [] };
  const include = settings.includeGroups.length ? await groupMembers(graph, settings.includeGroups, 'includeGroups') : null;
  const exclude = await groupMembers(graph, settings.excludeGroups, 'excludeGroups');
  const seen: string[] = [];
  const now = new Date();

  for await (const users of pages<User>(graph, `/users?$select=${USER_FIELDS}&$top=999`)) {
    const candidates: User[] = [];
    for (const user of users) {
      const skip = preselect(user, settings, include, exclude);
      if (skip) result.skipped.push({ upn: user.userPrincipalName ?? user.id ?? '?', reason: skip });
      else candidates.push(user);
    }
    const purposes = await mailboxPurposes(graph, candidates.map((u) => u.id!));
    const archives = await onlineArchives(graph, candidates.filter((u) => 'kind' in purposes.get(u.id!)!).map((u) => u.id!));
    for (const user of candidates) {
      const purpose = purposes.get(user.id!)!;
      if ('skip' in purpose) {
        result.skipped.push({ upn: user.userPrincipalName!, reason: purpose.skip });
        continue;
      }
      seen.push(user.id!);
      const archive = archives.get(user.id!);
      const outcome = await upsertDirectoryUser(conn, { ...toArchiveUser(user, purpose.kind), ...(archive !== undefined ? { onlineArchiveId: archive } : {}) }, now);
      result[outcome]++;
    }
  }
  result.seen = seen.length;
  result.departed = await markDeparted(conn, seen, now);
  if (settings.syncGroups) result.groups = await syncGroups(conn, graph, settings.grantGroupMembers, now);
  return result;
}

/** Why a user is not synchronised, before asking Exchange about the mailbox; null to ask. */
function preselect(user: User, settings: DirectorySettings, include: Set<string> | null, exclude: Set<string>): string | null {
  if (!user.id || !user.userPrincipalName) return 'no object id or UPN';
  if (include && !include.has(user.id)) return 'not in an included group';
  if (exclude.has(user.id)) return 'in an excluded group';
  if (!user.mail) return 'no email address';
  if (settings.licensedOnly && !isExchangeLicensed(user)) return 'no Exchange Online licence (licensed users only)';
  return null;
}

/**
 * Licensed for Exchange Online = an assigned plan of service "exchange" that is usable:
 * `Enabled`, or `Warning` (the grace period after a licence lapses, when the mailbox still works;
 * https://learn.microsoft.com/en-us/graph/api/resources/assignedplan).
 */
export function isExchangeLicensed(user: User): boolean {
  return (user.assignedPlans ?? []).some((p) => p.service?.toLowerCase() === 'exchange' && (p.capabilityStatus === 'Enabled' || p.capabilityStatus === 'Warning'));
}

type Purpose = { kind: ArchiveUserKind } | { skip: string };

/**
 * What kind of mailbox each user has, from `mailboxSettings.userPurpose` (user, shared, room,
 * equipment; https://learn.microsoft.com/en-us/graph/api/resources/mailboxsettings): a licence
 * does not tell (a large shared mailbox needs one, a room may have one). Asked in `$batch` calls
 * of 20. No mailbox, or one the app may not read (scoped by RBAC for Applications): skipped.
 */
async function mailboxPurposes(graph: Client, userIds: string[]): Promise<Map<string, Purpose>> {
  const requests = userIds.map((id, i) => ({ id: String(i), method: 'GET' as const, url: `/users/${id}/mailboxSettings?$select=userPurpose` }));
  const answers = requests.length ? await sendBatch(graph, requests) : new Map<string, BatchResponse>();
  const purposes = new Map<string, Purpose>();
  for (const [i, id] of userIds.entries()) {
    const answer = answers.get(String(i));
    const status = answer?.status ?? 0;
    if (status === 200) purposes.set(id, { kind: kindOf((answer!.body as MailboxSettings).userPurpose) });
    else if (status === 404) purposes.set(id, { skip: 'no Exchange mailbox' });
    else if (status === 403) purposes.set(id, { skip: "the app may not read this mailbox (outside its RBAC for Applications scope)" });
    else throw new Error(`Reading the mailbox settings of user ${id} failed with HTTP ${status}: ${errorMessage(answer?.body)}`);
  }
  return purposes;
}

/**
 * Each mailbox's online archive, from `GET /beta/users/{id}/settings/exchange`
 * (`inPlaceArchiveMailboxId`; User.Read.All): the id is read, never built from the user's
 * address or primary mailbox id (https://learn.microsoft.com/en-us/graph/archive-mailbox-mail-api).
 * Asked in beta `$batch` calls of 20. A failed read leaves the user's previous answer (a beta
 * API that hiccups must not make archives disappear): absent from the map.
 */
async function onlineArchives(graph: Client, userIds: string[]): Promise<Map<string, string | null>> {
  const requests = userIds.map((id, i) => ({ id: String(i), method: 'GET' as const, url: `/users/${id}/settings/exchange` }));
  const answers = requests.length ? await sendBatch(betaGraph(graph), requests) : new Map<string, BatchResponse>();
  const archives = new Map<string, string | null>();
  for (const [i, id] of userIds.entries()) {
    const answer = answers.get(String(i));
    if (answer?.status === 200) archives.set(id, (answer.body as { inPlaceArchiveMailboxId?: string | null }).inPlaceArchiveMailboxId || null);
    else if (answer?.status === 404) archives.set(id, null);
  }
  return archives;
}

function kindOf(purpose: string | null | undefined): ArchiveUserKind {
  const p = String(purpose ?? 'user').toLowerCase();
  return p === 'shared' || p === 'room' || p === 'equipment' ? p : 'user';
}

const errorMessage = (body: unknown) => (body as { error?: { message?: string } } | undefined)?.error?.message ?? 'no detail';

/** A directory setting that cannot work (a group that does not exist); the admin must fix it. */
export class DirectorySettingsError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

async function groupMembers(graph: Client, groupIds: string[], field: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const gid of groupIds) {
    try {
      const members = await collect<{ id: string }>(graph, `/groups/${gid}/transitiveMembers?$select=id&$top=999`);
      for (const m of members) ids.add(m.id);
    } catch (err) {
      if (graphErrorOf(err).status === 404) throw new DirectorySettingsError(field, `Group ${gid} (${field}) does not exist in the directory`);
      throw err;
    }
  }
  return ids;
}

export function toArchiveUser(user: User, kind: ArchiveUserKind) {
  const mail = (user.mail ?? '').toLowerCase();
  const aliases = (user.proxyAddresses ?? [])
    .filter((p) => /^smtp:/i.test(p))
    .map((p) => p.slice(5).toLowerCase());
  return {
    _id: user.id!,
    source: 'entra' as const,
    kind,
    upn: user.userPrincipalName!.toLowerCase(),
    displayName: user.displayName ?? '',
    mail,
    addresses: [...new Set([mail, ...aliases].filter(Boolean))],
    accountEnabled: user.accountEnabled ?? true,
    exchangeLicensed: isExchangeLicensed(user),
  };
}

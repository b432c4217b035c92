import type { Client } from '@microsoft/microsoft-graph-client';
import type { User } from '@microsoft/microsoft-graph-types';
import type { Connection } from 'mongoose';
import { collect, graphErrorOf, pages } from '../graph/paging';
import { markDeparted, upsertDirectoryUser, type ArchiveUserKind } from '../store/directory';
import type { DirectorySettings } from './settings';

export interface DirectorySyncResult {
  seen: number;
  added: number;
  updated: number;
  departed: number;
  skipped: { upn: string; reason: string }[];
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
    for (const user of users) {
      const decision = await classify(graph, user, settings, include, exclude);
      if ('skip' in decision) {
        result.skipped.push({ upn: user.userPrincipalName ?? user.id ?? '?', reason: decision.skip });
        continue;
      }
      seen.push(user.id!);
      const outcome = await upsertDirectoryUser(conn, toArchiveUser(user, decision.kind), now);
      result[outcome]++;
    }
  }
  result.seen = seen.length;
  result.departed = await markDeparted(conn, seen, now);
  return result;
}

type Decision = { kind: ArchiveUserKind } | { skip: string };

async function classify(
  graph: Client,
  user: User,
  settings: DirectorySettings,
  include: Set<string> | null,
  exclude: Set<string>,
): Promise<Decision> {
  if (!user.id || !user.userPrincipalName) return { skip: 'no object id or UPN' };
  if (include && !include.has(user.id)) return { skip: 'not in an included group' };
  if (exclude.has(user.id)) return { skip: 'in an excluded group' };
  if (!user.mail) return { skip: 'no email address' };
  if (isExchangeLicensed(user)) return { kind: 'user' };
  if (settings.licensedOnly) return { skip: 'no Exchange Online licence (licensed users only)' };
  // Unlicensed accounts with an address are shared, room or equipment mailboxes, or have no
  // mailbox at all; only the mailbox settings tell which.
  const purpose = await mailboxPurpose(graph, user.id);
  if (purpose === null) return { skip: 'no Exchange mailbox' };
  return { kind: purpose === 'user' || purpose === 'linked' || purpose === 'others' ? 'user' : (purpose as ArchiveUserKind) };
}

/** Licensed for Exchange Online = an enabled assigned plan of service "exchange". */
export function isExchangeLicensed(user: User): boolean {
  return (user.assignedPlans ?? []).some((p) => p.service?.toLowerCase() === 'exchange' && p.capabilityStatus === 'Enabled');
}

async function mailboxPurpose(graph: Client, userId: string): Promise<string | null> {
  try {
    const settings = await graph.api(`/users/${userId}/mailboxSettings`).select('userPurpose').get();
    return String(settings.userPurpose ?? 'user').toLowerCase();
  } catch (err) {
    const { status, code } = graphErrorOf(err);
    if (code === 'MailboxNotEnabledForRESTAPI' || code === 'ResourceNotFound' || status === 404) return null;
    throw err;
  }
}

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

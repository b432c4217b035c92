import type { Client } from '@microsoft/microsoft-graph-client';
import type { Group } from '@microsoft/microsoft-graph-types';
import type { Connection } from 'mongoose';
import { collect, pages } from '../graph/paging';
import { markDeparted, upsertDirectoryUser } from '../store/directory';
import { deleteGrant, listGrants, putGrant } from '../store/grants';

export interface GroupSyncResult {
  seen: number;
  added: number;
  updated: number;
  departed: number;
  grantsAdded: number;
  grantsRemoved: number;
}

/** Who wrote a grant that follows a group's membership: a sync never touches grants an admin wrote. */
export const MEMBERSHIP_GRANTOR = { oid: 'directory-sync', upn: 'group membership (directory sync)' };

const GROUP_FIELDS = 'id,displayName,mail,mailEnabled,groupTypes,proxyAddresses';

/**
 * A Microsoft 365 group with a group mailbox: `groupTypes` holds "Unified" and it is mail-enabled
 * (https://learn.microsoft.com/en-us/graph/api/resources/groups-overview). Security and
 * distribution groups have no conversations to archive.
 */
export const isUnifiedGroup = (g: Group) => Boolean(g.id && g.mail && g.mailEnabled && g.groupTypes?.includes('Unified'));

/**
 * Mirrors Microsoft 365 groups into archives (kind 'group', the group's object id as the
 * archive id, its addresses as the archive's), and, with `grantMembers`, grants each group's
 * archive to its owners and members. Like the user sync, only a complete listing departs groups.
 */
export async function syncGroups(conn: Connection, graph: Client, grantMembers: boolean, now = new Date()): Promise<GroupSyncResult> {
  const result: GroupSyncResult = { seen: 0, added: 0, updated: 0, departed: 0, grantsAdded: 0, grantsRemoved: 0 };
  const seen: string[] = [];
  for await (const groups of pages<Group>(graph, `/groups?$select=${GROUP_FIELDS}&$top=999`)) {
    for (const g of groups.filter(isUnifiedGroup)) {
      seen.push(g.id!);
      result[await upsertDirectoryUser(conn, archiveOf(g), now)]++;
      if (grantMembers) await followMembership(conn, graph, g.id!, result, now);
    }
  }
  result.seen = seen.length;
  result.departed = await markDeparted(conn, seen, now, true);
  return result;
}

function archiveOf(g: Group) {
  const mail = g.mail!.toLowerCase();
  const aliases = (g.proxyAddresses ?? []).filter((p) => /^smtp:/i.test(p)).map((p) => p.slice(5).toLowerCase());
  return {
    _id: g.id!, source: 'entra' as const, kind: 'group' as const, upn: mail, displayName: g.displayName ?? mail, mail,
    addresses: [...new Set([mail, ...aliases])], accountEnabled: true, exchangeLicensed: true,
  };
}

/**
 * Owners and members may read the group's archive: grants written by the sync are added for
 * newcomers and removed for those who left; a grant an administrator wrote stays as it is.
 */
async function followMembership(conn: Connection, graph: Client, groupId: string, result: GroupSyncResult, now: Date): Promise<void> {
  const people = new Set<string>();
  for (const relation of ['members', 'owners']) {
    for (const p of await collect<{ id: string; '@odata.type'?: string }>(graph, `/groups/${groupId}/${relation}?$select=id&$top=999`)) {
      if (!p['@odata.type'] || p['@odata.type'] === '#microsoft.graph.user') people.add(p.id);
    }
  }
  const existing = new Map((await listGrants(conn, { archiveId: groupId })).map((g) => [g.granteeId, g]));
  for (const id of people) {
    if (existing.has(id)) continue;
    await putGrant(conn, { granteeId: id, archiveId: groupId, rights: ['read'], grantedBy: MEMBERSHIP_GRANTOR, grantedAt: now });
    result.grantsAdded++;
  }
  for (const [id, grant] of existing) {
    if (people.has(id) || grant.grantedBy.oid !== MEMBERSHIP_GRANTOR.oid) continue;
    await deleteGrant(conn, id, groupId);
    result.grantsRemoved++;
  }
}

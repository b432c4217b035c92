import type { Caller } from './caller';
import type { Store } from '../store';
import { listArchiveUsers, type ArchiveUser } from '../store/directory';
import { archiveUsersById, listGrants, type GrantRight } from '../store/grants';
import { auditorMay } from './rights';

export interface ArchiveView {
  id: string;
  displayName: string;
  upn: string;
  mail: string;
  kind: ArchiveUser['kind'];
  status: ArchiveUser['status'];
  /** The caller's own archive. */
  own: boolean;
  /** The person has an online archive (as the last directory sync read it): restore may target it. */
  onlineArchive: boolean;
  rights: GrantRight[];
}

const ALL: GrantRight[] = ['read', 'export', 'restore'];

/**
 * The archives the caller can read, with their rights on each: the Outlook add-in's archive
 * picker. Own archive first, listed even before the directory sync has created its archive user.
 */
export async function readableArchives(store: Pick<Store, 'conn'>, caller: Caller): Promise<ArchiveView[]> {
  const grants = (await listGrants(store.conn, { granteeId: caller.oid })).filter((g) => g.archiveId !== caller.oid);
  const rightsOn = new Map(grants.map((g) => [g.archiveId, g.rights]));
  const users = caller.roles.has('auditor')
    ? new Map((await listArchiveUsers(store.conn)).map((u) => [u._id, u]))
    : await archiveUsersById(store.conn, [caller.oid, ...rightsOn.keys()]);
  const own: ArchiveView = {
    ...view(users.get(caller.oid) ?? selfAsUser(caller)),
    own: true,
    rights: ALL,
  };
  const others: ArchiveView[] = [];
  for (const user of users.values()) {
    if (user._id === caller.oid) continue;
    const rights = ALL.filter((r) => rightsOn.get(user._id)?.includes(r) || auditorMay(caller, r));
    if (rights.includes('read')) others.push({ ...view(user), own: false, rights });
  }
  others.sort((a, b) => a.displayName.localeCompare(b.displayName) || a.upn.localeCompare(b.upn));
  return [own, ...others];
}

function view(u: Pick<ArchiveUser, '_id' | 'displayName' | 'upn' | 'mail' | 'kind' | 'status' | 'onlineArchiveId'>) {
  return { id: u._id, displayName: u.displayName || u.upn, upn: u.upn, mail: u.mail, kind: u.kind, status: u.status, onlineArchive: Boolean(u.onlineArchiveId) };
}

function selfAsUser(caller: Caller) {
  return { _id: caller.oid, displayName: caller.name, upn: caller.upn, mail: '', kind: 'user' as const, status: 'active' as const };
}

import type { Caller } from './caller';
import { forbidden, notFound } from '../errors';
import type { Store } from '../store';
import { getGrant, listGrants, type GrantRight } from '../store/grants';

/**
 * Who may use which archive (MISSION M9).
 *  - Everyone reads, exports and restores their own archive, whose id is their Entra object id
 *    (`caller.oid`). Nothing is looked up for it: an archive user marked departed who can still
 *    sign in keeps access, and someone not archived yet simply has an empty archive.
 *  - Administrators manage profiles, the directory and grants, but get no mail by virtue of the
 *    role. To read an archive they grant it, to themselves if need be, and the grant is audited.
 *    This separates administration from access to content, as Purview separates admin and
 *    eDiscovery roles, so that an admin's reading is always a deliberate, visible act.
 *  - Auditors (app role Archive.Auditor) read and export every archive; restoring needs a grant,
 *    since it writes into someone's mailbox. The routes audit every access they make.
 *  - Anything else needs a grant (store/grants.ts) with the right in question.
 *  - The journal quarantine holds mail too (reports that could not be filed, with the messages
 *    inside): reading it needs a grant of `read` on the pseudo-archive JOURNAL_QUARANTINE,
 *    granted and audited like any archive, administrators included.
 */
export type Right = GrantRight;

const AUDITOR_RIGHTS: readonly Right[] = ['read', 'export'];

export function auditorMay(caller: Caller, right: Right): boolean {
  return caller.roles.has('auditor') && AUDITOR_RIGHTS.includes(right);
}

/** Archive ids the caller may use with `right`, or 'all' (auditors: read and export everything). */
export async function archivesFor(store: Pick<Store, 'conn'>, caller: Caller, right: Right): Promise<string[] | 'all'> {
  if (auditorMay(caller, right)) return 'all';
  const granted = await listGrants(store.conn, { granteeId: caller.oid });
  const ids = granted.filter((g) => g.rights.includes(right)).map((g) => g.archiveId);
  return [caller.oid, ...ids.filter((id) => id !== caller.oid)];
}

/** The archive id grants of the journal quarantine name: no archive user can have it. */
export const JOURNAL_QUARANTINE = 'journal-quarantine';

/** Reading a quarantined report (its envelope or bytes) needs the quarantine's read grant; a 403 says how to get it. */
export async function requireQuarantineRead(store: Pick<Store, 'conn'>, caller: Caller): Promise<void> {
  if (auditorMay(caller, 'read')) return;
  const grant = await getGrant(store.conn, caller.oid, JOURNAL_QUARANTINE);
  if (grant?.rights.includes('read')) return;
  throw forbidden(`Reading quarantined reports needs a grant of read on the archive "${JOURNAL_QUARANTINE}" (audited), as for any archive`);
}

/**
 * Resolves quietly, or throws 404 'not_found' (never 403): a user must never learn that another
 * archive or message exists. `what` names the thing the route looked for ('Message' by default),
 * so that a denied archive reads exactly like a missing message or archive.
 */
export async function requireArchive(store: Pick<Store, 'conn'>, caller: Caller, archiveId: string, right: Right, what = 'Message'): Promise<void> {
  if (typeof archiveId === 'string' && archiveId !== '') {
    if (archiveId === caller.oid || auditorMay(caller, right)) return;
    const grant = await getGrant(store.conn, caller.oid, archiveId);
    if (grant?.rights.includes(right)) return;
  }
  throw notFound(what);
}

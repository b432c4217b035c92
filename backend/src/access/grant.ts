import type { Caller } from './caller';
import type { Store } from '../store';
import { getArchiveUser, type ArchiveUser } from '../store/directory';
import { getGrant, GRANT_RIGHTS, grantId, putGrant, type Grant, type GrantRight } from '../store/grants';
import { audit } from './audit';
import { JOURNAL_QUARANTINE } from './rights';

/** Input the grant cannot take, naming the field: the API answers 400, the admin CLI exits 2. */
export class GrantInputError extends Error {
  constructor(
    readonly field: 'grantee' | 'archive' | 'rights',
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'GrantInputError';
  }
}

/** The journal quarantine as the archive a grant names (see rights.ts). */
export const QUARANTINE_ARCHIVE = { _id: JOURNAL_QUARANTINE, upn: JOURNAL_QUARANTINE, displayName: 'Journal quarantine', kind: 'catch-all' } as ArchiveUser;

export interface GrantResult {
  grant: Grant;
  grantee: ArchiveUser;
  archive: ArchiveUser;
  /** False when it replaced an earlier grant of the same archive to the same person. */
  created: boolean;
}

/**
 * Gives a person rights on another archive (MISSION M9), for the API and the admin CLI alike.
 * Audited before it takes effect: a grant that cannot be recorded must not happen.
 */
export async function grantArchive(
  store: Store,
  caller: Caller,
  input: { grantee: string; archive: string; rights: readonly GrantRight[] },
  where: { ip?: string; userAgent?: string } = {},
): Promise<GrantResult> {
  const rights = GRANT_RIGHTS.filter((x) => input.rights.includes(x));
  // Exporting or restoring what one cannot find and open makes no sense; read comes with them.
  if (!rights.includes('read')) throw new GrantInputError('rights', 'export and restore need read');
  const grantee = await resolveArchiveUser(store, input.grantee, 'grantee');
  if (grantee.source !== 'entra' || grantee.kind !== 'user') throw new GrantInputError('grantee', 'must be a person who signs in with Entra ID, not a shared, room or manual archive');
  const archive = await resolveGrantArchive(store, input.archive);
  if (archive._id === grantee._id) throw new GrantInputError('archive', "is the grantee's own archive, which needs no grant");
  const previous = await getGrant(store.conn, grantee._id, archive._id);
  await audit(store, {
    caller,
    ...where,
    action: 'grant',
    archiveId: archive._id,
    target: grantee._id,
    details: { grantee: grantee.upn, archive: archive.upn, rights, previousRights: previous?.rights ?? [], self: grantee._id === caller.oid },
  });
  const fields = { granteeId: grantee._id, archiveId: archive._id, rights, grantedBy: { oid: caller.oid, upn: caller.upn }, grantedAt: new Date() };
  const before = await putGrant(store.conn, fields);
  return { grant: { _id: grantId(grantee._id, archive._id), ...fields }, grantee, archive, created: !before };
}

/** An archive user, or the journal quarantine, which has no archive user. */
export async function resolveGrantArchive(store: Store, value: string): Promise<ArchiveUser> {
  return value === JOURNAL_QUARANTINE ? QUARANTINE_ARCHIVE : resolveArchiveUser(store, value, 'archive');
}

export async function resolveArchiveUser(store: Store, value: string, field: 'grantee' | 'archive'): Promise<ArchiveUser> {
  const user = await getArchiveUser(store.conn, value);
  if (!user) throw new GrantInputError(field, 'no archive user has this name, address or id');
  return user;
}

import { requireArchive } from '../access';
import type { Caller } from '../access/caller';
import { DomainError, invalidInput } from '../errors';
import type { Store } from '../store';
import { getArchiveUser } from '../store/directory';

/**
 * The mailbox (Entra object id) a restore goes to: the caller's own by default. Another mailbox
 * is allowed only with the restore right on that person's archive (an archive user's id is their
 * object id); an unknown mailbox and one out of reach get the same answer.
 */
export async function resolveRestoreMailbox(store: Store, caller: Caller, mailbox: string | undefined): Promise<string> {
  if (!mailbox || mailbox.toLowerCase() === caller.upn) return caller.oid;
  const user = await getArchiveUser(store.conn, mailbox.toLowerCase());
  if (user?._id === caller.oid) return caller.oid;
  try {
    if (!user || user.kind === 'manual' || user.kind === 'catch-all') throw unknownMailbox();
    await requireArchive(store, caller, user._id, 'restore');
    return user._id;
  } catch (err) {
    if (err instanceof DomainError && (err.kind === 'not_found' || err.field === 'mailbox')) throw unknownMailbox();
    throw err;
  }
}

const unknownMailbox = () => invalidInput('mailbox', 'no mailbox of that name that you may restore to');

/**
 * The online archive (an `MBX:` id) of the person whose mailbox a restore goes to, as the directory
 * sync last read it from Graph's `settings/exchange`: the id is never built by hand
 * (https://learn.microsoft.com/en-us/graph/archive-mailbox-mail-api).
 */
export async function onlineArchiveOf(store: Store, userId: string): Promise<string> {
  const id = (await getArchiveUser(store.conn, userId))?.onlineArchiveId;
  if (!id) throw invalidInput('onlineArchive', 'this person has no online archive (as the last directory sync found)');
  return id;
}

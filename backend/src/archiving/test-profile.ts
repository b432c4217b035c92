import type { ArchivingDeps } from './runner';
import type { ProfileSettings } from './profile';
import { resolveMailboxes } from './mailboxes';
import { describe } from './crawl-mailbox';
import { getDirectorySettings } from '../directory/settings';

const SAMPLE = 5;

/**
 * "Test connection" in the wizard: can we resolve the profile's mailboxes and open each one's
 * Inbox (a group's conversations, for a groups profile) with the app's token? Checks a sample
 * so a 5,000-mailbox profile answers quickly.
 */
export async function testProfile(deps: ArchivingDeps, settings: ProfileSettings) {
  let mailboxes;
  try {
    mailboxes = await resolveMailboxes(deps.store, deps.graph, settings.source);
  } catch (err) {
    return { ok: false, mailboxCount: 0, checked: [], error: describe(err) };
  }
  // Nothing opened is nothing proven: a profile that selects no mailbox has not passed.
  if (mailboxes.length === 0) return { ok: false, mailboxCount: 0, checked: [], error: await whyNoMailbox(deps, settings) };
  const probe = (id: string) => (settings.source.kind === 'm365-groups' ? `/groups/${id}/threads?$top=1&$select=id` : `/users/${id}/mailFolders/inbox?$select=id`);
  const checked = await Promise.all(
    mailboxes.slice(0, SAMPLE).map(async (m) => {
      try {
        await deps.graph.api(probe(m.mailboxId)).get();
        return { upn: m.upn, ok: true };
      } catch (err) {
        return { upn: m.upn, ok: false, error: describe(err) };
      }
    }),
  );
  return { ok: checked.every((c) => c.ok), mailboxCount: mailboxes.length, checked };
}

async function whyNoMailbox(deps: ArchivingDeps, settings: ProfileSettings): Promise<string> {
  if (settings.source.kind === 'shared-mailboxes' && (await getDirectorySettings(deps.store.conn)).licensedOnly) {
    return 'This profile selects no mailbox: no shared mailbox is known because the directory sync takes licensed users only. Turn "Licensed Exchange Online users only" off on the Directory page and synchronise.';
  }
  return 'This profile selects no mailbox: synchronise the directory (Directory page), or check the mailboxes the profile names.';
}

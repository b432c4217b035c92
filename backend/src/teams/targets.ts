import type { Client } from '@microsoft/microsoft-graph-client';
import type { Team } from '@microsoft/microsoft-graph-types';
import { collect } from '../graph/paging';
import { MailboxResolutionError, type MailboxTarget } from '../archiving/mailboxes';

/**
 * The teams a "Teams channels" profile archives (https://learn.microsoft.com/en-us/graph/api/teams-list),
 * each one unit of a run: the target's id is the team's, its name stands where a mailbox's
 * address would. Channel lines go to the archives of the team's members (crawl.ts).
 */
export async function resolveTeams(graph: Client, wanted: string[]): Promise<MailboxTarget[]> {
  const teams = await collect<Team>(graph, '/teams');
  const keys = new Set(wanted.map((w) => w.toLowerCase()));
  const chosen = keys.size === 0 ? teams : teams.filter((t) => keys.has(t.id!.toLowerCase()) || keys.has((t.displayName ?? '').toLowerCase()));
  const missing = wanted.filter((w) => !teams.some((t) => t.id!.toLowerCase() === w.toLowerCase() || (t.displayName ?? '').toLowerCase() === w.toLowerCase()));
  if (missing.length > 0) throw new MailboxResolutionError(`Team "${missing[0]}" was not found`);
  return chosen.map((t) => ({ mailboxId: t.id!, upn: t.displayName ?? t.id!, archiveId: t.id! }));
}

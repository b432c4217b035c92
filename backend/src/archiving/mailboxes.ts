import type { Client } from '@microsoft/microsoft-graph-client';
import { betaGraph } from '../graph/client';
import type { User } from '@microsoft/microsoft-graph-types';
import type { Store } from '../store';
import { getArchiveUser, listArchiveUsers, upsertDirectoryUser, type ArchiveUser } from '../store/directory';
import { toArchiveUser, USER_FIELDS } from '../directory/sync';
import { syncGroups } from '../groups/directory';
import { getDirectorySettings } from '../directory/settings';
import type { ProfileSource } from './profile';
import { resolveTeams } from '../teams/targets';

export interface MailboxTarget {
  mailboxId: string;
  upn: string;
  archiveId: string;
  /** The primary mailbox's online archive id as the directory knows it (undefined: ask Graph). */
  onlineArchiveId?: string | null;
  /** Set on an online archive mailbox: its owner's primary mailbox id. */
  onlineArchiveOf?: string;
}

export class MailboxResolutionError extends Error {}

/**
 * Which mailboxes a profile archives, and into which archive. Multiple-mailbox profiles work
 * from the synchronised directory (MailStore does the same: archive users first, then mailboxes).
 */
export async function resolveMailboxes(store: Store, graph: Client, source: ProfileSource): Promise<MailboxTarget[]> {
  switch (source.kind) {
    case 'single-mailbox': {
      const user = await findOrFetchUser(store, graph, source.mailbox);
      const target = source.targetArchive ? await findOrFetchUser(store, graph, source.targetArchive) : user;
      // One mailbox: its online archive is asked for afresh (onlineArchiveTargets), not taken from a sync of long ago.
      return [{ mailboxId: user._id, upn: user.upn, archiveId: target._id }];
    }
    case 'multiple-mailboxes': {
      const users = await listArchiveUsers(store.conn, { status: 'active', kinds: ['user'], withMailbox: true });
      const listed = matcher(source.mailboxes);
      const chosen = users.filter((u) => (source.selection === 'all' ? true : source.selection === 'only' ? listed(u) : !listed(u)));
      return chosen.map(self);
    }
    case 'shared-mailboxes': {
      const users = await listArchiveUsers(store.conn, { status: 'active', kinds: ['shared'], withMailbox: true });
      const listed = matcher(source.mailboxes);
      return users.filter((u) => source.mailboxes.length === 0 || listed(u)).map(self);
    }
    case 'teams-chats':
      return resolveMailboxes(store, graph, { kind: 'multiple-mailboxes', selection: source.selection, mailboxes: source.mailboxes });
    case 'teams-channels':
      return resolveTeams(graph, source.teams);
    case 'm365-groups':
      return groupTargets(store, graph, source);
  }
}

/** The groups of a groups profile, each into its own archive, after a sync of the groups (and their grants). */
async function groupTargets(store: Store, graph: Client, source: Extract<ProfileSource, { kind: 'm365-groups' }>): Promise<MailboxTarget[]> {
  await syncGroups(store.conn, graph, (await getDirectorySettings(store.conn)).grantGroupMembers);
  const groups = await listArchiveUsers(store.conn, { status: 'active', kinds: ['group'] });
  const listed = matcher(source.mailboxes);
  return groups.filter((g) => (source.selection === 'all' ? true : source.selection === 'only' ? listed(g) : !listed(g))).map(self);
}

const self = (u: ArchiveUser): MailboxTarget => ({ mailboxId: u._id, upn: u.upn, archiveId: u._id, onlineArchiveId: u.onlineArchiveId });

/**
 * The online archives of the primary targets, into the same archives. Their ids come from the
 * directory sync; a single mailbox's, or one the sync could not read, is asked now, on Graph
 * beta's `settings/exchange` (https://learn.microsoft.com/en-us/graph/archive-mailbox-mail-api).
 */
export async function onlineArchiveTargets(graph: Client, primaries: MailboxTarget[]): Promise<MailboxTarget[]> {
  const targets: MailboxTarget[] = [];
  for (const p of primaries) {
    const id = p.onlineArchiveId !== undefined ? p.onlineArchiveId : await readOnlineArchiveId(graph, p.mailboxId);
    if (id) targets.push({ mailboxId: id, upn: p.upn, archiveId: p.archiveId, onlineArchiveOf: p.mailboxId });
  }
  return targets;
}

async function readOnlineArchiveId(graph: Client, userId: string): Promise<string | null> {
  const settings: { inPlaceArchiveMailboxId?: string | null } = await betaGraph(graph).api(`/users/${userId}/settings/exchange`).get();
  return settings.inPlaceArchiveMailboxId || null;
}

function matcher(refs: string[]): (u: ArchiveUser) => boolean {
  const keys = new Set(refs.map((r) => r.toLowerCase()));
  return (u) => keys.has(u._id.toLowerCase()) || keys.has(u.upn) || u.addresses.some((a) => keys.has(a));
}

/** A single-mailbox profile may name users before any directory sync: look them up in Entra. */
async function findOrFetchUser(store: Store, graph: Client, ref: string): Promise<ArchiveUser> {
  const known = await getArchiveUser(store.conn, ref);
  if (known) return known;
  let user: User;
  try {
    user = await graph.api(`/users/${encodeURIComponent(ref)}`).select(USER_FIELDS).get();
  } catch {
    throw new MailboxResolutionError(`Mailbox "${ref}" was not found in the directory`);
  }
  if (!user.mail) throw new MailboxResolutionError(`"${ref}" has no mailbox`);
  await upsertDirectoryUser(store.conn, toArchiveUser(user, 'user'));
  return (await getArchiveUser(store.conn, user.id!))!;
}

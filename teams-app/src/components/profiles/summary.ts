import type { Profile } from '../../api/types';

export function sourceSummary(p: Profile): string {
  const s = p.source;
  if (s.kind === 'single-mailbox') return `Mailbox ${s.mailbox}${s.targetArchive ? ` → ${s.targetArchive}` : ''}`;
  if (s.kind === 'shared-mailboxes') return s.mailboxes?.length ? `Shared: ${s.mailboxes.join(', ')}` : 'Every shared mailbox';
  if (s.kind === 'teams-channels') return s.teams?.length ? `Teams channels: ${s.teams.join(', ')}` : 'Every team\'s channels';
  const n = s.mailboxes?.length ?? 0;
  if (s.kind === 'teams-chats') return s.selection === 'all' ? 'Teams chats of all users' : `Teams chats: ${s.selection === 'only' ? 'only' : 'all except'} ${n}`;
  if (s.kind === 'm365-groups' && s.selection === 'all') return 'Every Microsoft 365 group';
  if (s.selection === 'all') return 'All users';
  return s.selection === 'only' ? `Only ${n}: ${s.mailboxes!.join(', ')}` : `All except ${n}`;
}

export function scheduleSummary(p: Profile): string {
  const s = p.schedule;
  if (!s || s.kind === 'manual') return 'Manual';
  if (s.kind === 'interval') return `Every ${s.everyMinutes} min`;
  return `Cron ${s.expression}${s.timezone ? ` (${s.timezone})` : ''}`;
}

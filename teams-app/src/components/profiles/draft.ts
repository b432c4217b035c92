import type { Profile, ProfileInput } from '../../api/types';
import { numberOrText, scheduleDraft, toSchedule, type ScheduleDraft } from '../common/ScheduleEditor';

type Kind = ProfileInput['source']['kind'];

/** The wizard's form state: strings as typed, turned into the API's shape only when saving. */
export interface Draft {
  kind: Kind;
  mailbox: string;
  targetArchive: string;
  selection: 'all' | 'all-except' | 'only';
  mailboxes: string[];
  /** Teams channels: team names or ids, one a line (empty: every team). */
  teams: string;
  syncDirectoryFirst: boolean;
  includeOnlineArchives: boolean;
  includeFolders: string;
  excludeFolders: string[];
  olderThanDays: string;
  receivedAfter: string;
  receivedBefore: string;
  maxSizeMB: string;
  deletionMode: 'never' | 'delete-after-archiving';
  deleteOlderThanDays: string;
  deleteFromOnlineArchives: boolean;
  timeoutMinutes: string;
  name: string;
  enabled: boolean;
  schedule: ScheduleDraft;
}

export const DEFAULT_EXCLUDED = ['junkemail', 'drafts', 'outbox'];

export function newDraft(): Draft {
  return {
    kind: 'multiple-mailboxes',
    mailbox: '',
    targetArchive: '',
    selection: 'all',
    mailboxes: [],
    teams: '',
    syncDirectoryFirst: true,
    includeOnlineArchives: false,
    includeFolders: '',
    excludeFolders: [...DEFAULT_EXCLUDED],
    olderThanDays: '',
    receivedAfter: '',
    receivedBefore: '',
    maxSizeMB: '',
    deletionMode: 'never',
    deleteOlderThanDays: '365',
    deleteFromOnlineArchives: false,
    timeoutMinutes: '240',
    name: '',
    enabled: true,
    schedule: scheduleDraft(undefined),
  };
}

const day = (v: unknown) => (v ? String(v).slice(0, 10) : '');
const text = (v: number | undefined) => (v === undefined ? '' : String(v));
const lines = (v: string) => v.split(/[\n,;]+/).map((s) => s.trim()).filter(Boolean);

export function draftOf(p: Profile): Draft {
  const src = p.source;
  const f = p.filters ?? {};
  return {
    ...newDraft(),
    kind: src.kind,
    mailbox: src.kind === 'single-mailbox' ? src.mailbox : '',
    targetArchive: src.kind === 'single-mailbox' ? (src.targetArchive ?? '') : '',
    selection: src.kind === 'multiple-mailboxes' || src.kind === 'teams-chats' || src.kind === 'm365-groups' ? src.selection : 'only',
    mailboxes: src.kind === 'single-mailbox' || src.kind === 'teams-channels' ? [] : (src.mailboxes ?? []),
    teams: src.kind === 'teams-channels' ? (src.teams ?? []).join('\n') : '',
    syncDirectoryFirst: p.syncDirectoryFirst ?? false,
    includeOnlineArchives: p.includeOnlineArchives ?? false,
    includeFolders: (p.folders?.include ?? []).join('\n'),
    excludeFolders: p.folders?.exclude ?? [...DEFAULT_EXCLUDED],
    olderThanDays: text(f.olderThanDays),
    receivedAfter: day(f.receivedAfter),
    receivedBefore: day(f.receivedBefore),
    maxSizeMB: text(f.maxSizeMB),
    deletionMode: p.deletion?.mode ?? 'never',
    deleteOlderThanDays: p.deletion?.mode === 'delete-after-archiving' ? String(p.deletion.olderThanDays) : '365',
    deleteFromOnlineArchives: p.deletion?.mode === 'delete-after-archiving' && p.deletion.alsoOnlineArchives === true,
    timeoutMinutes: text(p.timeoutMinutes) || '240',
    name: p.name,
    enabled: p.enabled ?? true,
    schedule: scheduleDraft(p.schedule as never),
  };
}

function sourceOf(d: Draft): ProfileInput['source'] {
  if (d.kind === 'single-mailbox') return { kind: 'single-mailbox', mailbox: d.mailbox.trim(), ...(d.targetArchive.trim() ? { targetArchive: d.targetArchive.trim() } : {}) };
  if (d.kind === 'shared-mailboxes') return { kind: 'shared-mailboxes', mailboxes: d.mailboxes };
  if (d.kind === 'teams-channels') return { kind: 'teams-channels', teams: lines(d.teams) };
  if (d.kind === 'teams-chats') return { kind: 'teams-chats', selection: d.selection, mailboxes: d.selection === 'all' ? [] : d.mailboxes };
  if (d.kind === 'm365-groups') return { kind: 'm365-groups', selection: d.selection, mailboxes: d.selection === 'all' ? [] : d.mailboxes };
  return { kind: 'multiple-mailboxes', selection: d.selection, mailboxes: d.selection === 'all' ? [] : d.mailboxes };
}

/** The API's profile; empty optional fields are left out so the schema's defaults apply. */
export function toInput(d: Draft): ProfileInput {
  const filters: Record<string, unknown> = {};
  if (d.olderThanDays.trim()) filters.olderThanDays = numberOrText(d.olderThanDays);
  if (d.receivedAfter) filters.receivedAfter = d.receivedAfter;
  if (d.receivedBefore) filters.receivedBefore = d.receivedBefore;
  if (d.maxSizeMB.trim()) filters.maxSizeMB = numberOrText(d.maxSizeMB);
  return {
    name: d.name,
    enabled: d.enabled,
    source: sourceOf(d),
    syncDirectoryFirst: d.syncDirectoryFirst,
    includeOnlineArchives: d.includeOnlineArchives,
    folders: { include: lines(d.includeFolders), exclude: d.excludeFolders },
    filters: filters as ProfileInput['filters'],
    deletion: d.deletionMode === 'never' ? { mode: 'never' } : { mode: 'delete-after-archiving', olderThanDays: numberOrText(d.deleteOlderThanDays) as number, alsoOnlineArchives: d.deleteFromOnlineArchives },
    timeoutMinutes: numberOrText(d.timeoutMinutes) as number,
    schedule: toSchedule(d.schedule),
  };
}

export { lines as splitList };

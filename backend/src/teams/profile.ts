import { z } from 'zod';

/**
 * The Teams profile kinds. `paymentModel` is the metered export APIs' `model` query parameter
 * (https://learn.microsoft.com/en-us/graph/teams-licenses): A for security and compliance
 * applications (an archive; needs E5-class licences), B for others; 'evaluation' sends none
 * and gets Microsoft's small evaluation allowance.
 */
const paymentModel = z.enum(['A', 'B', 'evaluation']).default('A');
const ref = z.string().trim().min(1, 'must not be empty').max(320);

export const TEAMS_SOURCES = [
  z.object({
    kind: z.literal('teams-chats'),
    selection: z.enum(['all', 'all-except', 'only']),
    mailboxes: z.array(ref).max(10_000).default([]),
    paymentModel,
  }),
  z.object({
    kind: z.literal('teams-channels'),
    /** Empty: every team. Team names or ids. */
    teams: z.array(ref).max(10_000).default([]),
    paymentModel,
  }),
] as const;

export type TeamsSource = z.output<(typeof TEAMS_SOURCES)[number]>;

export const isTeamsSource = (s: { kind: string }): s is TeamsSource => s.kind === 'teams-chats' || s.kind === 'teams-channels';

interface MailOptions {
  source: { kind: string };
  includeOnlineArchives: boolean;
  filters: { olderThanDays?: number; receivedBefore?: Date; maxSizeMB?: number };
  deletion: { mode: string };
}

/**
 * Mail options a Teams profile cannot honour are refused rather than ignored: chat lines are
 * never deleted from Teams, there are no online archives, and the export APIs' window takes a
 * start (`filters.receivedAfter`) but no age or size.
 */
export function refuseMailOptions(p: MailOptions, ctx: z.RefinementCtx): void {
  if (!isTeamsSource(p.source)) return;
  const refuse = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (p.deletion.mode !== 'never') refuse(['deletion', 'mode'], 'Teams chats and channel messages are never deleted from Teams by archiving');
  if (p.includeOnlineArchives) refuse(['includeOnlineArchives'], 'Teams profiles have no online archives');
  for (const key of ['olderThanDays', 'receivedBefore', 'maxSizeMB'] as const) {
    if (p.filters[key] !== undefined) refuse(['filters', key], 'Teams profiles take only filters.receivedAfter (where the first round starts)');
  }
}

/** The wizard's steps, in MailStore's order, and which API fields each one edits (to show a 400 where it belongs). */
export const STEPS = [
  { id: 'kind', title: 'Kind', fields: ['source.kind'] },
  { id: 'mailboxes', title: 'Mailboxes', fields: ['source.mailbox', 'source.mailboxes', 'source.selection', 'syncDirectoryFirst', 'includeOnlineArchives', 'source'] },
  { id: 'folders', title: 'Folders', fields: ['folders'] },
  { id: 'filters', title: 'Filters, deletion, timeout', fields: ['filters', 'deletion', 'timeoutMinutes'] },
  { id: 'target', title: 'Target archive', fields: ['source.targetArchive'] },
  { id: 'name', title: 'Name and schedule', fields: ['name', 'schedule', 'enabled', 'body'] },
] as const;

export type StepId = (typeof STEPS)[number]['id'];

export function stepOfField(field: string | undefined): number {
  if (!field) return STEPS.length - 1;
  // The most specific match wins: source.targetArchive belongs to "Target", not to "Mailboxes".
  let best = -1;
  let bestLen = -1;
  STEPS.forEach((s, i) => {
    for (const f of s.fields) if ((field === f || field.startsWith(`${f}.`)) && f.length > bestLen) [best, bestLen] = [i, f.length];
  });
  return best === -1 ? STEPS.length - 1 : best;
}

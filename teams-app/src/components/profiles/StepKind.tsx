import { Field, Radio, RadioGroup } from '@fluentui/react-components';
import type { StepProps } from './StepProps';

const KINDS = [
  { value: 'single-mailbox', label: 'Single mailbox', hint: 'One mailbox into an archive of your choice.' },
  { value: 'multiple-mailboxes', label: 'Multiple mailboxes', hint: 'Every user of the directory, all except some, or only some; each into their own archive.' },
  { value: 'shared-mailboxes', label: 'Shared mailboxes', hint: 'Shared mailboxes (unlicensed accounts) known from directory synchronisation.' },
  { value: 'teams-chats', label: 'Teams chats of users', hint: 'Every 1:1 and group chat line of the chosen users, into each member\'s archive (needs Chat.Read.All and Microsoft\'s protected-API approval).' },
  { value: 'teams-channels', label: 'Teams channels', hint: 'Channel messages and replies of all teams or the listed ones, into each team member\'s archive (needs ChannelMessage.Read.All and the protected-API approval).' },
  { value: 'm365-groups', label: 'Microsoft 365 groups', hint: "Each group's conversations (threads and posts) into the group's own archive, readable by its owners and members." },
] as const;

export function StepKind({ draft, set, error }: StepProps) {
  return (
    <Field label="What do you want to archive?" validationMessage={error('source.kind')}>
      <RadioGroup value={draft.kind} onChange={(_e, d) => set({ kind: d.value as typeof draft.kind })} aria-label="Profile kind">
        {KINDS.map((k) => (
          <Radio key={k.value} value={k.value} label={`${k.label} — ${k.hint}`} />
        ))}
      </RadioGroup>
    </Field>
  );
}

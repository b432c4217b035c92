import { Checkbox, Combobox, Field, Option, Radio, RadioGroup, Textarea } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import { exampleAddress } from '../common/exampleAddress';
import { MailboxPicker } from './MailboxPicker';
import type { StepProps } from './StepProps';

const NO_SHARED =
  'No shared mailbox is known: shared mailboxes have no licence, so a directory sync with "Licensed Exchange Online users only" on leaves them out. Turn it off on the Directory page and synchronise, or type their addresses below.';

export function StepMailboxes(props: StepProps) {
  return (
    <>
      {mailboxChoice(props)}
      {!props.draft.kind.startsWith('teams-') && props.draft.kind !== 'm365-groups' && (
        <Checkbox
          checked={props.draft.includeOnlineArchives}
          onChange={(_e, d) => props.set({ includeOnlineArchives: d.checked === true })}
          label="Include online archives (In-Place Archive, auxiliary archives too), under “Online Archive/” in each owner's archive. Uses a Microsoft Graph preview (beta) API."
        />
      )}
    </>
  );
}

function mailboxChoice({ draft, set, error, users }: StepProps): ReactNode {
  const people = users.filter((u) => u.mail && u.kind !== 'group');
  const groups = draft.kind === 'm365-groups';
  if (draft.kind === 'single-mailbox') {
    return (
      <Field label="Mailbox" hint="User principal name or address of the mailbox to archive." validationMessage={error('source.mailbox', 'source')}>
        <Combobox
          freeform
          placeholder={exampleAddress(people, 'someone')}
          value={draft.mailbox}
          onInput={(e) => set({ mailbox: (e.target as HTMLInputElement).value })}
          onOptionSelect={(_e, d) => set({ mailbox: d.optionValue ?? '' })}
        >
          {people.map((u) => (
            <Option key={u._id} value={u.upn} text={u.upn}>
              {`${u.displayName} (${u.upn})`}
            </Option>
          ))}
        </Combobox>
      </Field>
    );
  }
  if (draft.kind === 'teams-channels') {
    return (
      <Field label="Teams (names or ids, one a line; empty: every team)" validationMessage={error('source.teams', 'source')}>
        <Textarea value={draft.teams} onChange={(_e, d) => set({ teams: d.value })} aria-label="Teams" />
      </Field>
    );
  }
  if (draft.kind === 'shared-mailboxes') {
    return (
      <MailboxPicker
        label="Shared mailboxes (none ticked: every shared mailbox the directory knows)"
        users={people.filter((u) => u.kind === 'shared')}
        // Users known but no shared mailbox: the directory sync left them out (they have no licence).
        empty={people.length > 0 ? NO_SHARED : undefined}
        value={draft.mailboxes}
        onChange={(mailboxes) => set({ mailboxes })}
        error={error('source.mailboxes', 'source')}
      />
    );
  }
  return (
    <>
      <Field label="Which mailboxes?" validationMessage={error('source.selection')}>
        <RadioGroup value={draft.selection} onChange={(_e, d) => set({ selection: d.value as typeof draft.selection })} aria-label="Which mailboxes">
          <Radio value="all" label={groups ? 'Every Microsoft 365 group the directory knows' : 'All users with an email address'} />
          <Radio value="all-except" label="All except the ones ticked below" />
          <Radio value="only" label="Only the ones ticked below" />
        </RadioGroup>
      </Field>
      {draft.selection !== 'all' && (
        <MailboxPicker
          label={draft.selection === 'only' ? 'Archive these mailboxes' : 'Leave out these mailboxes'}
          users={groups ? users.filter((u) => u.kind === 'group') : people}
          value={draft.mailboxes}
          onChange={(mailboxes) => set({ mailboxes })}
          error={error('source.mailboxes', 'source')}
        />
      )}
      <Checkbox
        checked={draft.syncDirectoryFirst}
        onChange={(_e, d) => set({ syncDirectoryFirst: d.checked === true })}
        label="Synchronise with the directory before archiving (new users are archived on the same run)"
      />
    </>
  );
}

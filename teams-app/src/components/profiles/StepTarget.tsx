import { Body1, Combobox, Field, Option } from '@fluentui/react-components';
import type { StepProps } from './StepProps';

export function StepTarget({ draft, set, error, users }: StepProps) {
  if (draft.kind !== 'single-mailbox') {
    return <Body1>Each mailbox is archived into its owner's own archive, which the directory synchronisation creates (shared mailboxes have theirs too). Grant access to other people on the Privileges page.</Body1>;
  }
  return (
    <Field label="Target archive" hint="Empty: the mailbox owner's own archive." validationMessage={error('source.targetArchive')}>
      <Combobox
        freeform
        placeholder="The mailbox owner's archive"
        value={draft.targetArchive}
        onInput={(e) => set({ targetArchive: (e.target as HTMLInputElement).value })}
        onOptionSelect={(_e, d) => set({ targetArchive: d.optionValue ?? '' })}
      >
        {users.map((u) => (
          <Option key={u._id} value={u.upn} text={u.upn}>
            {`${u.displayName || u.upn} (${u.upn})`}
          </Option>
        ))}
      </Combobox>
    </Field>
  );
}

import { Body1, Field } from '@fluentui/react-components';
import { UserCombo } from '../common/UserCombo';
import type { StepProps } from './StepProps';

export function StepTarget({ draft, set, error, users }: StepProps) {
  if (draft.kind !== 'single-mailbox') {
    return <Body1>Each mailbox is archived into its owner's own archive, which the directory synchronisation creates (shared mailboxes have theirs too). Grant access to other people on the Privileges page.</Body1>;
  }
  return (
    <Field label="Target archive" hint="Empty: the mailbox owner's own archive." validationMessage={error('source.targetArchive')}>
      <UserCombo users={users} value={draft.targetArchive} onChange={(targetArchive) => set({ targetArchive })} placeholder="The mailbox owner's archive" />
    </Field>
  );
}

import { Checkbox, Field, Input, MessageBar, MessageBarBody, Radio, RadioGroup, makeStyles, tokens } from '@fluentui/react-components';
import type { StepProps } from './StepProps';

const useStyles = makeStyles({ row: { display: 'flex', gap: tokens.spacingHorizontalL, flexWrap: 'wrap' } });

export function StepFilters({ draft, set, error }: StepProps) {
  const styles = useStyles();
  return (
    <>
      <div className={styles.row}>
        <Field label="Only messages older than (days)" hint="Empty: any age" validationMessage={error('filters.olderThanDays')}>
          <Input type="number" min={0} value={draft.olderThanDays} onChange={(_e, d) => set({ olderThanDays: d.value })} />
        </Field>
        <Field label="Received after" validationMessage={error('filters.receivedAfter')}>
          <Input type="date" value={draft.receivedAfter} onChange={(_e, d) => set({ receivedAfter: d.value })} />
        </Field>
        <Field label="Received before" validationMessage={error('filters.receivedBefore')}>
          <Input type="date" value={draft.receivedBefore} onChange={(_e, d) => set({ receivedBefore: d.value })} />
        </Field>
        <Field label="Largest message (MB)" hint="Empty: no limit" validationMessage={error('filters.maxSizeMB', 'filters')}>
          <Input type="number" min={0} value={draft.maxSizeMB} onChange={(_e, d) => set({ maxSizeMB: d.value })} />
        </Field>
      </div>
      <Field label="Deleting from the mailbox" validationMessage={error('deletion.mode')}>
        <RadioGroup value={draft.deletionMode} onChange={(_e, d) => set({ deletionMode: d.value as typeof draft.deletionMode })} aria-label="Deletion">
          <Radio value="never" label="Never delete messages from the mailbox" />
          <Radio value="delete-after-archiving" label="Delete from the mailbox after archiving, when older than the days below" />
        </RadioGroup>
      </Field>
      {draft.deletionMode === 'delete-after-archiving' && (
        <>
          <Field label="Delete when older than (days)" validationMessage={error('deletion.olderThanDays', 'deletion')}>
            <Input type="number" min={1} value={draft.deleteOlderThanDays} onChange={(_e, d) => set({ deleteOlderThanDays: d.value })} />
          </Field>
          {draft.includeOnlineArchives && (
            <Checkbox
              checked={draft.deleteFromOnlineArchives}
              onChange={(_e, d) => set({ deleteFromOnlineArchives: d.checked === true })}
              label="Delete from online archives too (otherwise their messages are only archived)"
            />
          )}
          <MessageBar intent="warning">
            <MessageBarBody>A message is deleted only after its archived copy has been read back and its SHA-256 checked.</MessageBarBody>
          </MessageBar>
        </>
      )}
      <Field label="Stop a run after (minutes)" hint="Mailboxes not finished by then continue on the next run." validationMessage={error('timeoutMinutes')}>
        <Input type="number" min={1} value={draft.timeoutMinutes} onChange={(_e, d) => set({ timeoutMinutes: d.value })} />
      </Field>
    </>
  );
}

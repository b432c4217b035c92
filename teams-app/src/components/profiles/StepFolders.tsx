import { Checkbox, Field, Textarea, makeStyles, tokens } from '@fluentui/react-components';
import { Group } from '../common/Group';
import type { StepProps } from './StepProps';

const COMMON_EXCLUDES = [
  { name: 'junkemail', label: 'Junk Email' },
  { name: 'drafts', label: 'Drafts' },
  { name: 'outbox', label: 'Outbox' },
  { name: 'deleteditems', label: 'Deleted Items' },
  { name: 'conversationhistory', label: 'Conversation History' },
];

const useStyles = makeStyles({ group: { display: 'flex', flexWrap: 'wrap', columnGap: tokens.spacingHorizontalL } });

export function StepFolders({ draft, set, error }: StepProps) {
  const styles = useStyles();
  const common = new Set(COMMON_EXCLUDES.map((c) => c.name));
  const customExcludes = draft.excludeFolders.filter((f) => !common.has(f));
  const toggle = (name: string, on: boolean) => set({ excludeFolders: on ? [...draft.excludeFolders, name] : draft.excludeFolders.filter((f) => f !== name) });
  return (
    <>
      <Field
        label="Only these folders (one per line; empty: every mail folder)"
        hint="Well-known names (inbox, sentitems, archive) work in every mailbox language; paths like Inbox/Projects include their subfolders. Calendar, contacts and tasks are never archived."
        validationMessage={error('folders.include')}
      >
        <Textarea value={draft.includeFolders} onChange={(_e, d) => set({ includeFolders: d.value })} aria-label="Include folders" />
      </Field>
      <Group label="Leave out" error={error('folders.exclude', 'folders')}>
        <div className={styles.group}>
          {COMMON_EXCLUDES.map((c) => (
            <Checkbox key={c.name} label={c.label} checked={draft.excludeFolders.includes(c.name)} onChange={(_e, d) => toggle(c.name, d.checked === true)} />
          ))}
        </div>
      </Group>
      <Field label="Other folders to leave out (one per line)">
        <Textarea
          value={customExcludes.join('\n')}
          onChange={(_e, d) => set({ excludeFolders: [...draft.excludeFolders.filter((f) => common.has(f)), ...d.value.split('\n').map((s) => s.trim()).filter(Boolean)] })}
        />
      </Field>
    </>
  );
}

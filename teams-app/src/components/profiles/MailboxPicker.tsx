import { Body1, Checkbox, Field, Textarea, makeStyles, tokens } from '@fluentui/react-components';
import type { ArchiveUser } from '../../api/types';
import { Group } from '../common/Group';
import { splitList } from './draft';

const useStyles = makeStyles({
  list: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(280px, 1fr))',
    maxHeight: '260px',
    overflowY: 'auto',
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    padding: tokens.spacingHorizontalS,
  },
});

const NONE_KNOWN = 'No users are known yet: synchronise the directory (Directory page) to pick from a list, or type the addresses below.';

interface Props {
  users: ArchiveUser[];
  value: string[];
  onChange: (v: string[]) => void;
  label: string;
  error?: string;
  /** What to say when the list is empty, if more is known than "nothing synchronised yet". */
  empty?: string;
}

/** Ticks users known from the directory; addresses not (yet) in the directory can be typed. */
export function MailboxPicker({ users, value, onChange, label, error, empty = NONE_KNOWN }: Props) {
  const styles = useStyles();
  const known = new Set(users.map((u) => u.upn));
  const others = value.filter((v) => !known.has(v.toLowerCase()));
  const toggle = (upn: string, on: boolean) => onChange(on ? [...value, upn] : value.filter((v) => v.toLowerCase() !== upn));
  return (
    <Group label={label} error={error}>
      {users.length === 0 ? (
        <Body1>{empty}</Body1>
      ) : (
        <div className={styles.list}>
          {users.map((u) => (
            <Checkbox
              key={u._id}
              label={`${u.displayName || u.upn} (${u.upn})${u.kind !== 'user' ? ` — ${u.kind}` : ''}`}
              checked={value.some((v) => v.toLowerCase() === u.upn)}
              onChange={(_e, d) => toggle(u.upn, d.checked === true)}
            />
          ))}
        </div>
      )}
      <Field label="Other mailboxes (user names or addresses, one per line)">
        <Textarea value={others.join('\n')} onChange={(_e, d) => onChange([...value.filter((v) => known.has(v.toLowerCase())), ...splitList(d.value)])} />
      </Field>
    </Group>
  );
}

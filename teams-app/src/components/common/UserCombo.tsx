import { Combobox, Option } from '@fluentui/react-components';
import type { ArchiveUser } from '../../api/types';

const label = (u: ArchiveUser) => `${u.displayName || u.upn} (${u.upn})`;

/** An archive user by user name: pick one of `users`, or type any name and let the server judge it. */
export function UserCombo({ users, value, onChange, placeholder }: { users: ArchiveUser[]; value: string; onChange: (v: string) => void; placeholder: string }) {
  return (
    <Combobox freeform placeholder={placeholder} value={value} onInput={(e) => onChange((e.target as HTMLInputElement).value)} onOptionSelect={(_e, d) => onChange(d.optionValue ?? '')}>
      {users.map((u) => (
        <Option key={u._id} value={u.upn} text={u.upn}>
          {label(u)}
        </Option>
      ))}
    </Combobox>
  );
}

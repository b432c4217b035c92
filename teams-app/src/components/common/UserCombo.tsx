import { Combobox, Option } from '@fluentui/react-components';
import { useRef } from 'react';
import type { ArchiveUser } from '../../api/types';

const label = (u: ArchiveUser) => `${u.displayName || u.upn} (${u.upn})`;

/**
 * Fluent's Combobox (9.17) can leave aria-activedescendant on its input naming an option of the
 * list it has since closed and unmounted: a reference to nothing, which screen readers may read
 * as a lost focus (axe: aria-valid-attr-value, critical). Once the list is closed, such a
 * dangling reference is dropped; a live one is left alone.
 */
function dropDanglingActiveDescendant(input: HTMLInputElement | null): void {
  setTimeout(() => {
    const id = input?.getAttribute('aria-activedescendant');
    if (id && !document.getElementById(id)) input!.removeAttribute('aria-activedescendant');
  });
}

/** An archive user by user name: pick one of `users`, or type any name and let the server judge it. */
export function UserCombo({ users, value, onChange, placeholder }: { users: ArchiveUser[]; value: string; onChange: (v: string) => void; placeholder: string }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <Combobox
      freeform
      ref={input}
      placeholder={placeholder}
      value={value}
      onInput={(e) => onChange((e.target as HTMLInputElement).value)}
      onOptionSelect={(_e, d) => onChange(d.optionValue ?? '')}
      onOpenChange={(_e, d) => !d.open && dropDanglingActiveDescendant(input.current)}
      onBlur={() => dropDanglingActiveDescendant(input.current)}
    >
      {users.map((u) => (
        <Option key={u._id} value={u.upn} text={u.upn}>
          {label(u)}
        </Option>
      ))}
    </Combobox>
  );
}

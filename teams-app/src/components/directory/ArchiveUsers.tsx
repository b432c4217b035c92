import { Button, Field, Input, Radio, RadioGroup, TableCell, TableRow, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useApi } from '../../api/context';
import { formatDateTime } from '../../format';
import { ErrorBar } from '../common/ErrorBar';
import { fieldMessage, unplacedError } from '../common/fieldError';
import { ListTable } from '../common/ListTable';
import { Section } from '../common/Section';
import { useLoad } from '../common/useLoad';
import { splitList } from '../profiles/draft';

const useStyles = makeStyles({
  add: { display: 'flex', gap: tokens.spacingHorizontalM, flexWrap: 'wrap', alignItems: 'flex-end' },
});

/** Archive users by status, and archives added by hand (people outside the directory, catch-all). */
export function ArchiveUsers({ version }: { version: number }) {
  const api = useApi();
  const styles = useStyles();
  const [status, setStatus] = useState<'active' | 'departed'>('active');
  const users = useLoad(() => api.users(status), [status, version]);
  const [upn, setUpn] = useState('');
  const [name, setName] = useState('');
  const [addresses, setAddresses] = useState('');
  const [error, setError] = useState<unknown>(null);
  const add = async () => {
    setError(null);
    try {
      await api.addUser({ upn, displayName: name, addresses: splitList(addresses), kind: 'manual' });
      setUpn('');
      setName('');
      setAddresses('');
      await users.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Section
      title="Archive users"
      actions={
        <RadioGroup layout="horizontal" value={status} onChange={(_e, d) => setStatus(d.value as typeof status)} aria-label="Show users">
          <Radio value="active" label="Active" />
          <Radio value="departed" label="Departed" />
        </RadioGroup>
      }
    >
      <form className={styles.add} onSubmit={(e) => e.preventDefault()} aria-label="Add an archive user">
        <Field label="User name (email style)" validationMessage={fieldMessage(error, 'upn')}>
          <Input value={upn} onChange={(_e, d) => setUpn(d.value)} />
        </Field>
        <Field label="Display name" validationMessage={fieldMessage(error, 'displayName')}>
          <Input value={name} onChange={(_e, d) => setName(d.value)} />
        </Field>
        <Field label="More addresses (comma separated)" validationMessage={fieldMessage(error, 'addresses')}>
          <Input value={addresses} onChange={(_e, d) => setAddresses(d.value)} />
        </Field>
        <Button onClick={() => void add()}>Add user</Button>
      </form>
      <ErrorBar error={unplacedError(error, ['upn', 'displayName', 'addresses']) ?? users.error} />
      <ListTable
        label="Archive users"
        size="small"
        columns={['Name', 'User name', 'Kind', 'Addresses', status === 'active' ? 'Last synchronised' : 'Departed']}
        rows={users.data}
        row={(u) => (
          <TableRow key={u._id} data-upn={u.upn}>
            <TableCell>{u.displayName}</TableCell>
            <TableCell>{u.upn}</TableCell>
            <TableCell>{u.kind}{u.source === 'manual' ? ' (added by hand)' : ''}</TableCell>
            <TableCell>{u.addresses.join(', ')}</TableCell>
            <TableCell>{formatDateTime(status === 'active' ? u.lastSyncedAt : u.departedAt)}</TableCell>
          </TableRow>
        )}
      />
    </Section>
  );
}

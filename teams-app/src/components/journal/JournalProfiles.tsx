import { Button, Checkbox, Dropdown, Field, Input, Option, Switch, TableCell, TableRow, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useApi } from '../../api/context';
import type { ArchiveUser, JournalProfile } from '../../api/types';
import { ErrorBar } from '../common/ErrorBar';
import { fieldMessage, unplacedError } from '../common/fieldError';
import { ListTable } from '../common/ListTable';
import { Section } from '../common/Section';
import { useLoad } from '../common/useLoad';
import { splitList } from '../profiles/draft';

const POLICIES: { value: JournalProfile['unknownAddresses']; label: string }[] = [
  { value: 'ignore', label: 'Ignore them (only known users get a copy)' },
  { value: 'catch-all', label: 'File the message into a catch-all archive' },
  { value: 'create-at-sync', label: 'Keep them until directory synchronisation knows them' },
];

const useStyles = makeStyles({ form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '760px' } });

/** Journal profiles: which gateway mailbox is archived, and what happens to addresses nobody in the directory has. */
export function JournalProfiles({ users, onChange }: { users: ArchiveUser[]; onChange: () => void }) {
  const api = useApi();
  const styles = useStyles();
  const profiles = useLoad(() => api.journalProfiles(), []);
  const mailboxes = useLoad(() => api.journalMailboxes(), []);
  const [name, setName] = useState('');
  const [mailbox, setMailbox] = useState('');
  const [policy, setPolicy] = useState<JournalProfile['unknownAddresses']>('ignore');
  const [catchAll, setCatchAll] = useState('');
  const [domains, setDomains] = useState('');
  const [syncFirst, setSyncFirst] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err);
    }
    await profiles.reload();
    onChange();
  };
  const create = () =>
    act(async () => {
      await api.createJournalProfile({
        name,
        mailbox,
        unknownAddresses: policy,
        catchAllArchiveId: policy === 'catch-all' ? catchAll || null : null,
        syncDirectoryFirst: syncFirst,
        internalDomains: splitList(domains),
        enabled: true,
      });
      setName('');
    });
  const catchAllUsers = users.filter((u) => u.kind === 'catch-all' || u.kind === 'manual' || u.kind === 'shared');
  return (
    <Section title="Journal profiles">
      <form className={styles.form} onSubmit={(e) => e.preventDefault()} aria-label="New journal profile">
        <Field label="Profile name" validationMessage={fieldMessage(error, 'name')}>
          <Input value={name} onChange={(_e, d) => setName(d.value)} />
        </Field>
        <Field label="Gateway mailbox" validationMessage={fieldMessage(error, 'mailbox')}>
          <Dropdown placeholder="Choose a gateway mailbox" value={mailbox} selectedOptions={[mailbox]} onOptionSelect={(_e, d) => setMailbox(d.optionValue ?? '')}>
            {(mailboxes.data ?? []).map((m) => (
              <Option key={m.address} value={m.address}>
                {m.address}
              </Option>
            ))}
          </Dropdown>
        </Field>
        <Field label="Addresses nobody in the directory has" validationMessage={fieldMessage(error, 'unknownAddresses')}>
          <Dropdown value={POLICIES.find((p) => p.value === policy)!.label} selectedOptions={[policy]} onOptionSelect={(_e, d) => setPolicy(d.optionValue as typeof policy)}>
            {POLICIES.map((p) => (
              <Option key={p.value} value={p.value}>
                {p.label}
              </Option>
            ))}
          </Dropdown>
        </Field>
        {policy === 'catch-all' && (
          <Field label="Catch-all archive" hint="An archive user of kind catch-all (Directory → Archive users)" validationMessage={fieldMessage(error, 'catchAllArchiveId')}>
            <Dropdown placeholder="Choose an archive" selectedOptions={[catchAll]} value={catchAllUsers.find((u) => u._id === catchAll)?.upn ?? ''} onOptionSelect={(_e, d) => setCatchAll(d.optionValue ?? '')}>
              {catchAllUsers.map((u) => (
                <Option key={u._id} value={u._id} text={u.upn}>
                  {`${u.displayName} (${u.upn})`}
                </Option>
              ))}
            </Dropdown>
          </Field>
        )}
        <Field label="Internal domains (comma separated; empty: the tenant's domains)" validationMessage={fieldMessage(error, 'internalDomains')}>
          <Input value={domains} onChange={(_e, d) => setDomains(d.value)} />
        </Field>
        <Checkbox checked={syncFirst} onChange={(_e, d) => setSyncFirst(d.checked === true)} label="Synchronise the directory before archiving a report with unknown addresses" />
        <ErrorBar error={unplacedError(error, ['name', 'mailbox', 'unknownAddresses', 'catchAllArchiveId', 'internalDomains'])} title="Not saved" />
        <div>
          <Button appearance="primary" onClick={() => void create()}>
            Create journal profile
          </Button>
        </div>
      </form>
      <ListTable
        label="Journal profiles"
        size="small"
        columns={['Name', 'Mailbox', 'Unknown addresses', 'Enabled', null]}
        rows={profiles.data}
        empty="No journal profile yet: reports that arrive are held until one takes their mailbox."
        row={(p) => (
          <TableRow key={p.id}>
            <TableCell>{p.name}</TableCell>
            <TableCell>{p.mailbox}</TableCell>
            <TableCell>{p.unknownAddresses}</TableCell>
            <TableCell>
              <Switch checked={p.enabled} aria-label={`Enabled: ${p.name}`} onChange={(_e, d) => void act(() => api.setJournalProfileEnabled(p.id, d.checked))} />
            </TableCell>
            <TableCell>
              <Button size="small" onClick={() => void act(() => api.deleteJournalProfile(p.id))} aria-label={`Delete journal profile ${p.name}`}>
                Delete
              </Button>
            </TableCell>
          </TableRow>
        )}
      />
    </Section>
  );
}

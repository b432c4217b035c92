import { Button, Field, Input, MessageBar, MessageBarBody, MessageBarTitle, TableCell, TableRow, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useApi } from '../../api/context';
import type { JournalMailbox } from '../../api/types';
import { formatDateTime } from '../../format';
import { ErrorBar } from '../common/ErrorBar';
import { fieldMessage, unplacedError } from '../common/fieldError';
import { ListTable } from '../common/ListTable';
import { Section } from '../common/Section';
import { useLoad } from '../common/useLoad';

const useStyles = makeStyles({ form: { display: 'flex', gap: tokens.spacingHorizontalM, flexWrap: 'wrap', alignItems: 'flex-end' } });

/** Gateway mailboxes: the addresses journal rules send to, each with its own SMTP password, shown once. */
export function JournalMailboxes({ onChange }: { onChange: () => void }) {
  const api = useApi();
  const styles = useStyles();
  const mailboxes = useLoad(() => api.journalMailboxes(), []);
  const [address, setAddress] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [secret, setSecret] = useState<JournalMailbox | null>(null);
  const act = async (fn: () => Promise<JournalMailbox | void>) => {
    setError(null);
    try {
      const m = await fn();
      if (m?.secret) setSecret(m);
    } catch (err) {
      setError(err);
    }
    await mailboxes.reload();
    onChange();
  };
  return (
    <Section title="Gateway mailboxes">
      <form className={styles.form} onSubmit={(e) => e.preventDefault()} aria-label="Add a gateway mailbox">
        <Field
          label="Address journal rules send to"
          hint="A random part is added to the name, so that nobody can guess the address: use the address shown once it is created."
          validationMessage={fieldMessage(error, 'address')}
        >
          <Input value={address} onChange={(_e, d) => setAddress(d.value)} placeholder="journal@archive.contoso.com" />
        </Field>
        <Field label="Description" validationMessage={fieldMessage(error, 'description')}>
          <Input value={description} onChange={(_e, d) => setDescription(d.value)} />
        </Field>
        <Button
          onClick={() =>
            void act(async () => {
              const m = await api.createJournalMailbox({ address, description });
              setAddress('');
              setDescription('');
              return m;
            })
          }
        >
          Add mailbox
        </Button>
      </form>
      <ErrorBar error={unplacedError(error, ['address', 'description']) ?? mailboxes.error} />
      {secret && (
        <MessageBar intent="warning" role="status">
          <MessageBarBody>
            <MessageBarTitle>SMTP password of {secret.address}</MessageBarTitle>
            <code>{secret.secret}</code> — shown only now. Enter it where the gateway's sender authenticates; a new one can be made at any time.
          </MessageBarBody>
        </MessageBar>
      )}
      <ListTable
        label="Gateway mailboxes"
        size="small"
        columns={['Address', 'Description', 'Created', null]}
        rows={mailboxes.data}
        empty="No gateway mailbox yet."
        row={(m) => (
          <TableRow key={m.address}>
            <TableCell>{m.address}</TableCell>
            <TableCell>{m.description}</TableCell>
            <TableCell>{formatDateTime(m.createdAt)}</TableCell>
            <TableCell>
              <Button size="small" onClick={() => void act(() => api.replaceJournalSecret(m.address))} aria-label={`New password for ${m.address}`}>
                New password
              </Button>{' '}
              <Button size="small" onClick={() => void act(() => api.deleteJournalMailbox(m.address))} aria-label={`Delete gateway mailbox ${m.address}`}>
                Delete
              </Button>
            </TableCell>
          </TableRow>
        )}
      />
    </Section>
  );
}

import { Body1, Button, Checkbox, Field, TableCell, TableRow, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useApi } from '../../api/context';
import type { GrantRight } from '../../api/types';
import { formatDateTime } from '../../format';
import { ErrorBar } from '../common/ErrorBar';
import { Group } from '../common/Group';
import { fieldMessage, unplacedError } from '../common/fieldError';
import { ListTable } from '../common/ListTable';
import { Section } from '../common/Section';
import { useLoad } from '../common/useLoad';
import { UserCombo } from '../common/UserCombo';
import { exampleAddress } from '../common/exampleAddress';

const RIGHTS: { value: GrantRight; label: string }[] = [
  { value: 'read', label: 'Read (search and open)' },
  { value: 'export', label: 'Export' },
  { value: 'restore', label: 'Restore to mailbox' },
];

const useStyles = makeStyles({
  form: { display: 'flex', gap: tokens.spacingHorizontalL, flexWrap: 'wrap', alignItems: 'flex-start' },
  rights: { display: 'flex', flexDirection: 'column' },
});

/** Who may see which archive besides its owner (MISSION M9), and what auditors can do. */
export function PrivilegesPage() {
  const api = useApi();
  const styles = useStyles();
  const grants = useLoad(() => api.grants(), []);
  const users = useLoad(() => api.users('active'), []);
  const [grantee, setGrantee] = useState('');
  const [archive, setArchive] = useState('');
  const [rights, setRights] = useState<GrantRight[]>(['read']);
  const [error, setError] = useState<unknown>(null);
  const people = (users.data ?? []).filter((u) => u.source === 'entra' && u.kind === 'user');
  const give = async () => {
    setError(null);
    try {
      await api.grant({ grantee, archive, rights });
      setGrantee('');
      setArchive('');
      setRights(['read']);
      await grants.reload();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (g: { grantee: string; archive: string }) => {
    setError(null);
    try {
      await api.revoke(g.grantee, g.archive);
    } catch (err) {
      setError(err);
    }
    await grants.reload();
  };
  return (
    <>
      <Section title="Grant access to an archive">
        <Body1>Everyone sees their own archive. Grant a shared mailbox, a group or a journal catch-all archive to the people who work with it. Every grant and revocation is written to the audit log.</Body1>
        <form className={styles.form} onSubmit={(e) => e.preventDefault()} aria-label="Grant access">
          <Field label="Person" validationMessage={fieldMessage(error, 'grantee')}>
            <UserCombo users={people} value={grantee} onChange={setGrantee} placeholder={exampleAddress(people, 'someone')} />
          </Field>
          <Field label="Archive" validationMessage={fieldMessage(error, 'archive')}>
            <UserCombo users={users.data ?? []} value={archive} onChange={setArchive} placeholder={exampleAddress(people, 'shared')} />
          </Field>
          <Group label="Rights" error={fieldMessage(error, 'rights')}>
            <div className={styles.rights}>
              {RIGHTS.map((r) => (
                <Checkbox
                  key={r.value}
                  label={r.label}
                  checked={rights.includes(r.value)}
                  onChange={(_e, d) => setRights((cur) => (d.checked ? [...cur, r.value] : cur.filter((x) => x !== r.value)))}
                />
              ))}
            </div>
          </Group>
          <Button appearance="primary" onClick={() => void give()}>
            Grant
          </Button>
        </form>
        <ErrorBar error={unplacedError(error, ['grantee', 'archive', 'rights'])} title="Not granted" />
      </Section>
      <Section title="Granted archives">
        <ErrorBar error={grants.error} />
        <ListTable
          label="Grants"
          columns={['Person', 'Archive', 'Rights', 'Granted', null]}
          rows={grants.data}
          empty="No grants: everyone sees only their own archive."
          row={(g) => (
            <TableRow key={g.id} data-grant={`${g.grantee.upn}:${g.archive.upn}`}>
              <TableCell>{`${g.grantee.displayName} (${g.grantee.upn})`}</TableCell>
              <TableCell>{`${g.archive.displayName} (${g.archive.upn})`}</TableCell>
              <TableCell>{g.rights.join(', ')}</TableCell>
              <TableCell>{`${formatDateTime(g.grantedAt)} by ${g.grantedBy.upn}`}</TableCell>
              <TableCell>
                <Button size="small" onClick={() => void revoke({ grantee: g.grantee.id, archive: g.archive.id })} aria-label={`Revoke ${g.archive.upn} from ${g.grantee.upn}`}>
                  Revoke
                </Button>
              </TableCell>
            </TableRow>
          )}
        />
      </Section>
      <Section title="Auditors">
        <Body1>
          Members of the app role <strong>Archive.Auditor</strong> (assigned in Microsoft Entra ID under Enterprise applications → Users and groups) may
          search, read and export every archive (not restore into mailboxes), and read and verify the audit log, without being administrators. They cannot change settings or grants.
          Every archive they open is audited like any other access. Administrators (<strong>Archive.Admin</strong>) manage the archive but see
          other people's mail only through a grant.
        </Body1>
      </Section>
    </>
  );
}

import { Spinner, Switch } from '@fluentui/react-components';
import { useState } from 'react';
import { useApi } from '../../api/context';
import { ErrorBar } from '../common/ErrorBar';
import { Section } from '../common/Section';
import { useLoad } from '../common/useLoad';
import { ImportForm } from './ImportForm';
import { ImportList } from './ImportList';

/** Import of existing mail (PST, MSG, mbox, Maildir, .eml, zips, IMAP) with live progress. */
export function ImportsPage() {
  const api = useApi();
  const users = useLoad(() => api.users('active'), []);
  const settings = useLoad(() => api.importSettings(), []);
  const [version, setVersion] = useState(0);
  const [saveError, setSaveError] = useState<unknown>(null);
  return (
    <>
      <Section title="New import">
        {users.data && settings.data ? (
          <ImportForm users={users.data} allowedFolders={settings.data.allowedFolders ?? []} onStarted={() => setVersion((v) => v + 1)} />
        ) : users.error || settings.error ? (
          <ErrorBar error={users.error ?? settings.error} />
        ) : (
          <Spinner />
        )}
      </Section>
      <Section title="Imports">
        <ImportList version={version} users={users.data ?? []} />
      </Section>
      <Section title="End users">
        {settings.data && (
          <Switch
            label="Users may import their own PST files into their own archive"
            checked={settings.data.usersMayImportPst}
            onChange={(_e, d) => {
              setSaveError(null);
              api.saveImportSettings({ usersMayImportPst: d.checked }).then(() => settings.reload(), setSaveError);
            }}
          />
        )}
        <ErrorBar error={saveError as Error | null} title="The setting was not saved" />
      </Section>
    </>
  );
}

import { Body1, Button, Caption1, Field, MessageBar, MessageBarBody, Spinner, Switch, Textarea, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useApi } from '../../api/context';
import type { DirectorySettings, DirectorySyncResult } from '../../api/types';
import { ErrorBar } from '../common/ErrorBar';
import { fieldMessage, unplacedError } from '../common/fieldError';
import { ScheduleEditor, scheduleDraft, toSchedule, type ScheduleDraft } from '../common/ScheduleEditor';
import { Section } from '../common/Section';
import { useLoad } from '../common/useLoad';
import { splitList } from '../profiles/draft';
import { ArchiveUsers } from './ArchiveUsers';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '760px' },
  buttons: { display: 'flex', gap: tokens.spacingHorizontalS },
});

export function DirectoryPage() {
  const api = useApi();
  const settings = useLoad(() => api.directorySettings(), []);
  const [usersVersion, setUsersVersion] = useState(0);
  return (
    <>
      <Section title="Directory synchronisation">
        {settings.data ? <SettingsForm initial={settings.data} onSynced={() => setUsersVersion((v) => v + 1)} /> : settings.error ? <ErrorBar error={settings.error} /> : <Spinner />}
      </Section>
      <ArchiveUsers version={usersVersion} />
    </>
  );
}

function SettingsForm({ initial, onSynced }: { initial: DirectorySettings; onSynced: () => void }) {
  const api = useApi();
  const styles = useStyles();
  const [licensedOnly, setLicensedOnly] = useState(initial.licensedOnly);
  const [include, setInclude] = useState(initial.includeGroups.join('\n'));
  const [exclude, setExclude] = useState(initial.excludeGroups.join('\n'));
  const [syncGroups, setSyncGroups] = useState(initial.syncGroups);
  const [grantGroupMembers, setGrantGroupMembers] = useState(initial.grantGroupMembers);
  const [schedule, setSchedule] = useState<ScheduleDraft>(scheduleDraft(initial.schedule));
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState<'save' | 'sync' | null>(null);
  const [result, setResult] = useState<DirectorySyncResult | null>(null);
  const save = async () => {
    await api.saveDirectorySettings({ licensedOnly, includeGroups: splitList(include), excludeGroups: splitList(exclude), syncGroups, grantGroupMembers, schedule: toSchedule(schedule) });
    setSaved(true);
  };
  const run = async (what: 'save' | 'sync') => {
    setBusy(what);
    setError(null);
    setSaved(false);
    setResult(null);
    try {
      await save();
      if (what === 'sync') {
        setResult(await api.syncDirectory());
        onSynced();
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };
  const err = (...p: string[]) => fieldMessage(error, ...p);
  return (
    <form className={styles.form} onSubmit={(e) => e.preventDefault()} aria-label="Directory settings">
      <Body1>Users of Microsoft Entra ID become archive users with every address they have. Users who leave keep their archive.</Body1>
      <Switch
        checked={licensedOnly}
        onChange={(_e, d) => setLicensedOnly(d.checked)}
        label="Licensed Exchange Online users only (turn off to include shared and room mailboxes)"
      />
      <Field label="Only members of these groups (object ids, one per line; empty: everyone)" validationMessage={err('includeGroups')}>
        <Textarea value={include} onChange={(_e, d) => setInclude(d.value)} />
      </Field>
      <Field label="Never members of these groups (object ids, one per line)" validationMessage={err('excludeGroups')}>
        <Textarea value={exclude} onChange={(_e, d) => setExclude(d.value)} />
      </Field>
      <Switch checked={syncGroups} onChange={(_e, d) => setSyncGroups(d.checked)} label="Microsoft 365 groups too: each group becomes an archive of its conversations" />
      <Switch
        checked={grantGroupMembers}
        onChange={(_e, d) => setGrantGroupMembers(d.checked)}
        label="Let each group's owners and members read its archive (kept in step with the membership)"
      />
      <ScheduleEditor idPrefix="directory" value={schedule} onChange={setSchedule} error={err('schedule')} />
      <ErrorBar error={unplacedError(error, ['includeGroups', 'excludeGroups', 'schedule'])} title="Not done" />
      {saved && !result && busy === null && (
        <MessageBar intent="success">
          <MessageBarBody>Settings saved.</MessageBarBody>
        </MessageBar>
      )}
      {result && (
        <MessageBar intent="success" role="status">
          <MessageBarBody>
            {`Synchronised: ${result.seen} users seen, ${result.added} added, ${result.updated} updated, ${result.departed} departed, ${result.skipped.length} skipped.`}
            {result.skipped.slice(0, 10).map((s) => (
              <Caption1 key={s.upn} block>
                {`Skipped ${s.upn}: ${s.reason}`}
              </Caption1>
            ))}
          </MessageBarBody>
        </MessageBar>
      )}
      <div className={styles.buttons}>
        <Button appearance="primary" disabled={busy !== null} onClick={() => void run('save')}>
          {busy === 'save' ? 'Saving…' : 'Save'}
        </Button>
        <Button disabled={busy !== null} onClick={() => void run('sync')}>
          {busy === 'sync' ? 'Synchronising…' : 'Save and synchronise now'}
        </Button>
      </div>
    </form>
  );
}

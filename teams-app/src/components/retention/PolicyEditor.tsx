import { Button, Checkbox, Field, Input, MessageBar, MessageBarBody, MessageBarTitle, Textarea, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useApi } from '../../api/context';
import type { PolicyChange, PolicyRules, Preview } from '../../api/compliance-types';
import { ErrorBar } from '../common/ErrorBar';
import { Group } from '../common/Group';
import { numberOrText } from '../common/ScheduleEditor';
import { fieldMessage, unplacedError } from '../common/fieldError';
import { splitList as list } from '../profiles/draft';
import { useAction } from '../common/useAction';
import { PreviewView } from './PreviewView';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '720px' },
  row: { display: 'flex', gap: tokens.spacingHorizontalL, flexWrap: 'wrap' },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS },
});

const days = (text: string) => numberOrText(text) as number;

/** A new retention policy: rules, scope, a preview of what it would dispose of, then save (or ask for approval). */
export function PolicyEditor({ onSaved }: { onSaved: () => Promise<void> }) {
  const api = useApi();
  const styles = useStyles();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [minDays, setMinDays] = useState('0');
  const [maxDays, setMaxDays] = useState('');
  const [tenant, setTenant] = useState(false);
  const [archives, setArchives] = useState('');
  const [groups, setGroups] = useState('');
  const [shared, setShared] = useState(false);
  const [journal, setJournal] = useState(false);
  const [folders, setFolders] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [saved, setSaved] = useState<PolicyChange | null>(null);
  const action = useAction();
  const rules = (): PolicyRules => ({
    name,
    description,
    minDays: days(minDays),
    maxDays: maxDays.trim() === '' ? null : days(maxDays),
    scope: { tenant, archives: list(archives), groups: list(groups), sharedMailboxes: shared, journal },
    folders: list(folders),
  });
  const msg = (field: string) => fieldMessage(action.error, `rules.${field}`);
  const doPreview = () => action.run(async () => setPreview(await api.previewPolicy(null, rules())));
  const save = () =>
    action.run(async () => {
      const out = await api.createPolicy(rules());
      setSaved(out);
      setPreview(out.preview);
      await onSaved();
    });
  return (
    <form className={styles.form} onSubmit={(e) => e.preventDefault()} aria-label="New retention policy">
      <Field label="Policy name" validationMessage={msg('name')}>
        <Input value={name} onChange={(_e, d) => setName(d.value)} placeholder="Seven years for finance" />
      </Field>
      <Field label="Description">
        <Textarea value={description} onChange={(_e, d) => setDescription(d.value)} />
      </Field>
      <div className={styles.row}>
        <Field label="Minimum (days)" hint="Nobody may delete a message before it is this old." validationMessage={msg('minDays')}>
          <Input type="number" min={0} value={minDays} onChange={(_e, d) => setMinDays(d.value)} />
        </Field>
        <Field label="Maximum (days)" hint="Due for disposal after this; empty keeps mail." validationMessage={msg('maxDays')}>
          <Input type="number" min={1} value={maxDays} onChange={(_e, d) => setMaxDays(d.value)} />
        </Field>
      </div>
      <Group label="Applies to" error={msg('scope')}>
        <Checkbox label="The whole tenant" checked={tenant} onChange={(_e, d) => setTenant(d.checked === true)} />
        <Checkbox label="Every shared mailbox" checked={shared} onChange={(_e, d) => setShared(d.checked === true)} />
        <Checkbox label="The journal archive (catch-all)" checked={journal} onChange={(_e, d) => setJournal(d.checked === true)} />
      </Group>
      <Field label="Archives" hint="User names or archive ids, separated by commas." validationMessage={fieldMessage(action.error, 'rules.scope.archives')}>
        <Input value={archives} onChange={(_e, d) => setArchives(d.value)} placeholder="megan.bowen@contoso.com, info@contoso.com" />
      </Field>
      <Field label="Directory groups" hint="Entra group object ids: their members' archives." validationMessage={fieldMessage(action.error, 'rules.scope.groups')}>
        <Input value={groups} onChange={(_e, d) => setGroups(d.value)} />
      </Field>
      <Field label="Only these folders" hint="Folder paths such as Inbox/Finance; empty for every folder." validationMessage={msg('folders')}>
        <Input value={folders} onChange={(_e, d) => setFolders(d.value)} />
      </Field>
      <ErrorBar error={unplacedError(action.error, ['rules.name', 'rules.minDays', 'rules.maxDays', 'rules.scope', 'rules.folders'])} title="Not saved" />
      <div className={styles.actions}>
        <Button onClick={() => void doPreview()} disabled={action.busy}>
          Preview
        </Button>
        <Button appearance="primary" onClick={() => void save()} disabled={action.busy}>
          Save policy
        </Button>
      </div>
      {preview && <PreviewView preview={preview} />}
      {saved && (
        <MessageBar intent={saved.applied ? 'success' : 'warning'} role="status">
          <MessageBarBody>
            <MessageBarTitle>{saved.applied ? 'Policy in force' : 'Waiting for a second administrator'}</MessageBarTitle>
            {saved.applied ? 'The next disposal run applies it.' : (saved.policy?.pending?.reasons ?? []).join('; ')}
          </MessageBarBody>
        </MessageBar>
      )}
    </form>
  );
}

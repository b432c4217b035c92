import { Body1, Button, MessageBar, MessageBarBody, MessageBarTitle, Spinner, makeStyles, tokens } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { useApi } from '../../api/context';
import type { ConnectionTest, Profile } from '../../api/types';
import { navigate } from '../../route';
import { ErrorBar } from '../common/ErrorBar';
import { ConnectionResult } from './ConnectionResult';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '760px' },
  buttons: { display: 'flex', gap: tokens.spacingHorizontalS },
});

/** After saving: the connection test runs at once, then run now or back to the list. */
export function Saved({ profile, created }: { profile: Profile; created: boolean }) {
  const api = useApi();
  const styles = useStyles();
  const [test, setTest] = useState<ConnectionTest | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    api.testProfile(profile.id).then(setTest, setError);
  }, [api, profile.id]);
  const runNow = async () => {
    try {
      const run = await api.runProfile(profile.id);
      navigate('profiles', 'run', run._id);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <div className={styles.root}>
      <MessageBar intent="success">
        <MessageBarBody>
          <MessageBarTitle>{created ? 'Profile created' : 'Profile saved'}</MessageBarTitle>“{profile.name}”
        </MessageBarBody>
      </MessageBar>
      <Body1>Test connection: can the archive open these mailboxes with its app permissions?</Body1>
      {!test && !error && <Spinner size="small" label="Testing the connection…" />}
      {test && <ConnectionResult result={test} />}
      <ErrorBar error={error} />
      <div className={styles.buttons}>
        <Button appearance="primary" onClick={() => void runNow()}>
          Run now
        </Button>
        <Button onClick={() => navigate('profiles')}>Back to profiles</Button>
      </div>
    </div>
  );
}

import { Body1, Button, MessageBar, MessageBarBody, Title3, makeStyles, tokens } from '@fluentui/react-components';
import { ShieldLock48Regular } from '@fluentui/react-icons';
import { useState } from 'react';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    textAlign: 'center',
    gap: tokens.spacingVerticalM,
    maxWidth: '480px',
    margin: '0 auto',
    padding: `${tokens.spacingVerticalXXXL} ${tokens.spacingHorizontalXL}`,
  },
  icon: { color: tokens.colorBrandForeground1 },
});

export function SignInPage({ message, onSignIn }: { message?: string; onSignIn: () => Promise<void> }) {
  const styles = useStyles();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const signIn = async () => {
    setBusy(true);
    setError(null);
    try {
      await onSignIn();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className={styles.root}>
      <ShieldLock48Regular className={styles.icon} aria-hidden />
      <Title3 as="h1">Archive administration</Title3>
      <Body1>{message ?? 'Sign in with your work account to manage archiving, directory synchronisation, privileges and journaling.'}</Body1>
      <Button appearance="primary" onClick={signIn} disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </Button>
      {error && (
        <MessageBar intent="error">
          <MessageBarBody>{error}</MessageBarBody>
        </MessageBar>
      )}
    </main>
  );
}

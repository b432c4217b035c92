import { Body1, Button, MessageBar, MessageBarBody, Title3, makeStyles, tokens } from '@fluentui/react-components';
import { Archive48Regular } from '@fluentui/react-icons';
import { useState } from 'react';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    textAlign: 'center',
    gap: tokens.spacingVerticalM,
    padding: `${tokens.spacingVerticalXXXL} ${tokens.spacingHorizontalXL}`,
  },
  icon: { color: tokens.colorBrandForeground1 },
});

export function SignIn({ onSignIn }: { onSignIn: () => Promise<void> }) {
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
      <Archive48Regular className={styles.icon} aria-hidden />
      <Title3 as="h1">Search my archive</Title3>
      <Body1>Sign in with your work account to search, read and restore your archived email.</Body1>
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

import { Body1, Button, MessageBar, MessageBarBody } from '@fluentui/react-components';
import { useState } from 'react';
import { CentredPage, type CentredPageProps } from './CentredPage';

type SignInProps = Pick<CentredPageProps, 'icon' | 'title' | 'maxWidth'> & { message: string; onSignIn: () => Promise<void> };

/** The signed-out page of both apps: what signing in gives, the button, and why it failed if it did. */
export function SignIn({ message, onSignIn, ...page }: SignInProps) {
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
    <CentredPage {...page}>
      <Body1>{message}</Body1>
      <Button appearance="primary" onClick={signIn} disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </Button>
      {error && (
        <MessageBar intent="error">
          <MessageBarBody>{error}</MessageBarBody>
        </MessageBar>
      )}
    </CentredPage>
  );
}

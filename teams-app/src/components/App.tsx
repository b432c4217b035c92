import { ShieldLock48Regular } from '@fluentui/react-icons';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError } from '@shared/api';
import { SignInRequired, type Auth } from '@shared/auth';
import type { Me } from '@shared/types';
import { Notice } from '@shared/Notice';
import { SignIn } from '@shared/SignIn';
import { createAdminClient } from '../api/client';
import { ApiContext } from '../api/context';
import { NotAdmin } from './NotAdmin';
import { Shell } from './Shell';

const SIGN_IN_MESSAGE = 'Sign in with your work account to manage archiving, directory synchronisation, privileges and journaling.';

type State = { kind: 'loading' } | { kind: 'signed-out'; message?: string } | { kind: 'error'; message: string } | { kind: 'ready'; me: Me };

/** Signs in, then lets administrators in and tells everyone else whom to ask. */
export function App({ auth, inTeams }: { auth: Auth; inTeams: boolean }) {
  const [state, setState] = useState<State>(auth.account || inTeams ? { kind: 'loading' } : { kind: 'signed-out' });
  const api = useMemo(
    () =>
      createAdminClient(() =>
        auth.token().catch((err: unknown) => {
          if (err instanceof SignInRequired) setState({ kind: 'signed-out', message: err.message });
          throw err;
        }),
      ),
    [auth],
  );
  const load = useCallback(async () => {
    try {
      setState({ kind: 'ready', me: await api.me() });
    } catch (err) {
      if (err instanceof SignInRequired) return;
      const message = err instanceof ApiError && err.status === 401 ? 'The archive did not accept your sign-in. Sign in again.' : (err as Error).message;
      setState(err instanceof ApiError && err.status === 401 ? { kind: 'signed-out', message } : { kind: 'error', message });
    }
  }, [api]);
  useEffect(() => {
    if (state.kind === 'loading') void load();
  }, [state.kind, load]);

  switch (state.kind) {
    case 'loading':
      return <Notice kind="loading" title="Checking your access…" />;
    case 'signed-out':
      return (
        <SignIn
          icon={ShieldLock48Regular}
          title="Archive administration"
          message={state.message ?? SIGN_IN_MESSAGE}
          maxWidth="480px"
          onSignIn={async () => {
            await auth.signIn();
            setState({ kind: 'loading' });
          }}
        />
      );
    case 'error':
      return <Notice kind="error" title="The archive cannot be reached" message={state.message} />;
    case 'ready':
      if (!state.me.roles.includes('admin') && !state.me.roles.includes('auditor')) return <NotAdmin me={state.me} onSignOut={inTeams ? undefined : () => auth.signOut()} />;
      return (
        <ApiContext.Provider value={api}>
          <Shell me={state.me} onSignOut={inTeams ? undefined : () => auth.signOut()} />
        </ApiContext.Provider>
      );
  }
}

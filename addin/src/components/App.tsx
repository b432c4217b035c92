import { Archive48Regular } from '@fluentui/react-icons';
import { useMemo, useState } from 'react';
import type { OfficeHost } from '../office';
import { createApiClient } from '../shared/api';
import { SignInRequired, type Auth } from '../shared/auth';
import { SignIn } from '../shared/SignIn';
import { ArchiveView } from './ArchiveView';

export function App({ auth, office }: { auth: Auth; office: OfficeHost | null }) {
  const [signedIn, setSignedIn] = useState(auth.account !== null);
  const api = useMemo(
    () =>
      createApiClient(() =>
        auth.token().catch((err: unknown) => {
          if (err instanceof SignInRequired) setSignedIn(false);
          throw err;
        }),
      ),
    [auth],
  );
  if (!signedIn) {
    return (
      <SignIn
        icon={Archive48Regular}
        title="Search my archive"
        message="Sign in with your work account to search, read and restore your archived email."
        onSignIn={async () => {
          await auth.signIn();
          setSignedIn(auth.account !== null);
        }}
      />
    );
  }
  return <ArchiveView api={api} auth={auth} office={office} />;
}

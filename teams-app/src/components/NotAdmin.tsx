import { Body1, Button } from '@fluentui/react-components';
import { LockClosed48Regular } from '@fluentui/react-icons';
import { CentredPage } from '@shared/CentredPage';
import type { Me } from '@shared/types';

/** What everyone who is not an administrator sees: who they are and whom to ask. */
export function NotAdmin({ me, onSignOut }: { me: Me; onSignOut?: () => Promise<void> }) {
  return (
    <CentredPage icon={LockClosed48Regular} tone="muted" title="This tab is for archive administrators" maxWidth="520px" role="alert">
      <Body1>
        You are signed in as <strong>{me.name}</strong> ({me.upn}), who is not an archive administrator. Ask your administrator to
        assign you the <strong>Archive.Admin</strong> role of the archive's app in Microsoft Entra ID if you need to manage the archive.
      </Body1>
      <Body1>To search your own mail, use “Search my archive” in Outlook.</Body1>
      {onSignOut && <Button onClick={() => void onSignOut()}>Sign in as someone else</Button>}
    </CentredPage>
  );
}

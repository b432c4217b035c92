import { Body1, Button, Title3, makeStyles, tokens } from '@fluentui/react-components';
import { LockClosed48Regular } from '@fluentui/react-icons';
import type { Me } from '@shared/types';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    textAlign: 'center',
    gap: tokens.spacingVerticalM,
    maxWidth: '520px',
    margin: '0 auto',
    padding: `${tokens.spacingVerticalXXXL} ${tokens.spacingHorizontalXL}`,
  },
  icon: { color: tokens.colorNeutralForeground3 },
});

/** What everyone who is not an administrator sees: who they are and whom to ask. */
export function NotAdmin({ me, onSignOut }: { me: Me; onSignOut?: () => Promise<void> }) {
  const styles = useStyles();
  return (
    <main className={styles.root} role="alert">
      <LockClosed48Regular className={styles.icon} aria-hidden />
      <Title3 as="h1">This tab is for archive administrators</Title3>
      <Body1>
        You are signed in as <strong>{me.name}</strong> ({me.upn}), who is not an archive administrator. Ask your administrator to
        assign you the <strong>Archive.Admin</strong> role of the archive's app in Microsoft Entra ID if you need to manage the archive.
      </Body1>
      <Body1>To search your own mail, use “Search my archive” in Outlook.</Body1>
      {onSignOut && <Button onClick={() => void onSignOut()}>Sign in as someone else</Button>}
    </main>
  );
}

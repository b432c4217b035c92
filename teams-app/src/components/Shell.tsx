import { Button, Caption1, Tab, TabList, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { Me } from '@shared/types';
import { navigate, useHashPath } from '../route';
import { CompletenessPage } from './completeness/CompletenessPage';
import { Dashboard } from './dashboard/Dashboard';
import { DirectoryPage } from './directory/DirectoryPage';
import { ImportsPage } from './imports/ImportsPage';
import { IntegrityPage } from './integrity/IntegrityPage';
import { JournalPage } from './journal/JournalPage';
import { PrivilegesPage } from './privileges/PrivilegesPage';
import { ProfilesPage } from './profiles/ProfilesPage';

const PAGES = {
  dashboard: { label: 'Dashboard', Page: Dashboard },
  profiles: { label: 'Archiving profiles', Page: ProfilesPage },
  completeness: { label: 'Completeness', Page: CompletenessPage },
  directory: { label: 'Directory', Page: DirectoryPage },
  privileges: { label: 'Privileges', Page: PrivilegesPage },
  journaling: { label: 'Journaling', Page: JournalPage },
  import: { label: 'Import', Page: ImportsPage },
  integrity: { label: 'Integrity', Page: IntegrityPage },
} as const;
type PageId = keyof typeof PAGES;

const useStyles = makeStyles({
  header: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalL,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalXL}`,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    flexWrap: 'wrap',
  },
  title: { fontWeight: tokens.fontWeightSemibold, fontSize: tokens.fontSizeBase400 },
  nav: { flexGrow: 1 },
  user: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, color: tokens.colorNeutralForeground2 },
  main: { padding: `${tokens.spacingVerticalL} ${tokens.spacingHorizontalXL}`, maxWidth: '1280px' },
});

/** The administrator's frame: one tab per area, remembered in the URL fragment so a reload stays put. */
export function Shell({ me, onSignOut }: { me: Me; onSignOut?: () => Promise<void> }) {
  const styles = useStyles();
  const [first] = useHashPath();
  const page: PageId = first && first in PAGES ? (first as PageId) : 'dashboard';
  const go = (id: PageId) => navigate(id);
  const { Page } = PAGES[page];
  return (
    <>
      <header className={styles.header}>
        <Text className={styles.title}>Archive administration</Text>
        <TabList className={styles.nav} selectedValue={page} onTabSelect={(_e, d) => go(d.value as PageId)} aria-label="Administration areas">
          {Object.entries(PAGES).map(([id, { label }]) => (
            <Tab key={id} value={id}>
              {label}
            </Tab>
          ))}
        </TabList>
        <div className={styles.user}>
          <Caption1 aria-label={`Signed in as ${me.name}`}>{me.name}</Caption1>
          {onSignOut && (
            <Button size="small" appearance="subtle" onClick={() => void onSignOut()}>
              Sign out
            </Button>
          )}
        </div>
      </header>
      <main className={styles.main}>
        <Page />
      </main>
    </>
  );
}

import { Button, Caption1, Tab, TabList, Text, Title3, makeStaticStyles, makeStyles, tokens } from '@fluentui/react-components';
import type { Me } from '@shared/types';
import { navigate, useHashPath } from '../route';
import { CasesPage } from './cases/CasesPage';
import { Attention } from './common/Attention';
import { CompletenessPage } from './completeness/CompletenessPage';
import { Dashboard } from './dashboard/Dashboard';
import { DirectoryPage } from './directory/DirectoryPage';
import { ErasurePage } from './erasure/ErasurePage';
import { HoldsPage } from './holds/HoldsPage';
import { ImportsPage } from './imports/ImportsPage';
import { IntegrityPage } from './integrity/IntegrityPage';
import { JournalPage } from './journal/JournalPage';
import { PrivilegesPage } from './privileges/PrivilegesPage';
import { ProfilesPage } from './profiles/ProfilesPage';
import { RetentionPage } from './retention/RetentionPage';

type Role = 'admin' | 'auditor';
const ADMIN: Role[] = ['admin'];
/** Auditors (Archive.Auditor) see holds and cases; everything else is the administrators'. */
const PAGES = {
  dashboard: { label: 'Dashboard', Page: Dashboard, roles: ADMIN },
  profiles: { label: 'Archiving profiles', Page: ProfilesPage, roles: ADMIN },
  completeness: { label: 'Completeness', Page: CompletenessPage, roles: ADMIN },
  directory: { label: 'Directory', Page: DirectoryPage, roles: ADMIN },
  privileges: { label: 'Privileges', Page: PrivilegesPage, roles: ADMIN },
  journaling: { label: 'Journaling', Page: JournalPage, roles: ADMIN },
  import: { label: 'Import', Page: ImportsPage, roles: ADMIN },
  integrity: { label: 'Integrity', Page: IntegrityPage, roles: ADMIN },
  retention: { label: 'Retention', Page: RetentionPage, roles: ADMIN },
  holds: { label: 'Legal holds', Page: HoldsPage, roles: ['admin', 'auditor'] as Role[] },
  erasure: { label: 'Erasure requests', Page: ErasurePage, roles: ADMIN },
  cases: { label: 'Cases', Page: CasesPage, roles: ['auditor'] as Role[] },
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
  // A narrow tab (320 px, zoomed) wraps the areas onto more lines instead of scrolling sideways.
  nav: { flexGrow: 1, flexShrink: 1, flexWrap: 'wrap', minWidth: 0 },
  user: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, color: tokens.colorNeutralForeground2 },
  main: { padding: `${tokens.spacingVerticalL} ${tokens.spacingHorizontalXL}`, maxWidth: '1280px', minWidth: 0 },
  heading: { display: 'block', margin: `0 0 ${tokens.spacingVerticalL}` },
});

// At 320 px, side-by-side radio buttons wrap instead of widening the page (Fluent leaves them on one
// line), and so does a message bar's text: Fluent starts every MessageBar on one line (nowrap) and
// only switches to multiline after a resize observer fires, so a page is wider until then.
const useReflow = makeStaticStyles({ '.fui-RadioGroup': { flexWrap: 'wrap' }, '.fui-MessageBarBody': { whiteSpace: 'normal' } });

/** The administrator's frame: one tab per area, remembered in the URL fragment so a reload stays put. */
export function Shell({ me, onSignOut }: { me: Me; onSignOut?: () => Promise<void> }) {
  const styles = useStyles();
  useReflow();
  const [first] = useHashPath();
  const mine = (Object.keys(PAGES) as PageId[]).filter((id) => PAGES[id].roles.some((r) => me.roles.includes(r)));
  const page: PageId = first && mine.includes(first as PageId) ? (first as PageId) : mine[0]!;
  const go = (id: PageId) => navigate(id);
  const { Page } = PAGES[page];
  return (
    <>
      <header className={styles.header}>
        <Text className={styles.title}>Archive administration</Text>
        <TabList className={styles.nav} selectedValue={page} onTabSelect={(_e, d) => go(d.value as PageId)} aria-label="Administration areas">
          {mine.map((id) => (
            <Tab key={id} value={id}>
              {PAGES[id].label}
            </Tab>
          ))}
        </TabList>
        <div className={styles.user}>
          {me.roles.includes('admin') && <Attention />}
          <Caption1 aria-label={`Signed in as ${me.name}`}>{me.name}</Caption1>
          {onSignOut && (
            <Button size="small" appearance="subtle" onClick={() => void onSignOut()}>
              Sign out
            </Button>
          )}
        </div>
      </header>
      <main className={styles.main}>
        <Title3 as="h1" className={styles.heading}>
          {PAGES[page].label}
        </Title3>
        <Page />
      </main>
    </>
  );
}

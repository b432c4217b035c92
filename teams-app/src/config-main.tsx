import { Body1, Title3, makeStyles, tokens } from '@fluentui/react-components';
import { pages } from '@microsoft/teams-js';
import { createRoot } from 'react-dom/client';
import { detectTeams } from './teams';
import { TabTheme } from './theme';

const useStyles = makeStyles({ root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, padding: tokens.spacingHorizontalXL } });

function ConfigPage({ inTeams }: { inTeams: boolean }) {
  const styles = useStyles();
  return (
    <main className={styles.root}>
      <Title3 as="h1">Archive administration in this team</Title3>
      <Body1>
        The tab shows the archive's administration to the team's members who are archive administrators (app role Archive.Admin); everyone else
        sees whom to ask. Nothing to configure: choose Save.
      </Body1>
      {!inTeams && <Body1>This page is meant to be opened by Teams when the tab is added to a team.</Body1>}
    </main>
  );
}

/** The configurable (team) tab: one fixed content page, so the configuration only confirms it. */
async function boot(): Promise<void> {
  const teams = await detectTeams();
  if (teams) {
    const base = new URL('.', document.baseURI);
    pages.config.registerOnSaveHandler((save) => {
      pages.config
        .setConfig({
          entityId: 'admin',
          suggestedDisplayName: 'Archive admin',
          contentUrl: new URL('?host=teams&theme={theme}', base).href,
          websiteUrl: base.href,
        })
        .then(() => save.notifySuccess(), (err: Error) => save.notifyFailure(err.message));
    });
    pages.config.setValidityState(true);
  }
  createRoot(document.getElementById('root')!).render(
    <TabTheme teams={teams}>
      <ConfigPage inTeams={teams !== null} />
    </TabTheme>,
  );
}

void boot();

import { createRoot } from 'react-dom/client';
import type { ReactNode } from 'react';
import { loadSettings, redirectAuth } from '@shared/auth';
import { Notice } from '@shared/Notice';
import { App } from './components/App';
import { detectTeams, teamsAuth } from './teams';
import { TabTheme } from './theme';

async function boot(): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  const teams = await detectTeams();
  const render = (node: ReactNode) => root.render(<TabTheme teams={teams}>{node}</TabTheme>);
  render(<Notice kind="loading" title="Opening the archive administration…" />);
  try {
    // In Teams, Teams signs the user in (SSO); in a browser, the same redirect sign-in as the add-in.
    const auth = teams ? teamsAuth(teams) : await redirectAuth(await loadSettings());
    render(<App auth={auth} inTeams={teams !== null} />);
  } catch (err) {
    render(<Notice kind="error" title="The administration tab could not start" message={`${(err as Error).message} Reload the tab; if it persists, check the backend's log.`} />);
  }
}

void boot();

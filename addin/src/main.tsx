import { createRoot } from 'react-dom/client';
import type { ReactNode } from 'react';
import { App } from './components/App';
import { Notice } from './shared/Notice';
import { isAuthDialog, officeDialogAuth, runAuthDialog } from './dialog-auth';
import { detectOffice, officeIsDark, supportsNestedAppAuth } from './office';
import { loadSettings, nestedAuth, redirectAuth } from './shared/auth';
import { ThemedApp } from './shared/theme';

async function boot(): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  const office = await detectOffice();
  const render = (node: ReactNode) => root.render(<ThemedApp hostDark={office ? officeIsDark(office) : undefined}>{node}</ThemedApp>);
  try {
    const settings = await loadSettings();
    if (isAuthDialog()) {
      render(<Notice kind="loading" title="Signing in…" />);
      return await runAuthDialog(settings, office);
    }
    // Nested app authentication where the host offers it; Microsoft's documented fallback is the dialog.
    const auth = !office
      ? await redirectAuth(settings)
      : supportsNestedAppAuth(office) ? await nestedAuth(settings) : await officeDialogAuth(settings, office);
    render(<App auth={auth} office={office} />);
  } catch (err) {
    render(<Notice kind="error" title="The add-in could not start" message={`${(err as Error).message} Reload the task pane; if it persists, tell your administrator.`} />);
  }
}

void boot();

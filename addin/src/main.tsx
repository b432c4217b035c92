import { createRoot } from 'react-dom/client';
import { useEffect, useState, type ReactNode } from 'react';
import { App } from './components/App';
import { Notice } from './shared/Notice';
import { isAuthDialog, officeDialogAuth, runAuthDialog } from './dialog-auth';
import { detectOffice, officeIsDark, onOfficeThemeChanged, supportsNestedAppAuth, type OfficeHost } from './office';
import { loadSettings, nestedAuth, redirectAuth } from './shared/auth';
import { ThemedApp } from './shared/theme';

/** The page in Office's theme, following the user's switches while the pane is open. */
function OfficeThemed({ office, children }: { office: OfficeHost | null; children: ReactNode }) {
  const [dark, setDark] = useState(() => (office ? officeIsDark(office) : undefined));
  useEffect(() => onOfficeThemeChanged(office, setDark), [office]);
  return <ThemedApp hostDark={dark}>{children}</ThemedApp>;
}

async function boot(): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  const office = await detectOffice();
  const render = (node: ReactNode) => root.render(<OfficeThemed office={office}>{node}</OfficeThemed>);
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

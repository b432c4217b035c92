import { FluentProvider, webDarkTheme, webLightTheme } from '@fluentui/react-components';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';

const DarkContext = createContext(false);

/** Whether the page is dark (the reading pane offers mail the same). */
export const useDarkTheme = () => useContext(DarkContext);

const darkQuery = () => window.matchMedia?.('(prefers-color-scheme: dark)');

/** The browser's colour scheme, followed live; hosts that know better pass `hostDark`. */
function usePrefersDark(): boolean {
  const [dark, setDark] = useState(() => darkQuery()?.matches ?? false);
  useEffect(() => {
    const query = darkQuery();
    if (!query) return;
    const update = () => setDark(query.matches);
    query.addEventListener('change', update);
    return () => query.removeEventListener('change', update);
  }, []);
  return dark;
}

/** One FluentProvider for the whole page, light or dark like its host (Office theme, else the browser). */
export function ThemedApp({ hostDark, children }: { hostDark?: boolean; children: ReactNode }) {
  const prefersDark = usePrefersDark();
  const dark = hostDark ?? prefersDark;
  useEffect(() => {
    document.documentElement.style.colorScheme = dark ? 'dark' : 'light';
  }, [dark]);
  return (
    <FluentProvider theme={dark ? webDarkTheme : webLightTheme} style={{ minHeight: '100vh' }}>
      <DarkContext.Provider value={dark}>{children}</DarkContext.Provider>
    </FluentProvider>
  );
}

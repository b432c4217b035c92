import { FluentProvider, teamsDarkTheme, teamsHighContrastTheme, teamsLightTheme } from '@fluentui/react-components';
import { useEffect, useState, type ReactNode } from 'react';
import { ThemedApp } from '@shared/theme';
import type { TeamsHost, TeamsTheme } from './teams';

const THEMES = { default: teamsLightTheme, dark: teamsDarkTheme, contrast: teamsHighContrastTheme } as const;

/** Inside Teams: Teams' light, dark or high-contrast theme, switched live. Elsewhere: the add-in's web theme. */
export function TabTheme({ teams, children }: { teams: TeamsHost | null; children: ReactNode }) {
  const [theme, setTheme] = useState<TeamsTheme>(teams?.theme ?? 'default');
  useEffect(() => teams?.onThemeChange(setTheme), [teams]);
  useEffect(() => {
    if (teams) document.documentElement.style.colorScheme = theme === 'default' ? 'light' : 'dark';
  }, [teams, theme]);
  if (!teams) return <ThemedApp>{children}</ThemedApp>;
  return (
    <FluentProvider theme={THEMES[theme]} data-theme={theme} style={{ minHeight: '100vh' }}>
      {children}
    </FluentProvider>
  );
}

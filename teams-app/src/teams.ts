import { app, authentication } from '@microsoft/teams-js';
import { SignInRequired, type Auth } from '@shared/auth';

/** Teams' own theme names: the tab follows them live. */
export type TeamsTheme = 'default' | 'dark' | 'contrast';

export interface TeamsHost {
  theme: TeamsTheme;
  onThemeChange(handler: (theme: TeamsTheme) => void): void;
  user: { upn: string; name: string };
}

const asTheme = (t: string | undefined): TeamsTheme => (t === 'dark' || t === 'contrast' ? t : 'default');

/**
 * The Teams host when the page runs inside Teams (web and desktop frame it, mobile injects a
 * native bridge), else null: a plain browser then signs in by redirect like the add-in does.
 */
export async function detectTeams(timeoutMs = 5000): Promise<TeamsHost | null> {
  const framed = window.parent !== window;
  const native = 'nativeInterface' in window;
  if (!framed && !native) return null;
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs));
  const started = await Promise.race([app.initialize().then(() => true, () => null), timeout]);
  if (!started) return null;
  const context = await app.getContext();
  return {
    theme: asTheme(context.app.theme),
    onThemeChange: (handler) => app.registerOnThemeChangeHandler((t) => handler(asTheme(t))),
    user: { upn: context.user?.userPrincipalName ?? context.user?.loginHint ?? '', name: context.user?.displayName ?? context.user?.userPrincipalName ?? '' },
  };
}

/**
 * Teams single sign-on: Teams hands out a token for the app's `webApplicationInfo` resource
 * (the backend's API). When the user must consent first, the interactive call shows Teams' prompt.
 */
export function teamsAuth(host: TeamsHost): Auth {
  const account = host.user.upn ? { name: host.user.name || host.user.upn, username: host.user.upn } : null;
  return {
    account,
    async token() {
      try {
        return await authentication.getAuthToken({ silent: true });
      } catch (err) {
        throw new SignInRequired(`Teams could not sign you in to the archive (${(err as Error).message}).`);
      }
    },
    signIn: async () => void (await authentication.getAuthToken({ silent: false })),
    // Teams owns the session: signing out of the tab alone is not a thing.
    signOut: async () => undefined,
  };
}

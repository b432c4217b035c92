import {
  InteractionRequiredAuthError,
  PublicClientApplication,
  createNestablePublicClientApplication,
  type AccountInfo,
  type Configuration,
  type IPublicClientApplication,
} from '@azure/msal-browser';
import type { ClientSettings } from './types';

export interface SignedInAccount {
  name: string;
  username: string;
}

/** How a page gets access tokens for the backend's API, whatever the host. */
export interface Auth {
  readonly account: SignedInAccount | null;
  /** An access token for the API; rejects with SignInRequired when the user must act. */
  token(): Promise<string>;
  signIn(): Promise<void>;
  signOut(): Promise<void>;
}

export class SignInRequired extends Error {
  constructor(message = 'Sign in to search your archive.') {
    super(message);
    this.name = 'SignInRequired';
  }
}

export async function loadSettings(): Promise<ClientSettings> {
  const res = await fetch(new URL('config.json', document.baseURI));
  if (!res.ok) throw new Error(`The add-in configuration could not be loaded (${res.status}).`);
  return (await res.json()) as ClientSettings;
}

/** The page's own address without query or fragment: the redirect URI registered for the SPA. */
export const pageRedirectUri = () => new URL('.', document.baseURI).href;

export function msalConfig(settings: ClientSettings, redirectUri = pageRedirectUri()): Configuration {
  return {
    auth: {
      clientId: settings.clientId,
      authority: settings.authority,
      // Trust the configured authority as given instead of asking Microsoft's discovery endpoint.
      knownAuthorities: [new URL(settings.authority).host],
      redirectUri,
      postLogoutRedirectUri: redirectUri,
    },
    cache: { cacheLocation: 'localStorage' },
  };
}

const toAccount = (a: AccountInfo): SignedInAccount => ({ name: a.name ?? a.username, username: a.username });

/** A plain browser (development, tests, the Teams tab opened outside Teams): authorization code + PKCE by redirect. */
export async function redirectAuth(settings: ClientSettings): Promise<Auth> {
  const pca = new PublicClientApplication(msalConfig(settings));
  await pca.initialize();
  const result = await pca.handleRedirectPromise();
  const account = result?.account ?? pca.getActiveAccount() ?? pca.getAllAccounts()[0] ?? null;
  if (account) pca.setActiveAccount(account);
  const scopes = [settings.apiScope];
  return {
    account: account && toAccount(account),
    async token() {
      if (!account) throw new SignInRequired();
      try {
        return (await pca.acquireTokenSilent({ scopes, account })).accessToken;
      } catch (err) {
        if (err instanceof InteractionRequiredAuthError) throw new SignInRequired('Your session has ended. Sign in again.');
        throw err;
      }
    },
    signIn: () => pca.loginRedirect({ scopes }),
    signOut: () => pca.logoutRedirect({ account: account ?? undefined }),
  };
}

/**
 * Nested app authentication: the host (Outlook, Teams) signs the user in and brokers tokens.
 * Use only where the host supports it; elsewhere MSAL would quietly fall back to a standard client.
 */
export async function nestedAuth(settings: ClientSettings): Promise<Auth> {
  const pca: IPublicClientApplication = await createNestablePublicClientApplication(msalConfig(settings));
  const scopes = [settings.apiScope];
  let account: SignedInAccount | null = null;
  const acquire = async (interactive: boolean) => {
    const result = interactive ? await pca.acquireTokenPopup({ scopes }) : await pca.acquireTokenSilent({ scopes });
    if (result.account) account = toAccount(result.account);
    return result.accessToken;
  };
  await acquire(false).catch(() => undefined);
  return {
    get account() {
      return account;
    },
    async token() {
      try {
        return await acquire(false);
      } catch (err) {
        if (err instanceof InteractionRequiredAuthError) throw new SignInRequired();
        throw err;
      }
    },
    signIn: async () => void (await acquire(true)),
    signOut: async () => {
      account = null;
    },
  };
}

import { PublicClientApplication } from '@azure/msal-browser';
import { msalConfig, redirectAuth, SignInRequired, type Auth, type SignedInAccount } from './shared/auth';
import type { ClientSettings } from './shared/types';
import type { OfficeHost } from './office';

/**
 * Sign-in for Office hosts without nested app authentication, as Microsoft documents it: the
 * sign-in pages cannot be framed, so they run in an Office dialog (this same page with
 * ?auth=dialog), which hands the access token back with messageParent.
 */
const DIALOG_FLAG = 'addin.authDialog';

interface DialogReply {
  accessToken?: string;
  expiresOn?: number;
  account?: SignedInAccount;
  error?: string;
}

export function isAuthDialog(): boolean {
  if (new URLSearchParams(location.search).get('auth') === 'dialog') sessionStorage.setItem(DIALOG_FLAG, '1');
  return sessionStorage.getItem(DIALOG_FLAG) === '1';
}

/** Runs inside the dialog: signs in by redirect, then sends the token to the task pane. */
export async function runAuthDialog(settings: ClientSettings, office: OfficeHost | null): Promise<void> {
  const reply = (message: DialogReply) => {
    sessionStorage.removeItem(DIALOG_FLAG);
    office?.api.context.ui?.messageParent(JSON.stringify(message));
  };
  try {
    const pca = new PublicClientApplication(msalConfig(settings));
    await pca.initialize();
    const result = await pca.handleRedirectPromise();
    const account = result?.account ?? pca.getAllAccounts()[0];
    if (!account) return await pca.loginRedirect({ scopes: [settings.apiScope] });
    const token = result?.accessToken ? result : await pca.acquireTokenSilent({ scopes: [settings.apiScope], account });
    reply({
      accessToken: token.accessToken,
      expiresOn: token.expiresOn?.getTime(),
      account: { name: account.name ?? account.username, username: account.username },
    });
  } catch (err) {
    reply({ error: (err as Error).message });
  }
}

/** In the task pane: a token MSAL still holds for this origin, else one brought back by the dialog. */
export async function officeDialogAuth(settings: ClientSettings, office: OfficeHost): Promise<Auth> {
  const local = await redirectAuth(settings);
  let fromDialog: { token: string; expiresOn: number; account: SignedInAccount } | null = null;
  return {
    get account() {
      return fromDialog?.account ?? local.account;
    },
    async token() {
      if (fromDialog && fromDialog.expiresOn > Date.now() + 60_000) return fromDialog.token;
      if (local.account) return local.token();
      throw new SignInRequired();
    },
    async signIn() {
      const reply = await openDialog(office);
      if (!reply.accessToken || !reply.account) throw new Error(reply.error ?? 'Sign-in was not completed.');
      fromDialog = { token: reply.accessToken, expiresOn: reply.expiresOn ?? Date.now() + 300_000, account: reply.account };
    },
    async signOut() {
      fromDialog = null;
      if (local.account) await local.signOut();
    },
  };
}

function openDialog(office: OfficeHost): Promise<DialogReply> {
  const ui = office.api.context.ui;
  if (!ui) return Promise.reject(new Error('This Office version cannot open a sign-in dialog.'));
  const url = new URL('?auth=dialog', document.baseURI).href;
  return new Promise((resolve, reject) => {
    ui.displayDialogAsync(url, { height: 60, width: 30 }, (opened) => {
      if (opened.status !== 'succeeded') return reject(new Error(opened.error?.message ?? 'The sign-in dialog could not be opened.'));
      const dialog = opened.value;
      dialog.addEventHandler(office.api.EventType.DialogMessageReceived, (arg) => {
        dialog.close();
        try {
          resolve(JSON.parse(arg.message ?? '{}') as DialogReply);
        } catch {
          reject(new Error('The sign-in dialog sent an unreadable answer.'));
        }
      });
      // 12006: the user closed the dialog.
      dialog.addEventHandler(office.api.EventType.DialogEventReceived, (arg) =>
        reject(new Error(arg.error === 12006 ? 'The sign-in dialog was closed before signing in.' : `The sign-in dialog failed (${arg.error}).`)));
    });
  });
}

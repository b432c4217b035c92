import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';

export const SCREENSHOTS = resolve(import.meta.dirname, '../../docs/screenshots');

/** The task pane's width in Outlook is 320–450 px; screenshots and tests use this size unless they say otherwise. */
export const TASK_PANE = { width: 400, height: 760 };

const OFFICE_JS = 'https://appsforoffice.microsoft.com/**';

/** No network here: office.js fails at once, which is what a plain browser without Office sees. */
export async function withoutOffice(context: BrowserContext): Promise<void> {
  await context.route(OFFICE_JS, (route) => route.abort('internetdisconnected'));
}

export interface FakeItem {
  subject: string;
  fromAddress: string;
  fromName: string;
}

/**
 * A stand-in for office.js inside Outlook's read form: reports an Outlook host, the open item and
 * the Office theme, and no nested app authentication, so the add-in takes the dialog fallback.
 * The dialog API is played by a pop-up window whose messageParent reaches the pane over a BroadcastChannel
 * (the emulator's sign-in page cuts the opener link, as login.microsoftonline.com does).
 */
export async function asOutlook(page: Page, item: FakeItem, theme = '#ffffff'): Promise<void> {
  const script = `
    (() => {
      const handlers = {};
      window.Office = {
        EventType: { DialogMessageReceived: 'dmr', DialogEventReceived: 'der', ItemChanged: 'ic', OfficeThemeChanged: 'officeThemeChanged' },
        onReady: () => Promise.resolve({ host: 'Outlook', platform: 'OfficeOnline' }),
        context: {
          requirements: { isSetSupported: (name) => name !== 'NestedAppAuth' },
          officeTheme: { bodyBackgroundColor: ${JSON.stringify(theme)} },
          mailbox: {
            item: { itemType: 'message', conversationId: 'AAQkAGI2fake=', subject: ${JSON.stringify(item.subject)},
                    from: { emailAddress: ${JSON.stringify(item.fromAddress)}, displayName: ${JSON.stringify(item.fromName)} } },
            // Kept so that a test can play the host's events (setOfficeTheme).
            addHandlerAsync: (type, handler) => { (window.__officeHandlers ??= {})[type] = handler; },
          },
          ui: {
            displayDialogAsync(url, _options, callback) {
              const win = window.open(url, 'officeDialog', 'width=480,height=640');
              const dialog = {
                addEventHandler: (type, handler) => { handlers[type] = handler; },
                close: () => win && win.close(),
              };
              new BroadcastChannel('office-dialog').onmessage = (e) => handlers.dmr?.({ message: e.data });
              callback({ status: 'succeeded', value: dialog });
            },
            messageParent(message) { new BroadcastChannel('office-dialog').postMessage(message); },
          },
        },
      };
    })();`;
  await page.context().route(OFFICE_JS, (route) => route.fulfill({ contentType: 'text/javascript', body: script }));
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  // Let Fluent's transitions finish so the picture shows the settled state.
  await page.waitForTimeout(300);
  await page.screenshot({ path });
  return path;
}

/** Signs in on the emulator's account picker by clicking the user's entry. */
export async function pickAccount(page: Page, upn: string): Promise<void> {
  await page.locator(`a.account[data-upn="${upn}"]`).click();
}

/** Opens `url`, signs in there and picks `upn` on the emulator's account picker. */
export async function signIn(page: Page, url: string, upn: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.href.startsWith(new URL(url).origin));
  await pickAccount(page, upn);
}

/** Plays Outlook switching its theme while the pane is open (Office.EventType.OfficeThemeChanged). */
export async function setOfficeTheme(page: Page, bodyBackgroundColor: string): Promise<void> {
  await page.evaluate((color) => {
    const w = window as unknown as { Office: { context: { officeTheme: object } }; __officeHandlers?: Record<string, (e: object) => void> };
    w.Office.context.officeTheme = { bodyBackgroundColor: color };
    w.__officeHandlers?.officeThemeChanged?.({ type: 'officeThemeChanged', officeTheme: { bodyBackgroundColor: color } });
  }, bodyBackgroundColor);
}

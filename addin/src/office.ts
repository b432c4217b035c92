/**
 * The few Office.js features the task pane uses, each feature-detected: the same page runs in
 * Outlook (web, new, classic, Mac, mobile) and in a plain browser, where Office is absent.
 */

interface EmailAddressDetails {
  emailAddress?: string;
  displayName?: string;
}

interface MailItem {
  itemType?: string;
  conversationId?: string;
  subject?: unknown;
  from?: unknown;
}

interface OfficeTheme {
  bodyBackgroundColor?: string;
}

interface AsyncResult<T> {
  status: 'succeeded' | 'failed';
  value: T;
  error?: { message: string };
}

interface Dialog {
  addEventHandler(type: string, handler: (arg: { message?: string; error?: number }) => void): void;
  close(): void;
}

interface OfficeApi {
  onReady(): Promise<{ host: string | null; platform: string | null }>;
  EventType: { DialogMessageReceived: string; DialogEventReceived: string; ItemChanged: string; OfficeThemeChanged?: string };
  context: {
    requirements?: { isSetSupported(name: string, version?: string): boolean };
    officeTheme?: OfficeTheme;
    mailbox?: {
      item?: MailItem | null;
      addHandlerAsync?(type: string, handler: (event: { officeTheme?: OfficeTheme }) => void, callback?: (r: AsyncResult<void>) => void): void;
    };
    ui?: {
      displayDialogAsync(url: string, options: { height: number; width: number; promptBeforeOpen?: boolean }, callback: (r: AsyncResult<Dialog>) => void): void;
      messageParent(message: string): void;
    };
  };
}

declare global {
  interface Window {
    Office?: OfficeApi;
  }
}

export interface OfficeHost {
  host: string;
  api: OfficeApi;
}

/** Resolves to the Office host, or null in a plain browser (no Office.js, or Office.js outside a host). */
export async function detectOffice(timeoutMs = 3000): Promise<OfficeHost | null> {
  const api = window.Office;
  if (!api?.onReady) return null;
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs));
  const info = await Promise.race([api.onReady().catch(() => null), timeout]);
  return info?.host ? { host: info.host, api } : null;
}

export const supportsNestedAppAuth = (office: OfficeHost) =>
  office.api.context.requirements?.isSetSupported('NestedAppAuth', '1.1') === true;

/** Dark when the Office theme's background is dark; undefined when the host does not say. */
export function officeIsDark(office: OfficeHost): boolean | undefined {
  return themeIsDark(office.api.context.officeTheme);
}

function themeIsDark(theme: OfficeTheme | undefined): boolean | undefined {
  const hex = /^#?([0-9a-f]{6})$/i.exec(theme?.bodyBackgroundColor ?? '')?.[1];
  if (!hex) return undefined;
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5;
}

/** The message open in Outlook, as far as a read form tells it. */
export interface OpenItem {
  subject: string;
  fromAddress?: string;
  fromName?: string;
  conversationId?: string;
}

export function openItem(office: OfficeHost | null): OpenItem | null {
  const item = office?.api.context.mailbox?.item;
  if (!item) return null;
  // In compose forms these are objects with getAsync, not values: nothing to search by yet.
  const subject = typeof item.subject === 'string' ? item.subject : '';
  const from = typeof item.from === 'object' && item.from && typeof (item.from as EmailAddressDetails).emailAddress === 'string'
    ? (item.from as EmailAddressDetails)
    : undefined;
  if (!subject && !from) return null;
  return { subject, fromAddress: from?.emailAddress, fromName: from?.displayName, conversationId: item.conversationId };
}

/** Calls back when the user selects another message while the task pane is pinned. */
export function onItemChanged(office: OfficeHost | null, handler: () => void): void {
  const mailbox = office?.api.context.mailbox;
  mailbox?.addHandlerAsync?.(office!.api.EventType.ItemChanged, handler);
}

/**
 * Calls back with the new darkness when the user switches Office's theme while the pane is open
 * (Mailbox 1.14: https://learn.microsoft.com/javascript/api/outlook/office.officethemechangedeventargs).
 * Hosts without the event keep the theme read at start-up.
 */
export function onOfficeThemeChanged(office: OfficeHost | null, handler: (dark: boolean | undefined) => void): void {
  const type = office?.api.EventType.OfficeThemeChanged;
  if (!type) return;
  office.api.context.mailbox?.addHandlerAsync?.(type, (event) => handler(themeIsDark(event.officeTheme ?? office.api.context.officeTheme)));
}

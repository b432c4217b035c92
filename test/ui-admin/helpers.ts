import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { buildScript, pagesStale, type PagesApp } from '../../dev/pages';

const ROOT = resolve(import.meta.dirname, '../..');

/** A desktop Teams window: the tab gets the content area beside Teams' own rails. */
export const TEAMS_VIEWPORT = { width: 1366, height: 900 };

/** Builds the tab when its pages are missing or older than their sources (`npm test` does not build it itself). */
export function ensureTabBuilt(): void {
  ensureBuilt('teams-app');
}

/** Builds the add-in's or the tab's pages when they are missing or older than their sources (the tab uses the add-in's shared code). */
export function ensureBuilt(app: PagesApp): void {
  if (!pagesStale(app)) return;
  const script = buildScript(app);
  const res = spawnSync('npm', ['run', '-s', script], { cwd: ROOT, stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`npm run ${script} failed`);
}

export const TEAMS_ORIGIN = 'https://teams.microsoft.com';
/** Where the tab appears to be deployed: a public https host, as in production. */
export const PUBLIC_ORIGIN = 'https://archive.contoso.example';

/**
 * Teams' side of the tab's conversation, played by a page the browser believes is on
 * teams.microsoft.com, framing the tab at a public https origin that is proxied to the backend
 * (both by request interception: nothing leaves the machine, and Chromium sees no public page
 * framing a loopback one). The host answers the TeamsJS calls the tab makes (initialize,
 * getContext, getAuthToken) with the given user and token, and switches the theme as Teams does.
 */
export async function asTeamsHost(
  context: BrowserContext,
  backendUrl: string,
  user: { upn: string; name: string; oid: string; tid: string },
  token: string,
  opts: { path?: string; frameContext?: 'content' | 'settings' } = {},
): Promise<string> {
  const frameContext = opts.frameContext ?? 'content';
  const hostUrl = `${TEAMS_ORIGIN}/_test/host-${frameContext}`;
  const tabUrl = `${PUBLIC_ORIGIN}${opts.path ?? '/admin-tab/?host=teams'}`;
  await context.route(`${PUBLIC_ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    await route.fulfill({ response: await route.fetch({ url: `${backendUrl}${url.pathname}${url.search}`, maxRedirects: 0 }) });
  });
  const html = `<!doctype html><html><head><style>html,body,iframe{margin:0;border:0;width:100%;height:100%;display:block}</style></head>
<body><iframe id="tab" src="${tabUrl}"></iframe><script>
  const user = ${JSON.stringify(user)};
  const token = ${JSON.stringify(token)};
  let theme = 'default';
  window.calls = [];
  window.addEventListener('message', (e) => {
    const m = e.data;
    if (!m || typeof m.func !== 'string' || typeof m.id !== 'number') return;
    window.calls.push(m.func);
    const reply = (args) => e.source.postMessage({ id: m.id, uuidAsString: m.uuidAsString, args }, e.origin);
    if (m.func === 'initialize') return reply([${JSON.stringify(frameContext)}, 'web', '2.0.0']);
    if (m.func === 'getContext') return reply([{ theme, locale: 'en-us', entityId: 'admin', frameContext: 'content', hostClientType: 'web',
      userPrincipalName: user.upn, loginHint: user.upn, userObjectId: user.oid, userDisplayName: user.name, tid: user.tid }]);
    if (m.func === 'authentication.getAuthToken') return reply([true, token]);
    if (m.func === 'settings.setValidityState') window.valid = m.args[0];
    if (m.func === 'settings.setSettings') { window.tabConfig = m.args[0]; return reply([true]); }
    if (m.func === 'settings.save.success') window.saved = true;
  });
  window.saveTab = () => document.getElementById('tab').contentWindow.postMessage({ func: 'settings.save', args: [{}] }, '*');
  window.setTeamsTheme = (t) => { theme = t; document.getElementById('tab').contentWindow.postMessage({ func: 'themeChange', args: [t] }, '*'); };
</script></body></html>`;
  await context.route(hostUrl, (route) => route.fulfill({ contentType: 'text/html', body: html }));
  return hostUrl;
}

export async function setTeamsTheme(host: Page, theme: 'default' | 'dark' | 'contrast'): Promise<void> {
  await host.evaluate((t) => (window as unknown as { setTeamsTheme(t: string): void }).setTeamsTheme(t), theme);
}

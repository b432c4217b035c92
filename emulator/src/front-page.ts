import { readFileSync } from 'node:fs';
import type { HttpReq, HttpRes } from './http';
import { html } from './http';
import type { Tenant } from './tenant/model';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);

/**
 * `/`: what this server is, the tenant's people and the local CA to trust; `/ca.pem`: that CA.
 * Opening it once is also how a browser is told to accept the emulator's certificate.
 */
export function frontPage(tenant: Tenant, caCertPath: string, req: HttpReq): HttpRes | undefined {
  if (req.method !== 'GET') return undefined;
  if (req.url.pathname === '/ca.pem') {
    return { status: 200, body: readFileSync(caCertPath), headers: { 'content-type': 'application/x-pem-file', 'content-disposition': 'attachment; filename="m365-emulator-ca.pem"' } };
  }
  if (req.url.pathname !== '/') return undefined;
  const rows = tenant.listUsers().map((u) => {
    const kind = u.userType === 'Guest' ? 'guest' : u.accountEnabled === false ? (tenant.findUser(u.id!)?.userPurpose ?? 'member') + ', cannot sign in' : 'can sign in';
    const roles = tenant.findUser(u.id!)?.appRoles ?? [];
    return `<tr><td>${esc(u.displayName ?? '')}</td><td>${esc(u.userPrincipalName ?? '')}</td><td>${esc(kind)}${roles.length ? ` · ${esc(roles.join(', '))}` : ''}</td></tr>`;
  });
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Microsoft 365 emulator – ${esc(tenant.displayName)}</title>
<style>body{font-family:Segoe UI,system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.45}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #d1d1d1;overflow-wrap:anywhere}
code{background:#f3f2f1;padding:0 .25rem}</style></head><body>
<h1>Microsoft 365 emulator</h1>
<p>A local stand-in for Entra ID and Microsoft Graph, for the M365 Archive demo and tests. It holds the tenant
<b>${esc(tenant.displayName)}</b> (${esc(tenant.id)}), answers only on this machine, and behaves as Microsoft documents
Graph and Entra. Nothing here reaches Microsoft.</p>
<h2>Signing in</h2>
<p>Open the archive's pages (the Outlook task pane at <code>/addin/</code> or the admin tab at <code>/admin-tab/</code> of the backend,
as <code>npm start</code> prints them) and press <i>Sign in</i>: this emulator then shows its account picker. Adele Vance is the
archive administrator; everyone who can sign in may search their own archive.</p>
<h2>People of the tenant</h2>
<table><thead><tr><th scope="col">Name</th><th scope="col">User name</th><th scope="col">Account</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<h2>The certificate</h2>
<p>This server's certificate is issued by a local CA made for this checkout. Either trust <a href="/ca.pem">the CA certificate</a>
(<code>${esc(caCertPath)}</code>) in your browser, or accept this page's certificate warning once; then the sign-in pages load.</p>
</body></html>`;
  return html(200, body);
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';
import { pagesDir } from '../runtime-paths';
import { queryHelp } from '../search/query-help';
import type { AuthOptions } from './auth';

/** What the add-in page needs to sign in and call the API; public values only, no secrets. */
export interface AddinSettings {
  authority: string;
  /** The SPA's app registration: the backend's own by default, or a separate one (ADDIN_CLIENT_ID). */
  clientId: string;
  apiScope: string;
}

export const ADDIN_DIST = pagesDir('addin');

// Office.js must come from Microsoft's CDN (Office hosts and AppSource require it).
const OFFICE_JS = 'https://appsforoffice.microsoft.com';
// Outlook on the web, new Outlook and Microsoft 365 host task panes in frames of these origins.
export const OFFICE_FRAME_ANCESTORS = [
  'https://outlook.office.com', 'https://outlook.office365.com', 'https://outlook.live.com',
  'https://*.office.com', 'https://*.office365.com', 'https://*.microsoft365.com', 'https://*.cloud.microsoft',
];

/** Settings from what the API already trusts: the authority behind the issuer, and the API's own client id. */
export function addinSettings(auth: AuthOptions, addinClientId = process.env.ADDIN_CLIENT_ID): AddinSettings {
  const apiClientId = auth.clientId;
  return {
    authority: auth.issuer.replace(/\/v2\.0$/, ''),
    clientId: addinClientId?.trim() || apiClientId,
    apiScope: `api://${apiClientId}/${auth.requiredScope ?? 'access_as_user'}`,
  };
}

export const TEAMS_TAB_DIST = pagesDir('teams-app');
// TeamsJS fetches its list of host origins from here when a host is not in its built-in list.
export const TEAMS_JS_ORIGINS = ['https://res.cdn.office.net'];
// Teams (web, desktop, mobile) and the Microsoft 365 app host tabs in frames of these origins.
export const TEAMS_FRAME_ANCESTORS = [
  'https://teams.microsoft.com', 'https://*.teams.microsoft.com', 'https://teams.cloud.microsoft', 'https://*.cloud.microsoft',
  'https://*.office.com', 'https://*.microsoft365.com', 'https://*.skype.com',
];

/** Where a set of built pages is mounted, who may frame them, and how to build them when missing. */
export interface PagesOptions {
  mount: string;
  distDir: string;
  frameAncestors: string[];
  buildCommand: string;
  /** Origins the pages' scripts fetch from besides the backend and the authority. */
  connectSrc?: string[];
}

const ADDIN_PAGES: PagesOptions = { mount: '/addin', distDir: ADDIN_DIST, frameAncestors: OFFICE_FRAME_ANCESTORS, buildCommand: 'npm run build:addin' };

/** The built add-in pages at /addin/, with their configuration and the search help. */
export function addinPages(settings: AddinSettings, distDir = ADDIN_DIST): Router {
  return builtPages(settings, { ...ADDIN_PAGES, distDir });
}

/** Built single-page apps (the add-in, the Teams tab) with the public settings they sign in with. */
export function builtPages(settings: AddinSettings, { mount, distDir, frameAncestors, buildCommand, connectSrc = [] }: PagesOptions): Router {
  const router = express.Router();
  const authorityOrigin = new URL(settings.authority).origin;
  const csp = [
    "default-src 'self'",
    `script-src 'self' ${OFFICE_JS}`,
    `connect-src ${['\'self\'', authorityOrigin, OFFICE_JS, ...connectSrc].join(' ')}`,
    // MSAL renews sessions in a hidden frame on the authority; messages render in a sandboxed frame of the API.
    `frame-src 'self' ${authorityOrigin}`,
    // Fluent UI (Griffel) inserts its generated rules at run time.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    `frame-ancestors 'self' ${frameAncestors.join(' ')}`,
  ].join('; ');

  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    // Office frames the task pane; frame-ancestors above says by whom, so X-Frame-Options must go.
    res.removeHeader('X-Frame-Options');
    // Office on the web opens the sign-in dialog as a pop-up and talks to it through its opener.
    res.setHeader('Cross-Origin-Opener-Policy', 'unsafe-none');
    next();
  });
  router.get('/config.json', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.json(settings);
  });
  router.get('/query-help.json', (_req, res) => {
    res.json(queryHelp);
  });
  router.use((req, res, next) => {
    // Relative URLs and the MSAL redirect URI assume the trailing slash.
    if (!req.originalUrl.startsWith(`${mount}/`)) return res.redirect(301, `${mount}/${req.originalUrl.slice(mount.length)}`);
    if (existsSync(path.join(distDir, 'index.html'))) return next();
    res.status(503).type('text/plain').send(`These pages are not built: run \`${buildCommand}\`.`);
  });
  // Vite names these by content hash (addin/vite.config.ts puts them under static/).
  router.use('/static', express.static(path.join(distDir, 'static'), { immutable: true, maxAge: '365d' }));
  router.use(express.static(distDir, { extensions: ['html'], index: 'index.html', maxAge: 0 }));
  return router;
}

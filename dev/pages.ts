import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

export type PagesApp = 'addin' | 'teams-app';

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

/**
 * Whether the add-in's or the tab's built pages are missing or older than their sources (the tab
 * uses the add-in's shared code): a checkout pulled after a build would otherwise serve old pages.
 */
export function pagesStale(app: PagesApp): boolean {
  const built = join(ROOT, app, 'dist', 'index.html');
  const sources = Math.max(newest(join(ROOT, app, 'src')), newest(join(ROOT, 'addin', 'src', 'shared')));
  return !existsSync(built) || statSync(built).mtimeMs < sources;
}

export const buildScript = (app: PagesApp): string => (app === 'addin' ? 'build:addin' : 'build:teams');

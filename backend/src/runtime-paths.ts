import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the running code lives. Under tsx every module is its TypeScript source in backend/src;
 * in the production build (backend/scripts/build.ts) every entry point is one bundled file in
 * dist/backend, beside the built pages in dist/addin and dist/teams-app. This module is bundled
 * into each entry point, so its own URL tells which of the two is running.
 */
const HERE = import.meta.url;
export const BUNDLED = HERE.endsWith('.js');

/** Modules that run as worker threads, by the name the build gives their bundle. */
export const WORKER_MODULES = {
  'extract-worker': 'ingest/extract/worker.ts',
  'render-worker': 'retrieval/render-worker.ts',
  'outlook-worker': 'import/outlook-worker.ts',
  'index-worker': 'search/index-worker.ts',
} as const;
export type WorkerModule = keyof typeof WORKER_MODULES;

export function workerModuleUrl(name: WorkerModule): URL {
  return new URL(BUNDLED ? `./${name}.js` : `./${WORKER_MODULES[name]}`, HERE);
}

/** The built pages of the add-in or the Teams tab. */
export function pagesDir(app: 'addin' | 'teams-app'): string {
  const here = path.dirname(fileURLToPath(HERE));
  return BUNDLED ? path.resolve(here, '..', app) : path.resolve(here, '../..', app, 'dist');
}

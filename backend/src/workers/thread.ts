import { Worker, type WorkerOptions } from 'node:worker_threads';
import { BUNDLED, workerModuleUrl, type WorkerModule } from '../runtime-paths';

const BOOT = new URL('./boot.mjs', import.meta.url);

/**
 * Starts one of the worker modules as a thread: the bundled file in production; under tsx its
 * TypeScript source, through boot.mjs, since Node 20 does not apply tsx's loader to a worker's
 * entry module.
 */
export function startThread(name: WorkerModule, options: WorkerOptions = {}): Worker {
  const url = workerModuleUrl(name);
  if (BUNDLED) return new Worker(url, options);
  return new Worker(BOOT, { ...options, workerData: { ...(options.workerData as object), entry: url.href } });
}

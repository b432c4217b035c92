/**
 * `npm run start:prod` (dist/backend/start.js): the built backend with the memory settings of
 * memory-env.ts. glibc and V8 read them only when a process starts, so without them in the
 * environment (a unit file or container sets them and runs this, or main.js, directly) the
 * backend is started again as a child that has them; signals go to it and its exit code is ours.
 */
import { spawn } from 'node:child_process';
import { getHeapStatistics } from 'node:v8';
import { missingMemorySettings, withMemoryEnv } from './memory-env';

const MAIN = new URL('./main.js', import.meta.url);

if (missingMemorySettings(process.env, getHeapStatistics().heap_size_limit).length === 0) {
  await import(MAIN.href);
} else {
  const child = spawn(process.execPath, [MAIN.pathname], { stdio: 'inherit', env: withMemoryEnv(process.env) });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}

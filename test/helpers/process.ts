import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../../backend/src/config';
import { freePort } from '../../dev/database';
import { withMemoryEnv } from '../../backend/src/memory-env';
import { waitFor } from './stack';

const root = path.resolve(import.meta.dirname, '../..');

export interface BackendProcess {
  url: string;
  child: ChildProcess;
  /** SIGKILL: no shutdown hook runs, exactly like a crashed or OOM-killed worker. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export { freePort };

/** The environment that gives a backend process (or the CLI) this configuration's database, tenant and credential. */
export function configEnv(config: Config): Record<string, string> {
  return {
    MONGODB_URI: config.MONGODB_URI,
    MONGODB_DB: config.MONGODB_DB,
    TENANT_ID: config.TENANT_ID,
    CLIENT_ID: config.CLIENT_ID,
    ...(config.credential.kind === 'secret' ? { CLIENT_SECRET: config.credential.secret } : {}),
    AUTHORITY_HOST: config.AUTHORITY_HOST,
    GRAPH_BASE_URL: config.GRAPH_BASE_URL,
  };
}

/** Node or V8 flags a benchmark takes from an environment variable (space-separated) for a process it starts. */
export const nodeFlagsFrom = (name: string): string[] => (process.env[name] ?? '').split(' ').filter(Boolean);

/** Under tsx, the backend's entry point as `npx tsx backend/src/main.ts` runs it. */
export const SOURCE_MAIN = ['--import', 'tsx', path.join(root, 'backend/src/main.ts')];

/** Runs the real backend entry point (backend/src/main.ts, or `main`: a built one) as its own process. */
export async function spawnBackend(config: Config, overrides: Record<string, string> = {}, main = SOURCE_MAIN): Promise<BackendProcess> {
  const port = await freePort();
  // Started as `npm start` and a deployment start it: with the memory settings (backend/src/memory-env.ts).
  const env = withMemoryEnv({
    ...process.env,
    ...configEnv(config),
    PORT: String(port),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  });
  // BENCH_CPU_PROFILE=1 (test/bench/probes.ts): the backend writes CPU.<date>.<pid>….cpuprofile here when it stops.
  const profile = process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=.'] : [];
  const child = spawn(process.execPath, [...profile, ...main], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor('the backend process to answer /healthz', async () => {
    if (child.exitCode !== null) throw new Error(`backend process exited with ${child.exitCode}`);
    return fetch(`${url}/healthz`).then((r) => (r.ok ? true : undefined), () => undefined);
  }, 60_000);
  return {
    url,
    child,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

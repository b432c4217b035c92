import { randomUUID } from 'node:crypto';
import { startEmulator, type EmulatorHandle } from '../../emulator/src/index';
import { loadConfig, type Config } from '../../backend/src/config';
import { createLogger } from '../../backend/src/log';
import { startBackend, type RunningBackend } from '../../backend/src/server';
import { openStore, type Store } from '../../backend/src/store';
import { tenantEnv } from './tenant-env';
import { dropDatabases } from './db';

export interface Stack {
  emulator: EmulatorHandle;
  backend: RunningBackend;
  store: Store;
  config: Config;
  /** Calls the backend API as a tenant user (UPN), with a token the emulator signed. */
  api(user: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export interface StackOptions {
  seed?: 'demo' | 'empty' | { users: number; messagesPerUser: number };
  timeScale?: number;
  throttle?: { concurrency?: number; requestsPerWindow?: number; windowSeconds?: number } | false;
  /** Worker slots of the backend; 0 = API only. */
  workers?: number;
  /** Share a database between stacks (two backends, one archive). */
  dbName?: string;
  /** A database server of the test's own instead of the run's (MONGODB_URI). */
  uri?: string;
  /** More backend settings (the SMTP gateway's, say); they win over the ones set here. */
  env?: Record<string, string>;
}

/** The real parts, wired as in production: emulator over HTTPS, database, backend over HTTP. */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const uri = opts.uri ?? process.env.MONGODB_URI;
  if (!uri) throw new Error('MONGODB_URI is not set: run tests with `npm test` or `npx tsx test/run.ts <file>`');
  const emulator = await startEmulator({ seed: opts.seed ?? 'demo', timeScale: opts.timeScale ?? 0.01, throttle: opts.throttle });
  const dbName = opts.dbName ?? `test_${randomUUID().slice(0, 8)}`;
  const config = loadConfig({
    MONGODB_URI: uri,
    MONGODB_DB: dbName,
    ...tenantEnv(emulator),
    PORT: '0',
    WORKER_CONCURRENCY: String(opts.workers ?? 8),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...opts.env,
  });
  // A backend that fails to start (a port taken) must not leave the emulator keeping the test's process alive.
  const backend = await startBackend(config, createLogger(config.LOG_LEVEL)).catch(async (err: unknown) => {
    await emulator.close();
    throw err;
  });
  const store = await openStore({ uri, dbName });
  return {
    emulator,
    backend,
    store,
    config,
    async api(user, method, path, body) {
      const token = await emulator.issueUserToken(user);
      const res = await fetch(`${backend.url}/api${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      // A non-JSON answer (a raw message, say) comes back as text instead of failing to parse.
      const json = res.headers.get('content-type')?.includes('json');
      return { status: res.status, body: !text ? null : json ? JSON.parse(text) : text };
    },
    async close() {
      await backend.close();
      await dropDatabases(store).catch(() => undefined);
      await store.close();
      await emulator.close();
    },
  };
}

/** Polls until `check` returns a value (not undefined), or fails with the last state seen. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

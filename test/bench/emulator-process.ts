import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { nodeFlagsFrom } from '../helpers/process';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface EmulatorInfo {
  url: string;
  tenantId: string;
  authority: string;
  graphBaseUrl: string;
  caCertPath: string;
  apps: { backend: { clientId: string; clientSecret: string } };
}

/** The emulator in a process of its own, so the backend's memory and CPU are measured alone. */
export interface EmulatorProcess {
  info: EmulatorInfo;
  pid: number;
  /** Graph requests counted by the emulator (every $batch part counts), optionally for one mailbox or path. */
  requests(filter?: { mailbox?: string; pathIncludes?: string }): Promise<number>;
  resetStats(): Promise<void>;
  /** A token for the backend API, signed by the emulator, as the Teams tab would send. */
  userToken(upn: string): Promise<string>;
  close(): Promise<void>;
}

export async function startEmulatorProcess(seed: string): Promise<EmulatorProcess> {
  // BENCH_EMULATOR_NODE_ARGS: e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (written when it stops).
  const args = [...nodeFlagsFrom('BENCH_EMULATOR_NODE_ARGS'), '--import', 'tsx', 'emulator/src/main.ts', '--port', '0', '--seed', seed, '--time-scale', '1'];
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.on('data', (d: Buffer) => process.stderr.write(`[emulator] ${d.toString('utf8')}`));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const info = await new Promise<EmulatorInfo>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      lines.close();
      try {
        resolve(JSON.parse(line) as EmulatorInfo);
      } catch {
        reject(new Error(`the emulator printed ${line} instead of its JSON line`));
      }
    });
    child.once('exit', (code) => reject(new Error(`the emulator exited with ${code} before it was ready`)));
  });
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${info.url}/_emulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} /_emulator${path} answered ${res.status}: ${await res.text()}`);
    return res.status === 204 ? null : ((await res.json()) as Record<string, unknown>);
  };
  return {
    info,
    pid: child.pid!,
    async requests(filter = {}) {
      const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => typeof e[1] === 'string'));
      return Number((await control('GET', `/stats?${query}`))!.requests);
    },
    async resetStats() {
      await control('DELETE', '/stats');
    },
    async userToken(upn) {
      return String((await control('POST', '/token', { user: upn }))!.access_token);
    },
    async close() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

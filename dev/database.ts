import { spawn, type ChildProcess } from 'node:child_process';
import { constants, existsSync, realpathSync } from 'node:fs';
import { access, chmod, cp, mkdir, mkdtemp, open, readFile, readdir, rename, rm, statfs, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pingDatabase, redactUri } from '../backend/src/store';

/**
 * A MongoDB-compatible server for tests and the demo: MONGODB_URI if set, else `mongod` from the
 * PATH, else FerretDB 1.24 on SQLite (built once into .tools/ from the Go module).
 */
export type DatabaseKind = 'external' | 'mongod' | 'ferretdb';

export interface RunningDatabase {
  uri: string;
  kind: DatabaseKind;
  /** Idempotent; never rejects. */
  stop(): Promise<void>;
  /** Sends a signal to a server this harness started (tests freeze one with SIGSTOP, crash it with SIGKILL). */
  signal?(name: NodeJS.Signals): void;
}

export interface StartDatabaseOptions {
  /** Keep the data here (a `mongod/` or `ferretdb/` subfolder). Default: a temporary folder removed at stop. */
  dataDir?: string;
  log?: (line: string) => void;
  /** Listen on this loopback port instead of a free one. */
  port?: number;
  /** Start a server of its own even where MONGODB_URI names one (a test that stops its database). */
  own?: boolean;
}

export type DatabaseErrorCode =
  | 'DB_UNREACHABLE'
  | 'DB_NO_TOOLCHAIN'
  | 'DB_NO_PORT'
  | 'DB_PORT_IN_USE'
  | 'DB_DISK_FULL'
  | 'DB_BUILD_FAILED'
  | 'DB_EXITED'
  | 'DB_NOT_READY';

export class DatabaseError extends Error {
  constructor(
    readonly code: DatabaseErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DatabaseError';
  }
}

export const REPO_DIR = fileURLToPath(new URL('..', import.meta.url));
export const TOOLS_DIR = join(REPO_DIR, '.tools');
const FERRETDB_VERSION = 'v1.24.2';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const MIN_FREE_BYTES = 256 * 1024 * 1024;
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export async function startDatabase(opts: StartDatabaseOptions = {}): Promise<RunningDatabase> {
  const log = opts.log ?? (() => undefined);
  const external = opts.own ? undefined : process.env.MONGODB_URI;
  if (external) {
    try {
      await pingDatabase(external, 5_000);
    } catch (err) {
      throw new DatabaseError(
        'DB_UNREACHABLE',
        `MONGODB_URI is set but no server answers at ${redactUri(external)} (${reason(err)}). ` +
          'Start that server, correct MONGODB_URI, or unset it to let the harness start a local database.',
      );
    }
    return { uri: external, kind: 'external', stop: async () => undefined };
  }
  if (opts.port !== undefined) await checkPortFree(opts.port);
  const mongod = await findExecutable('mongod');
  const kind: DatabaseKind = mongod ? 'mongod' : 'ferretdb';
  const binary = mongod ?? (await ensureFerretDB(TOOLS_DIR, log));
  const dir = opts.dataDir ? resolve(opts.dataDir, kind) : undefined;
  return launch({ kind, binary, dataDir: dir, port: opts.port, log });
}

interface LaunchPlan {
  kind: 'mongod' | 'ferretdb';
  binary: string;
  dataDir: string | undefined;
  port: number | undefined;
  log: (line: string) => void;
}

async function launch(plan: LaunchPlan): Promise<RunningDatabase> {
  const parent = plan.dataDir ?? tmpdir();
  await mkdir(parent, { recursive: true });
  await checkFreeSpace(parent);
  // A free port found now can be taken before the server binds it; only then is a retry useful.
  for (let attempt = 1; ; attempt += 1) {
    const port = plan.port ?? (await freePort());
    if (plan.port !== undefined) await checkPortFree(port);
    const dir = plan.dataDir ?? (await mkdtemp(join(tmpdir(), `m365-archive-${plan.kind}-`)));
    await mkdir(dir, { recursive: true });
    const cleanup = plan.dataDir ? async () => undefined : () => rm(dir, { recursive: true, force: true });
    try {
      return await launchOnce(plan, port, dir, cleanup);
    } catch (err) {
      await cleanup();
      const raced = err instanceof DatabaseError && err.code === 'DB_EXITED' && /address already in use/i.test(err.message);
      if (!raced || plan.port !== undefined || attempt === 3) throw err;
    }
  }
}

/** FerretDB's SQLite directory; FERRETDB_SQLITE_PRAGMAS (comma-separated, e.g. `synchronous(normal)`) adds pragmas for experiments. */
function sqliteUrl(dir: string): string {
  const url = new URL(pathToFileURL(`${dir}/`).href);
  for (const pragma of (process.env.FERRETDB_SQLITE_PRAGMAS ?? '').split(',').filter(Boolean)) url.searchParams.append('_pragma', pragma);
  return url.href;
}

async function launchOnce(plan: LaunchPlan, port: number, dir: string, cleanup: () => Promise<unknown>) {
  const args =
    plan.kind === 'mongod'
      ? ['--bind_ip', '127.0.0.1', '--port', String(port), '--dbpath', dir, '--quiet']
      : [
          '--handler=sqlite',
          `--sqlite-url=${sqliteUrl(dir)}`,
          `--listen-addr=127.0.0.1:${port}`,
          '--telemetry=disable',
          // Its default 127.0.0.1:8088 would clash between two instances; FERRETDB_DEBUG_ADDR serves its pprof (profiling).
          `--debug-addr=${process.env.FERRETDB_DEBUG_ADDR ?? '-'}`,
          `--state-dir=${dir}`,
          '--log-level=warn',
        ];
  plan.log(`Starting ${plan.kind} on 127.0.0.1:${port} (data in ${dir})`);
  const server = new ServerProcess(spawn(plan.binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
  const uri = `mongodb://127.0.0.1:${port}/`;
  try {
    await server.waitReady(uri, plan.kind);
  } catch (err) {
    await server.stop();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    uri,
    kind: plan.kind,
    stop: () =>
      (stopping ??= (async () => {
        await server.stop();
        await cleanup().catch((err: unknown) => plan.log(`Could not remove ${dir}: ${reason(err)}`));
      })()),
    signal: (name) => server.signal(name),
  } satisfies RunningDatabase;
}

/** A child server: keeps the tail of its output for error messages, and dies with this process. */
class ServerProcess {
  private readonly tail: string[] = [];
  private readonly exited: Promise<void>;
  private exitStatus: string | null = null;
  private readonly killOnExit = () => this.child.kill('SIGKILL');

  constructor(private readonly child: ChildProcess) {
    const keep = (data: Buffer) => {
      this.tail.push(...data.toString('utf8').split('\n').filter(Boolean));
      this.tail.splice(0, Math.max(0, this.tail.length - 30));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((done) => {
      child.once('error', (err) => {
        this.exitStatus = `could not be started: ${err.message}`;
        done();
      });
      child.once('exit', (code, signal) => {
        this.exitStatus ??= signal ? `was killed by ${signal}` : `exited with code ${code}`;
        done();
      });
    });
    process.once('exit', this.killOnExit);
  }

  async waitReady(uri: string, kind: string): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (this.exitStatus !== null) {
        throw new DatabaseError('DB_EXITED', `${kind} ${this.exitStatus} before it was ready. Its last output:\n${this.output()}`);
      }
      try {
        await pingDatabase(uri, 1_000);
        return;
      } catch (err) {
        lastError = err;
        await sleep(200);
      }
    }
    throw new DatabaseError(
      'DB_NOT_READY',
      `${kind} did not answer a ping within ${READY_TIMEOUT_MS / 1000} s (${reason(lastError)}). Its last output:\n${this.output()}`,
    );
  }

  signal(name: NodeJS.Signals): void {
    if (this.exitStatus === null) this.child.kill(name);
  }

  async stop(): Promise<void> {
    process.removeListener('exit', this.killOnExit);
    if (this.exitStatus !== null) return;
    this.child.kill('SIGTERM');
    const patience = new AbortController();
    const stopped = await Promise.race([
      this.exited.then(() => true),
      sleep(STOP_TIMEOUT_MS, false, { signal: patience.signal }).catch(() => true),
    ]);
    patience.abort();
    if (!stopped) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  private output(): string {
    return this.tail.length ? this.tail.map((l) => `  ${l}`).join('\n') : '  (nothing)';
  }
}

/**
 * The FerretDB binary in `toolsDir`, built from the Go module on first use. `go install` alone
 * yields a binary that panics at start: the module zip lacks build/version/version.txt.
 */
export async function ensureFerretDB(toolsDir: string, log: (line: string) => void): Promise<string> {
  const binary = join(toolsDir, 'ferretdb');
  if (await isUsableFerretDB(binary)) return binary;
  await mkdir(toolsDir, { recursive: true });
  const release = await buildLock(join(toolsDir, 'ferretdb.build.lock'), log);
  try {
    if (await isUsableFerretDB(binary)) return binary;
    await buildFerretDB(binary, log);
    return binary;
  } finally {
    await release();
  }
}

async function isUsableFerretDB(binary: string): Promise<boolean> {
  if (!existsSync(binary)) return false;
  const { code, output } = await run(binary, ['--version'], {});
  return code === 0 && output.includes(`version: ${FERRETDB_VERSION}`);
}

async function buildFerretDB(binary: string, log: (line: string) => void): Promise<void> {
  const go = await findExecutable('go');
  if (!go) {
    throw new DatabaseError(
      'DB_NO_TOOLCHAIN',
      'No database available: MONGODB_URI is not set, `mongod` is not on the PATH, and FerretDB cannot be ' +
        'built because the Go toolchain (`go`) is not on the PATH. Do one of: set MONGODB_URI to a MongoDB 6+ ' +
        'server; install MongoDB so that `mongod` is on the PATH; or install Go 1.22+ (https://go.dev/dl/) so ' +
        `that FerretDB ${FERRETDB_VERSION} is built into ${binary} (once, about a minute).`,
    );
  }
  log(`Building FerretDB ${FERRETDB_VERSION} into ${binary} (first run only, about a minute)…`);
  const download = await run(go, ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], {});
  const moduleDir = parseModuleDir(download.output);
  if (download.code !== 0 || !moduleDir) buildFailed('`go mod download` failed', download.output);
  const work = await mkdtemp(join(tmpdir(), 'ferretdb-build-'));
  try {
    const src = join(work, 'src');
    await cp(moduleDir, src, { recursive: true });
    await makeWritable(src); // the module cache is read-only
    await writeFile(join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    const partial = `${binary}.partial-${process.pid}`;
    const build = await run(go, ['build', '-trimpath', '-o', partial, './cmd/ferretdb'], { cwd: src });
    if (build.code !== 0) {
      await rm(partial, { force: true });
      buildFailed('`go build` failed', build.output);
    }
    await rename(partial, binary);
    log(`Built ${binary}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function parseModuleDir(output: string): string | null {
  try {
    const info = JSON.parse(output) as { Dir?: string; Error?: string };
    return info.Dir ?? null;
  } catch {
    return null;
  }
}

function buildFailed(what: string, output: string): never {
  const tail = output.trim().split('\n').slice(-25).map((l) => `  ${l}`).join('\n');
  throw new DatabaseError(
    'DB_BUILD_FAILED',
    `Could not build FerretDB ${FERRETDB_VERSION}: ${what}. Go's output ends with:\n${tail}\n` +
      'Fix the cause (network access to proxy.golang.org, disk space, Go version), set MONGODB_URI, or install mongod.',
  );
}

async function makeWritable(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    await chmod(join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
  }
  await chmod(dir, 0o755);
}

/** Only one process builds; the others wait for it. A lock left by a dead process is taken over. */
async function buildLock(lockFile: string, log: (line: string) => void): Promise<() => Promise<void>> {
  let announced = false;
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => unlink(lockFile).catch(() => undefined);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(await readFile(lockFile, 'utf8').catch(() => ''));
    if (holder && !isAlive(holder)) {
      await unlink(lockFile).catch(() => undefined);
      continue;
    }
    if (!announced) log(`Waiting for process ${holder || '?'} to finish building FerretDB…`);
    announced = true;
    await sleep(1_000);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function findExecutable(name: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this PATH entry
    }
  }
  return null;
}

function run(command: string, args: string[], options: { cwd?: string }): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => out.push(d));
    child.once('error', (err) => done({ code: -1, output: err.message }));
    child.once('close', (code) => done({ code: code ?? -1, output: Buffer.concat(out).toString('utf8') }));
  });
}

async function checkFreeSpace(dir: string): Promise<void> {
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  if (free < MIN_FREE_BYTES) {
    throw new DatabaseError(
      'DB_DISK_FULL',
      `Not enough free disk space for the database in ${dir}: ${mb(free)} free, at least ${mb(MIN_FREE_BYTES)} needed. ` +
        'Free some space, or point TMPDIR (or the dataDir option) at a disk with room.',
    );
  }
}

/** Where free ports are picked: below the kernels' ephemeral ranges (Linux 32768–60999, macOS 49152–65535). */
const PORTS_FROM = 20_000;
const PORTS_TO = 32_000;

/**
 * A loopback port that is free now, for a server that listens on it a moment later (and again
 * after a restart). Not one the kernel hands out for port 0: those are the ports it also gives
 * outgoing connections, one of which may take it before the server listens, or while the server
 * restarts (EADDRINUSE, now and then, in a busy test run).
 */
export async function freePort(): Promise<number> {
  let last: unknown;
  for (let tries = 0; tries < 100; tries += 1) {
    const port = PORTS_FROM + Math.floor(Math.random() * (PORTS_TO - PORTS_FROM));
    try {
      await checkPortFree(port);
      return port;
    } catch (err) {
      last = err;
    }
  }
  throw new DatabaseError('DB_NO_PORT', `No free TCP port on 127.0.0.1 between ${PORTS_FROM} and ${PORTS_TO}: ${reason(last)}`);
}

function checkPortFree(port: number): Promise<void> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      fail(
        err.code === 'EADDRINUSE'
          ? new DatabaseError(
              'DB_PORT_IN_USE',
              `Port 127.0.0.1:${port} is already in use, so the database cannot listen there. ` +
                'Stop whatever uses it, or choose another port (or none, for a free one).',
            )
          : new DatabaseError('DB_NO_PORT', `Cannot listen on 127.0.0.1:${port}: ${err.message}`),
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => done()));
  });
}

function mb(bytes: number): string {
  return `${Math.floor(bytes / 1024 / 1024)} MB`;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function main(): Promise<void> {
  const log = (line: string) => console.error(line);
  // --prepare: make sure a database can start (builds FerretDB once if that is what will be
  // used), start it, check it answers, stop. CI runs this so the build stays out of test timings.
  if (process.argv.includes('--prepare')) {
    const db = await startDatabase({ log });
    console.log(`database ready: ${db.kind}`);
    await db.stop();
    return;
  }
  const db = await startDatabase({ log });
  console.log(`MONGODB_URI=${db.uri}`);
  console.error(`${db.kind} is running; Ctrl+C stops it.`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await db.stop();
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(reason(err));
    process.exit(1);
  });
}

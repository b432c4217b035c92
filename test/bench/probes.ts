import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildBackend } from '../../backend/scripts/build';
import { randomBytes } from 'node:crypto';
import type { Config } from '../../backend/src/config';
import { SOURCE_MAIN, nodeFlagsFrom, spawnBackend, type BackendProcess } from '../helpers/process';
import { scrapeMetrics } from '../helpers/metrics';
import { readStat, statCpuSeconds } from '../../backend/src/workers/thread-stats';
import { dbCommandsOf, type CommandCost } from './db-commands';

const BENCH_BUILD = path.resolve(import.meta.dirname, '../../node_modules/.cache/m365-archive-bench');

/**
 * The backend a benchmark spawns: the production build, bundled from the working tree now as
 * `npm run build` does (into node_modules/.cache, so that its npm packages resolve), and started
 * with `node` as `npm run start:prod` does; BENCH_TSX=1 runs the sources under tsx instead. Its
 * processes log nothing unless BENCH_LOG_LEVEL says so and serve their metrics behind one token.
 */
export async function benchBackend() {
  const tsx = Boolean(process.env.BENCH_TSX);
  if (!tsx) await buildBackend(BENCH_BUILD);
  const main = tsx ? SOURCE_MAIN : [path.join(BENCH_BUILD, 'backend/main.js')];
  const metricsToken = randomBytes(16).toString('hex');
  const extraNodeArgs = nodeFlagsFrom('BENCH_NODE_ARGS');
  return {
    label: tsx ? 'under tsx' : 'production build',
    metricsToken,
    /**
     * `nodeArgs` go before the entry point (V8 and Node flags), then BENCH_NODE_ARGS: flags given on
     * the command line win over NODE_OPTIONS (withMemoryEnv), so a run can try other memory settings
     * on the backend alone.
     */
    spawn: (config: Config, env: Record<string, string>, nodeArgs: string[] = []) =>
      spawnBackend(config, { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent', METRICS_TOKEN: metricsToken, ...env }, [...nodeArgs, ...extraNodeArgs, ...main]),
    state: (backend: BackendProcess) => backendState(backend.url, metricsToken, backend.child.pid!),
  };
}

/** A size field of /proc/<pid>/status (Linux, kB → bytes): VmRSS now, VmHWM the peak. */
function vmStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** Peak resident set of a process since it started, or since `resetPeakRss`. */
export const vmHwm = (pid: number) => vmStatus(pid, 'VmHWM');
export const vmRss = (pid: number) => vmStatus(pid, 'VmRSS');

/** Starts a new peak for `vmHwm`: writing 5 to clear_refs resets it to the current RSS (Linux ≥ 4.0, proc(5)). */
function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** What a spawned backend's /proc and metrics say about it now; a phase is told by two of these. */
export interface BackendState {
  rss: number;
  /** Since the process started or `resetPeakRss`. */
  peakRss: number;
  heapUsed: number;
  /** What V8 holds for its heap, used or not. */
  heapTotal: number;
  external: number;
  /** Event-loop delay since the previous scrape (prom-client resets its histogram at each). */
  eventLoop: { meanMs: number; p99Ms: number; maxMs: number };
  /** Database commands since the process started. */
  commands: Map<string, CommandCost>;
  /** CPU seconds since the process started by thread: 'main', each worker pool by name, 'other' (empty off Linux). */
  threadCpu: Map<string, number>;
  /** Each worker pool's V8 heaps, now and at most so far (bytes). */
  workerHeap: Map<string, { now: number; peak: number }>;
}

async function backendState(url: string, metricsToken: string, pid: number): Promise<BackendState> {
  const samples = await scrapeMetrics(url, metricsToken);
  const ms = (name: string) => (samples.get(`nodejs_eventloop_lag_${name}_seconds`) ?? Number.NaN) * 1000;
  return {
    rss: vmRss(pid),
    peakRss: vmHwm(pid),
    heapUsed: samples.get('nodejs_heap_size_used_bytes') ?? Number.NaN,
    heapTotal: samples.get('nodejs_heap_size_total_bytes') ?? Number.NaN,
    external: samples.get('nodejs_external_memory_bytes') ?? Number.NaN,
    eventLoop: { meanMs: ms('mean'), p99Ms: ms('p99'), maxMs: ms('max') },
    commands: dbCommandsOf(samples),
    threadCpu: labelled(samples, 'm365archive_thread_cpu_seconds_total', 'thread'),
    workerHeap: new Map(
      [...labelled(samples, 'm365archive_worker_heap_bytes', 'pool')].map(([pool, now]) => [pool, { now, peak: samples.get(`m365archive_worker_heap_peak_bytes{pool="${pool}"}`) ?? now }]),
    ),
  };
}

/** A metric's samples by the value of its one label. */
function labelled(samples: Map<string, number>, metric: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  const pattern = new RegExp(`^${metric}\\{${label}="([^"]+)"\\}$`);
  for (const [key, value] of samples) {
    const name = pattern.exec(key)?.[1];
    if (name) out.set(name, value);
  }
  return out;
}

/** The peak RSS of a process over a phase: a fresh peak starts now, `stop` reads it. */
export function peakRss(pid = process.pid) {
  resetPeakRss(pid);
  return { stop: () => vmHwm(pid) };
}

/**
 * CPU seconds used so far by the backend and emulator processes and by the database server
 * (found by name among this process's children). Linux /proc; NaN elsewhere and for a database
 * this process did not start (MONGODB_URI).
 */
export function cpuSeconds(backendPid: number, emulatorPid: number): { backend: number; emulator: number; database: number } {
  return {
    backend: procCpu(backendPid),
    emulator: procCpu(emulatorPid),
    database: childrenNamed(/^(ferretdb|mongod)$/).reduce((sum, pid) => sum + procCpu(pid), 0) || Number.NaN,
  };
}

export function diffCpu(a: ReturnType<typeof cpuSeconds>, b: ReturnType<typeof cpuSeconds>) {
  return { backend: b.backend - a.backend, emulator: b.emulator - a.emulator, database: b.database - a.database };
}

const procCpu = (pid: number): number => statCpuSeconds(`/proc/${pid}/stat`) ?? Number.NaN;

function childrenNamed(name: RegExp): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  return entries.map(Number).filter((pid) => {
    const stat = readStat(`/proc/${pid}/stat`);
    return stat !== null && name.test(stat.comm) && Number(stat.fields[1]) === process.pid;
  });
}

export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildBackend } from '../../backend/scripts/build';
import { SOURCE_MAIN } from '../helpers/process';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

const BENCH_BUILD = path.resolve(import.meta.dirname, '../../node_modules/.cache/m365-archive-bench');

/**
 * The backend a benchmark spawns: the production build, bundled from the working tree now as
 * `npm run build` does (into node_modules/.cache, so that its npm packages resolve), and started
 * with `node` as `npm run start:prod` does; BENCH_TSX=1 runs the sources under tsx instead.
 */
export async function benchBackend(): Promise<{ main: string[]; label: string }> {
  if (process.env.BENCH_TSX) return { main: SOURCE_MAIN, label: 'under tsx' };
  await buildBackend(BENCH_BUILD);
  return { main: [path.join(BENCH_BUILD, 'backend/main.js')], label: 'production build' };
}

/** Peak resident set of a process (Linux /proc, kB → bytes). */
export function vmHwm(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** Peak resident memory of this process (the backend runs in it), sampled every `everyMs`. */
export interface MemoryPeak {
  rss: number;
  /** JS heap in use when RSS peaked, and the most it reached. */
  heapAtPeak: number;
  heapMax: number;
  /** Buffers and other memory outside the JS heap when RSS peaked. */
  externalAtPeak: number;
}

/** Peak RSS of this process, with what the heap and buffers held then: where the memory went. */
export function sampleRss(everyMs = 100) {
  const peak: MemoryPeak = { rss: 0, heapAtPeak: 0, heapMax: 0, externalAtPeak: 0 };
  const sample = () => {
    const now = process.memoryUsage();
    peak.heapMax = Math.max(peak.heapMax, now.heapUsed);
    if (now.rss > peak.rss) Object.assign(peak, { rss: now.rss, heapAtPeak: now.heapUsed, externalAtPeak: now.external });
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop(): MemoryPeak {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

/** How long this process's event loop was blocked: the backend's API, crawl and ingest share it. */
export function watchEventLoop() {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return {
    stop(): { meanMs: number; p99Ms: number; maxMs: number } {
      histogram.disable();
      return { meanMs: histogram.mean / 1e6, p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
    },
  };
}

/**
 * CPU seconds used so far by this process and by the named children (the emulator by pid, the
 * database server found by name among this process's children). Linux /proc; NaN elsewhere and
 * for a database this process did not start (MONGODB_URI).
 */
export function cpuSeconds(emulatorPid: number): { backend: number; emulator: number; database: number } {
  const own = process.cpuUsage();
  return {
    backend: (own.user + own.system) / 1e6,
    emulator: procCpu(emulatorPid),
    database: childrenNamed(/^(ferretdb|mongod)$/).reduce((sum, pid) => sum + procCpu(pid), 0) || Number.NaN,
  };
}

export function diffCpu(a: ReturnType<typeof cpuSeconds>, b: ReturnType<typeof cpuSeconds>) {
  return { backend: b.backend - a.backend, emulator: b.emulator - a.emulator, database: b.database - a.database };
}

function procCpu(pid: number): number {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND : Number.NaN;
}

/** Fields after `pid (comm)` of /proc/<pid>/stat: [0] state, [1] ppid, … [11] utime, [12] stime. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function childrenNamed(name: RegExp): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  return entries.map(Number).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      return name.test(comm) && Number(statFields(pid)?.[1]) === process.pid;
    } catch {
      return false;
    }
  });
}

export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

/**
 * BENCH_CPU_PROFILE=1 profiles this process (where a benchmark runs the backend in it) from now
 * until `stop`, and writes `<name>.cpuprofile`, which Chrome's DevTools and speedscope open:
 * where the backend's share of the cores goes. Backends a benchmark spawns profile themselves
 * under the same switch (test/helpers/process.ts).
 */
export async function cpuProfile(name: string): Promise<{ stop(): Promise<void> }> {
  if (!process.env.BENCH_CPU_PROFILE) return { stop: async () => undefined };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(`${name}.cpuprofile`, JSON.stringify(profile));
      session.disconnect();
      console.error(`CPU profile written: ${name}.cpuprofile`);
    },
  };
}

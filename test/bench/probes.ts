import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Peak resident memory of this process (the backend runs in it), sampled every `everyMs`. */
export function sampleRss(everyMs = 100) {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, everyMs);
  return {
    stop(): number {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
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

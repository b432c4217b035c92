import { readFileSync, readlinkSync } from 'node:fs';

/**
 * CPU time and V8 heaps by thread, for the metrics. A process total alone cannot say which thread
 * is the bottleneck, or whose memory the RSS is: in `bench:archive` the main thread took 128 s of
 * the backend's 276 s of CPU, the index worker 63 s and V8's four helper threads 79 s (mostly
 * concurrent marking). CPU: the event loop's thread, each worker pool's threads, and the rest of
 * the process (V8's garbage collection and compiler threads, libuv's pool for zlib, files and
 * crypto); Linux only (/proc), null elsewhere. Heaps: each pool's workers report theirs with every
 * answer.
 */

/** /proc reports thread times in USER_HZ, which Linux fixes at 100 for user space. */
const TICKS_PER_SECOND = 100;

/** The kernel's id of the calling thread (/proc/thread-self names it), or null off Linux. */
export function ownThreadId(): number | null {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').at(-1)) || null;
  } catch {
    return null;
  }
}

/** User and system CPU seconds of one of this process's threads; null once it has ended, or off Linux. */
export function threadCpuSeconds(tid: number): number | null {
  return statCpuSeconds(`/proc/self/task/${tid}/stat`);
}

/** User and system CPU seconds in a /proc stat file (a process's or a thread's); null when it cannot be read. */
export function statCpuSeconds(path: string): number | null {
  const stat = readStat(path);
  return stat ? (Number(stat.fields[11]) + Number(stat.fields[12])) / TICKS_PER_SECOND : null;
}

/**
 * A /proc stat file (a process's or a thread's): its command name, and the fields after it (state
 * is [0], the parent's pid [1], utime [11], stime [12]); null when it cannot be read.
 */
export function readStat(path: string): { comm: string; fields: string[] } | null {
  try {
    const stat = readFileSync(path, 'utf8');
    // The command name may hold spaces and parentheses: it ends at the last ')'.
    const end = stat.lastIndexOf(')');
    return { comm: stat.slice(stat.indexOf('(') + 1, end), fields: stat.slice(end + 2).split(' ') };
  } catch {
    return null;
  }
}

/** What a worker pool tells about its threads. */
export interface ThreadGroup {
  name: string;
  /** CPU seconds of its threads since the process started, ended threads included. */
  cpuSeconds(): number;
  /** What its threads' V8 heaps hold now (as of each one's last answer), and at most so far. */
  heapBytes(): { now: number; peak: number };
}

const groups = new Set<ThreadGroup>();

export function registerThreadGroup(group: ThreadGroup): void {
  groups.add(group);
}

/** CPU seconds by thread group: 'main', each pool by name (pools of one name summed), 'other'. */
export function cpuByThread(): Map<string, number> | null {
  const main = threadCpuSeconds(process.pid);
  if (main === null) return null;
  const out = new Map<string, number>([['main', main]]);
  for (const g of groups) out.set(g.name, (out.get(g.name) ?? 0) + g.cpuSeconds());
  const usage = process.cpuUsage();
  const accounted = [...out.values()].reduce((a, b) => a + b, 0);
  out.set('other', Math.max(0, (usage.user + usage.system) / 1e6 - accounted));
  return out;
}

/** Worker pools' V8 heaps by pool name: the main thread's is in the default metrics (nodejs_heap_size_total_bytes). */
export function heapByPool(): Map<string, { now: number; peak: number }> {
  const out = new Map<string, { now: number; peak: number }>();
  for (const g of groups) {
    const { now, peak } = g.heapBytes();
    const sum = out.get(g.name) ?? { now: 0, peak: 0 };
    out.set(g.name, { now: sum.now + now, peak: sum.peak + peak });
  }
  return out;
}

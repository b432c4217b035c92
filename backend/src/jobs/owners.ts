import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Names a worker in the leases it holds: `host:pid:space:random`, where `space` identifies the
 * process-id space it runs in (the machine's boot and its pid namespace, so two containers on one
 * host, or one host name on two machines, never look alike). A worker that starts in the same
 * space can tell whether an owner's process still exists; if it does not (killed with SIGKILL,
 * say), its jobs are taken over at once instead of after their whole lease.
 */
export function workerName(): string {
  return `${hostname()}:${process.pid}:${pidSpace() ?? 'unknown'}:${randomBytes(3).toString('hex')}`;
}

/** True only when `owner` ran in this process-id space and its process is gone. */
export function isDeadLocalOwner(owner: string): boolean {
  const [host, pidText, space] = owner.split(':');
  const pid = Number(pidText);
  const here = pidSpace();
  if (!here || space !== here || host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // EPERM: a process with that id exists (another user's): it may be alive.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

let cached: string | null | undefined;

/** Linux: boot id and pid namespace. Elsewhere unknown, and nothing is taken over early. */
function pidSpace(): string | null {
  if (cached !== undefined) return cached;
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const namespace = readlinkSync('/proc/self/ns/pid');
    cached = createHash('sha256').update(`${boot}\n${namespace}`).digest('hex').slice(0, 12);
  } catch {
    cached = null;
  }
  return cached;
}

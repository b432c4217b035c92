import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where ingest keeps what it spills to disk (spooled messages, attachments being extracted):
 * a folder per use, named after the process, under one root. Each use removes its own folder;
 * a process killed meanwhile cannot, so every start sweeps the folders of processes that are
 * gone (runs of 100–215 MB messages interrupted by kill -9 had left 716 MB behind).
 */
export const INGEST_TEMP_ROOT = join(tmpdir(), 'm365-archive-ingest');

/** A new private folder under `root` for one spilled message or attachment. */
export async function ingestTempDir(kind: string, root = INGEST_TEMP_ROOT): Promise<string> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  return mkdtemp(join(root, `${process.pid}-${kind}-`));
}

/**
 * Removes the folders of processes that no longer run (several backends may share the root, so
 * a live one's stay). Returns how many went.
 */
export async function sweepIngestTemp(root = INGEST_TEMP_ROOT): Promise<number> {
  const names = await readdir(root).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const pid = Number(name.split('-')[0]);
    if (Number.isSafeInteger(pid) && pid > 0 && isRunning(pid)) continue;
    await rm(join(root, name), { recursive: true, force: true });
    removed += 1;
  }
  return removed;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

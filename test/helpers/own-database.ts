import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDatabase, type DatabaseKind, type RunningDatabase } from '../../dev/database';

/** A database server of a test's own, which it may stop, crash and start again on the same data and port. */
export interface OwnDatabase {
  readonly uri: string;
  readonly kind: DatabaseKind;
  /** Where the server keeps its files (FerretDB's SQLite files are under `ferretdb/`). */
  readonly dataDir: string;
  signal(name: NodeJS.Signals): void;
  stop(): Promise<void>;
  /** Starts it again on its data, at the same address. */
  start(): Promise<void>;
  /**
   * FerretDB only: stops it, runs a python3 `script` on database `dbName`'s SQLite file (its path
   * is `sys.argv[1]`, then `args`), and starts it again; how a test makes what a crash leaves.
   */
  editStopped(dbName: string, script: string, ...args: string[]): Promise<void>;
  /** Stops it and removes its data. */
  close(): Promise<void>;
}

export async function ownDatabase(): Promise<OwnDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'm365-archive-own-db-'));
  let db: RunningDatabase = await startDatabase({ own: true, dataDir });
  const port = Number(new URL(db.uri).port);
  const start = async () => void (db = await startDatabase({ own: true, dataDir, port }));
  return {
    uri: db.uri,
    kind: db.kind,
    dataDir,
    signal: (name) => db.signal!(name),
    stop: () => db.stop(),
    start,
    editStopped: async (dbName, script, ...args) => {
      await db.stop();
      execFileSync('python3', ['-c', script, join(dataDir, 'ferretdb', `${dbName}.sqlite`), ...args]);
      await start();
    },
    close: async () => {
      await db.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

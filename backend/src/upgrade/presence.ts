import { hostname } from 'node:os';
import { every } from '../jobs/every';
import { workerName } from '../jobs/owners';
import type { Logger } from '../log';
import type { Store } from '../store';
import { CODE_SCHEMA } from '../store/migrations';
import { registerProcess, removeProcess, touchProcess } from '../store/migrations/processes';
import { readSchema } from '../store/migrations/schema';
import { RELEASE } from './release';

export interface Presence {
  /** Names this process in the registry and in its job leases. */
  id: string;
  /** Settles when the database moved past this code's schema: the process must stop working at once. */
  outdated: Promise<string>;
  stop(): Promise<void>;
}

/**
 * Registers this process (store/migrations/processes.ts) and renews the entry every few seconds.
 * Each renewal also reads the schema document: once a newer release has started to upgrade the
 * database (or finished), this process's code no longer matches what is stored, and
 * `outdated` tells its owner to stop, before the newer release changes anything it relies on.
 */
export async function startPresence(store: Store, log: Logger, opts: { roles: string[]; everyMs?: number; schema?: number }): Promise<Presence> {
  // The worker's lease name too (jobs/owners.ts): a successor on this machine can tell it died.
  const id = workerName();
  const schema = opts.schema ?? CODE_SCHEMA;
  await registerProcess(store.db, { _id: id, host: hostname(), pid: process.pid, release: RELEASE, schema, roles: opts.roles });
  let tell: (reason: string) => void = () => undefined;
  const outdated = new Promise<string>((resolve) => (tell = resolve));
  const beat = async () => {
    await touchProcess(store.db, id);
    const doc = await readSchema(store.db);
    const newest = Math.max(doc?.version ?? 0, doc?.upgrading ?? 0);
    if (newest > schema) tell(`the database is at schema ${newest} (a newer release is upgrading it or has); this process runs schema ${schema}`);
  };
  // Its stop waits for a renewal under way: the database closes after this stop, and would fail it.
  const beats = every(opts.everyMs ?? 5_000, beat, (err) => log.warn({ err }, 'renewing this process in the registry failed'));
  return {
    id,
    outdated,
    stop: async () => {
      await beats.stop();
      await removeProcess(store.db, id).catch(() => undefined);
    },
  };
}

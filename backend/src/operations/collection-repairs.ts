import type { Logger } from '../log';
import { whileHolding } from '../lease-renewal';
import { collectionsRebuilt } from '../metrics';
import type { Store } from '../store';
import { restoreIdIndexes } from '../store/collection-repair';
import { leasedLock } from '../store/leased-lock';
import { isFerretDB } from '../store/server-kind';
import { isDatabaseUnavailable } from '../store/unavailable';

/** How long a sweep that died keeps others from sweeping. */
const LOCK_MS = 60_000;
/** How soon a sweep that found the database away is tried again. */
const RETRY_MS = 2_000;

/**
 * Keeps FerretDB's collections whole (store/collection-repair.ts). A collection loses its `_id`
 * index only when the database stops in the middle of creating it, so they are looked over when
 * the backend starts (the promise settles after that first look, before any work starts) and each
 * time the database went away, once it answers again; by one process of the deployment at a
 * time. Nothing to do on MongoDB.
 */
export async function keepCollectionsWhole(store: Store, log: Logger): Promise<{ stop(): void }> {
  if (!(await isFerretDB(store.db).catch(() => false))) return { stop: () => undefined };
  let sweeping: Promise<void> | null = null;
  let again = false;
  const sweep = async (): Promise<void> => {
    const run = await whileHolding(leasedLock(store, 'repair_lock', 'collections'), LOCK_MS, (signal) => restoreIdIndexes(store, signal));
    if (!run.held) return;
    const { rebuilt, duplicates, unrepairable } = run.value;
    if (unrepairable.length > 0) log.error({ unrepairable }, 'collections are without their unique _id index (the database stopped while creating them), and FerretDB 1.24 cannot rename them to rebuild them');
    if (rebuilt.length === 0) return;
    collectionsRebuilt.inc(rebuilt.length);
    log.error({ rebuilt, duplicates }, `collections that the database left without their unique _id index (it stopped while creating them) were rebuilt with it${duplicates > 0 ? `; ${duplicates} documents that had taken an _id twice are kept in repair_duplicates` : ''}`);
  };
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const request = () => {
    if (stopped) return;
    if (sweeping) return void (again = true);
    sweeping = sweep()
      .catch((err: unknown) => {
        // Still away: looked over once it is back.
        if (isDatabaseUnavailable(err)) retry = setTimeout(request, RETRY_MS);
        else log.warn({ err }, 'looking over the collections failed; again when the database next drops a connection');
      })
      .finally(() => {
        sweeping = null;
        if (!again) return;
        again = false;
        request();
      });
  };
  // The driver's monitor may not see a quick restart at all (it checks every 10 s, and retries a
  // failed check at once); a pooled connection the server dropped is the sign that it went away.
  const client = store.conn.getClient();
  const onClosed = (event: { reason: string }) => {
    if (event.reason === 'error') request();
  };
  client.on('connectionClosed', onClosed);
  request();
  await sweeping;
  return {
    stop: () => {
      stopped = true;
      clearTimeout(retry);
      client.off('connectionClosed', onClosed);
    },
  };
}

import { Gauge } from 'prom-client';
import type { Store } from '../store';
import { countSpool } from '../store/journal-spool';
import { SIZE_EVERY_MS, jobCounts, latestDatabaseSize, owedMessages, runCounts } from '../store/operations';
import { registry } from './index';

/**
 * Gauges read from the database when Prometheus scrapes: the same for every process of a
 * deployment (scrape one, or take the max). A scrape while the database is away keeps the
 * values of the last good one; the readiness probe says why.
 */
const sources: Store[] = [];

/** Reads the gauges from `store` until the returned function is called (the newest store wins: tests run several). */
export function watchDatabase(store: Store): () => void {
  sources.push(store);
  return () => void sources.splice(sources.indexOf(store), 1);
}

function gauge(name: string, help: string, labelNames: string[], read: (store: Store, set: (labels: Record<string, string>, value: number) => void) => Promise<void>) {
  return new Gauge({
    name: `m365archive_${name}`,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      const source = sources.at(-1);
      if (!source) return;
      const values: [Record<string, string>, number][] = [];
      try {
        await read(source, (labels, value) => values.push([labels, value]));
      } catch {
        return;
      }
      this.reset();
      for (const [labels, value] of values) this.set(labels, value);
    },
  });
}

gauge('runs', 'Archiving runs by status', ['status'], async ({ db }, set) => {
  for (const [status, n] of Object.entries(await runCounts(db))) set({ status }, n);
});
gauge('jobs', 'Unfinished jobs by type and status (queued includes retries waiting for their time)', ['type', 'status'], async ({ db }, set) => {
  for (const j of await jobCounts(db)) set({ type: j.type, status: j.status }, j.count);
});
gauge('job_queue_depth', 'Queued jobs whose time has come, by type: work waiting for a free worker', ['type'], async ({ db }, set) => {
  for (const j of await jobCounts(db)) if (j.status === 'queued') set({ type: j.type }, j.due);
});
gauge('journal_reports_queued', 'Journal reports spooled and not yet processed (held ones included)', [], async ({ conn }, set) => {
  set({}, await countSpool(conn));
});
gauge('messages_owed', 'Messages a crawl owes: due for a retry or waiting out its back-off (store/pending.ts)', [], async ({ db }, set) => {
  set({}, await owedMessages(db));
});
gauge('database_bytes', `Size of the database as the server counts it (read at most every ${SIZE_EVERY_MS / 60_000} minutes): data and indexes`, ['part'], async (store, set) => {
  const size = await latestDatabaseSize(store);
  set({ part: 'data' }, size.dataBytes);
  set({ part: 'index' }, size.indexBytes);
});

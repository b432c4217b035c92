import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { cpuByThread, heapByPool } from '../workers/thread-stats';

/**
 * The process's Prometheus metrics (served at /metrics, http/metrics.ts). Counters and
 * histograms count what this process did since it started; the gauges of database.ts read the
 * database at scrape time, so every process reports the same figures for the whole deployment.
 * Besides these, prom-client's defaults: RSS (`process_resident_memory_bytes`), event-loop delay
 * (`nodejs_eventloop_lag_*`), heap, GC, handles.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });

const registers = [registry];
const PREFIX = 'm365archive_';

export const messagesArchived = new Counter({
  name: `${PREFIX}messages_archived_total`,
  help: 'Messages added to an archive (a copy new to that archive), by source',
  labelNames: ['source'] as const,
  registers,
});
export const archivedBytes = new Counter({
  name: `${PREFIX}archived_bytes_total`,
  help: 'Original size of the messages added to archives, by source',
  labelNames: ['source'] as const,
  registers,
});
export const graphRequests = new Counter({
  name: `${PREFIX}graph_requests_total`,
  help: 'HTTP requests sent to Microsoft Graph (each attempt), by mailbox class and status (a code, or "network" for a dropped connection)',
  labelNames: ['mailbox_class', 'status'] as const,
  registers,
});
export const graphThrottled = new Counter({
  name: `${PREFIX}graph_throttled_total`,
  help: 'Graph answers 429 Too Many Requests, by mailbox class',
  labelNames: ['mailbox_class'] as const,
  registers,
});
export const graphRetries = new Counter({
  name: `${PREFIX}graph_retries_total`,
  help: 'Graph requests sent again after a 429, 503 or 504 (Retry-Attempt), by mailbox class',
  labelNames: ['mailbox_class'] as const,
  registers,
});
export const journalReports = new Counter({
  name: `${PREFIX}journal_reports_total`,
  help: 'Journal reports by outcome: accepted (spooled, answered 250), archived, quarantined, held',
  labelNames: ['outcome'] as const,
  registers,
});
export const journalSenderWait = new Histogram({
  name: `${PREFIX}journal_backpressure_wait_seconds`,
  help: 'How long the journal gateway held a sender\'s MAIL FROM because the backlog of unfiled reports was at SMTP_BACKLOG_LIMIT (back pressure); only held senders are counted',
  buckets: [0.25, 1, 2.5, 5, 10, 30],
  registers,
});
export const searchSeconds = new Histogram({
  name: `${PREFIX}search_duration_seconds`,
  help: 'Time to answer a search request',
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers,
});
export const leaseTakeovers = new Counter({
  name: `${PREFIX}job_lease_takeovers_total`,
  help: 'Jobs this process took over from a worker that stopped renewing its lease, by job type',
  labelNames: ['type'] as const,
  registers,
});
export const collectionsRebuilt = new Counter({
  name: `${PREFIX}collections_rebuilt_total`,
  help: 'FerretDB collections this process found without their unique _id index (the database stopped while creating them) and rebuilt',
  registers,
});
export const threadCpuSeconds = new Counter({
  name: `${PREFIX}thread_cpu_seconds_total`,
  help: 'CPU time of this process by thread: main (the event loop: API, archiving, journal gateway), each worker pool (index worker, extraction, rendering), other (V8 garbage collection and compiler threads, the libuv pool). Linux only',
  labelNames: ['thread'] as const,
  registers,
  collect() {
    const byThread = cpuByThread();
    if (!byThread) return;
    this.reset();
    for (const [thread, seconds] of byThread) this.inc({ thread }, seconds);
  },
});
/** A gauge of the worker pools' V8 heaps (heapByPool), by pool: one of their two figures. */
function poolHeapGauge(name: string, help: string, pick: (heap: { now: number; peak: number }) => number): Gauge<'pool'> {
  return new Gauge({
    name: `${PREFIX}${name}`,
    help,
    labelNames: ['pool'] as const,
    registers,
    collect() {
      for (const [pool, heap] of heapByPool()) this.set({ pool }, pick(heap));
    },
  });
}
export const workerHeapBytes = poolHeapGauge(
  'worker_heap_bytes',
  "What each worker pool's V8 heaps hold (total_heap_size, as of each worker's last answer), by pool; the main thread's is nodejs_heap_size_total_bytes",
  (heap) => heap.now,
);
export const workerHeapPeakBytes = poolHeapGauge('worker_heap_peak_bytes', "The most each worker pool's V8 heaps held together since the process started, by pool", (heap) => heap.peak);
export const dbCommandSeconds = new Histogram({
  name: `${PREFIX}db_command_duration_seconds`,
  help: 'Database commands as the driver saw them (command monitoring), by command name, collection (sx_* for the search index partitions) and outcome',
  labelNames: ['command', 'collection', 'outcome'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers,
});

/** Messages a batch added to archives: one line where every source's messages pass (ingest). */
export function countArchived(added: readonly { source: { kind: string }; size: number; inserted: boolean }[]): void {
  for (const m of added) {
    if (!m.inserted) continue;
    messagesArchived.inc({ source: m.source.kind });
    archivedBytes.inc({ source: m.source.kind }, m.size);
  }
}

/** One database command as the driver's command monitoring saw it (store/connection.ts). */
export function observeDbCommand(command: string, collection: string, seconds: number, ok: boolean): void {
  dbCommandSeconds.observe({ command, collection, outcome: ok ? 'ok' : 'error' }, seconds);
}

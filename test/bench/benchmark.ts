import { randomBytes } from 'node:crypto';
import { writeHeapSnapshot } from 'node:v8';
import { startDatabase } from '../../dev/database';
import { DEMO } from '../../emulator/src/config';
import { loadConfig } from '../../backend/src/config';
import { fetchAuthorityMetadata } from '../../backend/src/graph/authority';
import { createGraphClient } from '../../backend/src/graph/client';
import { createTokenSource } from '../../backend/src/graph/token';
import { createLogger } from '../../backend/src/log';
import { startBackend } from '../../backend/src/server';
import { openStore } from '../../backend/src/store';
import { blobCeiling, graphCeiling, ingestCeiling, loadArchived, lookupCost, parseCeiling, replayCeiling, spread } from './ceilings';
import { startEmulatorProcess, type EmulatorProcess } from './emulator-process';
import { adminApi, createAllMailboxesProfile, runToEnd, type AdminApi } from './end-to-end';
import { withCommandMonitoring } from '../helpers/db';
import { watchDbCommands } from './db-commands';
import { buildRows, type Measurements } from './figures';
import { largeRows, measureLargeMessage } from './large-message';
import { cpuProfile, cpuSeconds, diffCpu, loadAverage, sampleRss, watchEventLoop } from './probes';
import { printReport } from './report';
import { FEW_WRITERS, mailboxesFor, readSettings, seedOf, type BenchSettings } from './settings';
import { measureCollab } from './collab';
import { tenantEnv } from '../helpers/tenant-env';
import { spawnBackend } from '../helpers/process';

const log = (line: string) => console.error(`[bench] ${line}`);

export async function runBenchmark(): Promise<void> {
  const settings = readSettings();
  const loadAtStart = loadAverage();
  log(`${settings.users} mailboxes × ${settings.messagesPerUser} messages, ${settings.workers} workers; load average ${loadAtStart}`);
  const db = await startDatabase({ log: (line) => console.error(`[database] ${line}`) });
  const seed = seedOf(settings);
  const emulator = await startEmulatorProcess(seed);
  let report: ReturnType<typeof buildRows>;
  try {
    const config = loadConfig({
      ...process.env,
      MONGODB_URI: withCommandMonitoring(db.uri),
      MONGODB_DB: `bench_archive_${randomBytes(4).toString('hex')}`,
      ...tenantEnv(emulator.info),
      PORT: '0',
      WORKER_CONCURRENCY: String(settings.workers),
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    });
    const backend = await startBackend(config, createLogger(config.LOG_LEVEL));
    const others = await Promise.all(Array.from({ length: settings.processes - 1 }, () => spawnBackend(config, { WORKER_CONCURRENCY: String(settings.workers) })));
    const api = adminApi(backend.url, emulator, process.env.BENCH_ADMIN ?? `user001@${DEMO.domain}`);
    const profileId = await createAllMailboxesProfile(api);

    const first = await measureFirstRun(api, emulator, profileId, settings, config.MONGODB_DB);
    // A hung first run is still active: a second one would be refused.
    const second = first.stalled ? null : await measureSecondRun(api, emulator, profileId, settings);
    const large = first.stalled ? null : await measureLargeMessage(api, emulator, profileId, settings.timeoutMinutes);
    const collab = await measureCollab(api, settings);
    const maxRssBytes = process.resourceUsage().maxRSS * 1024;
    await Promise.all(others.map((o) => o.stop()));
    await backend.close();

    log('reading back every archived message…');
    const archive = await openStore({ uri: db.uri, dbName: config.MONGODB_DB });
    const archived = await loadArchived(archive);
    const sample = spread(archived, settings.sample);
    const lookupFull = await lookupCost(archive, sample);
    await archive.db.dropDatabase().catch(() => undefined);
    await archive.close();

    log(`ceilings on a sample of ${sample.length} archived messages…`);
    const parse = await parseCeiling(sample);
    const blobs = await blobCeiling(db.uri, sample, settings.storeConcurrency);
    const ingest = await ingestCeiling(db.uri, sample, mailboxesFor(settings.storeConcurrency));
    const ingestFew = await ingestCeiling(db.uri, sample, mailboxesFor(FEW_WRITERS));
    const metadata = await fetchAuthorityMetadata(config.authority, config.TENANT_ID);
    const graph = await graphCeiling(createGraphClient({ baseUrl: config.GRAPH_BASE_URL, tokens: createTokenSource(config, metadata, createLogger('silent')) }), sample);
    log(`store only, all ${archived.length} messages of the run again…`);
    const replay = await replayCeiling(db.uri, archived, mailboxesFor(settings.storeConcurrency));

    const m: Measurements = {
      settings, dbKind: db.kind, first, second, maxRssBytes, parse, blobs, ingest, ingestFew, replay, graph, lookupFull,
      sampleSize: sample.length, loadAtStart, loadAtEnd: loadAverage(),
    };
    report = buildRows(m);
    report.rows.push(...largeRows(large), ...collab);
  } finally {
    await emulator.close();
    await db.stop();
  }
  // After every server stopped, so that nothing they say can follow the JSON line.
  printReport(`Archiving benchmark: ${seed} on ${db.kind}`, report.rows, report.notes, report.details);
}

async function measureFirstRun(api: AdminApi, emulator: EmulatorProcess, profileId: string, settings: BenchSettings, dbName: string) {
  await emulator.resetStats();
  const commands = watchDbCommands(dbName);
  const rssBefore = process.memoryUsage().rss;
  const rss = sampleRss(100);
  const loop = watchEventLoop();
  const cpuBefore = cpuSeconds(emulator.pid);
  const snapshots = heapSnapshots(settings.users * settings.messagesPerUser);
  const profile = await cpuProfile('bench-archive');
  const result = await runToEnd(api, profileId, settings.timeoutMinutes, 'first run', snapshots.onProgress);
  await profile.stop();
  snapshots.onProgress(Number.POSITIVE_INFINITY);
  const cpu = diffCpu(cpuBefore, cpuSeconds(emulator.pid));
  const peakRss = rss.stop();
  const eventLoop = loop.stop();
  const dbCommands = commands.stop();
  const requests = {
    total: await emulator.requests(),
    value: await emulator.requests({ pathIncludes: '/$value' }),
    messageDelta: await emulator.requests({ pathIncludes: '/messages/delta' }),
  };
  if (result.run.status !== 'succeeded') log(`first run ended ${result.run.status}: ${JSON.stringify(result.run.mailboxes?.flatMap((x: any) => x.recentErrors ?? []).slice(0, 5))}`);
  log(`first run: ${result.run.totals.archived} archived in ${result.wallSeconds.toFixed(1)} s`);
  return { ...result, rssBefore, peakRss, eventLoop, cpu, requests, dbCommands };
}

/**
 * BENCH_HEAP_SNAPSHOTS=1 writes a heap snapshot of this process (the backend runs in it) at a
 * quarter, half, three quarters and the end of the first run: comparing them shows what grows
 * with the tenant. Writing one blocks the process for seconds: the figures of such a run are off,
 * and its later phases may fail on connections the servers closed meanwhile.
 */
function heapSnapshots(total: number) {
  const marks = process.env.BENCH_HEAP_SNAPSHOTS ? [0.25, 0.5, 0.75, Number.POSITIVE_INFINITY] : [];
  return {
    onProgress(archived: number) {
      while (marks.length > 0 && archived >= marks[0]! * total) {
        const mark = marks.shift()!;
        const file = writeHeapSnapshot(`bench-archive-${Number.isFinite(mark) ? `${mark * 100}pct` : 'end'}.heapsnapshot`);
        log(`heap snapshot written: ${file}`);
      }
    },
  };
}

/**
 * No change in the tenant: per folder its delta and its item count (the completeness report),
 * per mailbox its folder tree's delta and its mailbox settings (the directory sync before the run).
 */
async function measureSecondRun(api: AdminApi, emulator: EmulatorProcess, profileId: string, settings: BenchSettings) {
  await emulator.resetStats();
  const result = await runToEnd(api, profileId, settings.timeoutMinutes, 'second run');
  const mailboxes: { upn: string; requests: number; allowed: number }[] = [];
  for (const mb of result.run.mailboxes as { mailboxId: string; upn: string; foldersTotal: number }[]) {
    mailboxes.push({ upn: mb.upn, requests: await emulator.requests({ mailbox: mb.mailboxId }), allowed: 2 * mb.foldersTotal + 2 });
  }
  const total = await emulator.requests();
  log(`second run: ${result.run.status}, ${total} Graph requests in ${result.wallSeconds.toFixed(1)} s`);
  return { ...result, mailboxes, total };
}

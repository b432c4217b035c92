import { randomBytes } from 'node:crypto';
import { startDatabase } from '../../dev/database';
import { DEMO } from '../../emulator/src/config';
import { loadConfig } from '../../backend/src/config';
import { fetchAuthorityMetadata } from '../../backend/src/graph/authority';
import { createGraphClient } from '../../backend/src/graph/client';
import { createTokenSource } from '../../backend/src/graph/token';
import { createLogger } from '../../backend/src/log';
import { openStore } from '../../backend/src/store';
import { blobCeiling, graphCeiling, ingestCeiling, loadArchived, lookupCost, parseCeiling, replayCeiling, spread } from './ceilings';
import { startEmulatorProcess, type EmulatorProcess } from './emulator-process';
import { adminApi, createAllMailboxesProfile, runToEnd, type AdminApi } from './end-to-end';
import { diffCounts } from './db-commands';
import { buildRows, type Measurements } from './figures';
import { largeRows, measureLargeMessage } from './large-message';
import { benchBackend, cpuSeconds, diffCpu, loadAverage, vmHwm, type BackendState } from './probes';
import { printReport } from './report';
import { FEW_WRITERS, mailboxesFor, readSettings, seedOf, type BenchSettings } from './settings';
import { measureCollab } from './collab';
import { tenantEnv } from '../helpers/tenant-env';
import type { BackendProcess } from '../helpers/process';
import { dropDatabases } from '../helpers/db';

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
      MONGODB_URI: db.uri,
      MONGODB_DB: `bench_archive_${randomBytes(4).toString('hex')}`,
      ...tenantEnv(emulator.info),
    });
    // The backend runs as deployed: a process of its own, the production build (BENCH_TSX=1: tsx).
    const backends = await benchBackend();
    const env = { WORKER_CONCURRENCY: String(settings.workers) };
    const backend = await backends.spawn(config, env, process.env.BENCH_HEAP_SNAPSHOTS ? ['--heapsnapshot-signal=SIGUSR2'] : []);
    const others = await Promise.all(Array.from({ length: settings.processes - 1 }, () => backends.spawn(config, env)));
    const api = adminApi(backend.url, emulator, process.env.BENCH_ADMIN ?? `user001@${DEMO.domain}`);
    const profileId = await createAllMailboxesProfile(api);

    const first = await measureFirstRun(api, emulator, backend, () => backends.state(backend), profileId, settings);
    // A hung first run is still active: a second one would be refused.
    const second = first.stalled ? null : await measureSecondRun(api, emulator, profileId, settings);
    const peakThroughSecond = vmHwm(backend.child.pid!);
    const large = first.stalled ? null : await measureLargeMessage(api, emulator, profileId, settings.timeoutMinutes, backend.child.pid!);
    const collab = await measureCollab(api, settings);
    // measureLargeMessage starts a peak of its own.
    const maxRssBytes = Math.max(peakThroughSecond, vmHwm(backend.child.pid!));
    await Promise.all(others.map((o) => o.stop()));
    await backend.stop();

    log('reading back every archived message…');
    const archive = await openStore({ uri: db.uri, dbName: config.MONGODB_DB });
    const archived = await loadArchived(archive);
    const sample = spread(archived, settings.sample);
    const lookupFull = await lookupCost(archive, sample);
    await dropDatabases(archive).catch(() => undefined);
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
      settings, dbKind: db.kind, backend: backends.label, first, second, maxRssBytes, parse, blobs, ingest, ingestFew, replay, graph, lookupFull,
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

async function measureFirstRun(api: AdminApi, emulator: EmulatorProcess, backend: BackendProcess, state: () => Promise<BackendState>, profileId: string, settings: BenchSettings) {
  const pid = backend.child.pid!;
  await emulator.resetStats();
  const before = await state();
  const cpuBefore = cpuSeconds(pid, emulator.pid);
  const snapshots = heapSnapshots(settings.users * settings.messagesPerUser, backend);
  const result = await runToEnd(api, profileId, settings.timeoutMinutes, 'first run', snapshots.onProgress);
  snapshots.onProgress(Number.POSITIVE_INFINITY);
  const cpu = diffCpu(cpuBefore, cpuSeconds(pid, emulator.pid));
  const after = await state();
  const requests = {
    total: await emulator.requests(),
    value: await emulator.requests({ pathIncludes: '/$value' }),
    messageDelta: await emulator.requests({ pathIncludes: '/messages/delta' }),
  };
  if (result.run.status !== 'succeeded') log(`first run ended ${result.run.status}: ${JSON.stringify(result.run.mailboxes?.flatMap((x: any) => x.recentErrors ?? []).slice(0, 5))}`);
  log(`first run: ${result.run.totals.archived} archived in ${result.wallSeconds.toFixed(1)} s`);
  return { ...result, before, after, cpu, requests, dbCommands: diffCounts(after.commands, before.commands) };
}

/**
 * BENCH_HEAP_SNAPSHOTS=1 has the backend write a heap snapshot (Heap.….heapsnapshot in its working
 * directory, on SIGUSR2) at a quarter, half, three quarters and the end of the first run:
 * comparing them shows what grows with the tenant. Writing one blocks the backend for seconds:
 * the figures of such a run are off.
 */
function heapSnapshots(total: number, backend: BackendProcess) {
  const marks = process.env.BENCH_HEAP_SNAPSHOTS ? [0.25, 0.5, 0.75, Number.POSITIVE_INFINITY] : [];
  return {
    onProgress(archived: number) {
      while (marks.length > 0 && archived >= marks[0]! * total) {
        const mark = marks.shift()!;
        backend.child.kill('SIGUSR2');
        log(`heap snapshot asked for at ${Number.isFinite(mark) ? `${mark * 100} %` : 'the end'}`);
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

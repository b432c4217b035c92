import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { MAILBOX_JOB, RUN_JOB, mailboxHandler, runHandler, startRun, type ArchivingDeps } from './archiving/runner';
import type { ProfileSettings } from './archiving/profile';
import type { Config } from './config';
import { getDirectorySettings } from './directory/settings';
import { syncDirectory } from './directory/sync';
import { fetchAuthorityMetadata, fetchV1Issuer } from './graph/authority';
import { createGraphClient } from './graph/client';
import { createTokenSource } from './graph/token';
import { createApp } from './http/app';
import { apiRouters } from './http/routes';
import { viewTicketAuth, viewTickets } from './retrieval/view-ticket';
import { journalHandlers, startJournal } from './journal';
import { IMPORT_JOB, importHandler } from './import/service';
import { followKeys, integrityHandlers, integritySchedules, integritySettings, reloadKeys, startLedger } from './integrity/service';
import type { ServiceDeps } from './deps';
import { every } from './jobs/every';
import { startScheduler } from './jobs/scheduler';
import { startWorker } from './jobs/worker';
import { reindexHandlers } from './jobs/reindex';
import { setTextLimits } from './ingest/text-limits';
import { sweepIngestTemp } from './ingest/temp-files';
import { concludeSettledRuns } from './archiving/conclude';
import { retentionHandlers, retentionSchedules } from './retention';
import { pruneJobs, repairUnclaimableJobs } from './store/jobs';
import type { Logger } from './log';
import { openStore } from './store';
import { databaseWaitMs } from './lease-renewal';
import { keepCollectionsWhole } from './operations/collection-repairs';
import { metricsHandler, startMetricsListener } from './http/metrics';
import { observeDbCommand } from './metrics';
import { watchDatabase } from './metrics/database';
import { byMailboxClass } from './metrics/mailbox-class';
import { startPresence } from './upgrade/presence';
import { schemaReady, upgradeDatabase } from './upgrade';
import { listProfiles } from './store/profiles';
import { hasActiveRun } from './store/runs';

export interface RunningBackend {
  url: string;
  /** The HTTP app, for walking its routes (test/http/route-table.test.ts). */
  app: Express;
  /** Settles once a newer release upgrades the database: this process has stopped its work by then and should exit. */
  outdated: Promise<string>;
  close(): Promise<void>;
}

const SCHEDULED_RUN_JOB = 'scheduled-run';
const DIRECTORY_SYNC_JOB = 'directory-sync';

/** Wires config → store, Microsoft clients, workers and HTTP; the one place that knows every module. */
export async function startBackend(config: Config, log: Logger): Promise<RunningBackend> {
  const store = await openStore({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB, observeCommand: observeDbCommand, serverSelectionTimeoutMS: databaseWaitMs(config.JOB_LEASE_MS) });
  // Before anything reads or writes a blob: a missing or wrong master key stops the start here.
  const integrity = integritySettings(config);
  const rewrapped = await reloadKeys(store, integrity).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  if (rewrapped > 0) log.info({ rewrapped }, 'encryption keys re-wrapped under the new master key');
  const presence = await startPresence(store, log, { roles: processRoles(config) });
  try {
    await upgradeDatabase({ store, log, processId: presence.id, leaseMs: config.JOB_LEASE_MS });
  } catch (err) {
    await presence.stop();
    await store.close();
    throw err;
  }
  // What ingest spilled to disk before a kill -9 (of this or an earlier process) is never read again.
  const swept = await sweepIngestTemp();
  if (swept > 0) log.info({ swept }, 'removed temporary ingest files of processes that are gone');
  // Before any work: a start after a database crash repairs what the crash left (FerretDB).
  const collections = await keepCollectionsWhole(store, log);
  const unwatch = watchDatabase(store);
  const keys = followKeys(store, integrity, log);
  const metadata = await fetchAuthorityMetadata(config.authority, config.TENANT_ID);
  const v1Issuer = await fetchV1Issuer(config.authority, config.TENANT_ID);
  const tokens = createTokenSource(config, metadata, log);
  const graph = createGraphClient({ baseUrl: config.GRAPH_BASE_URL, tokens });
  const deps: ServiceDeps = { store, graph, log, config };
  setTextLimits({ maxBodyChars: config.INDEX_MAX_BODY_CHARS, maxAttachmentTextChars: config.INDEX_MAX_ATTACHMENT_CHARS });

  const background = config.WORKER_CONCURRENCY > 0 ? startBackground(deps, config, presence.id) : null;
  const stopServices = async () => {
    await background?.stop();
    await keys.stop();
    unwatch();
    collections.stop();
    await presence.stop();
    await store.close();
  };
  // --- Journal gateway (MISSION M3): SMTP when SMTP_PORT is set, sweeps where workers run ---
  // A gateway that cannot listen (its port taken) fails the start, and what started before it stops.
  const journal = await startJournal(deps).catch(async (err: unknown) => {
    await stopServices();
    throw err;
  });

  const app = createApp({
    log,
    auth: {
      issuer: metadata.issuer,
      v1Issuer,
      clientId: config.CLIENT_ID,
      appIdUris: config.appIdUris,
      jwksUri: metadata.jwks_uri,
      tenantId: config.TENANT_ID,
      adminUsers: config.ADMIN_USERS,
    },
    readiness: {
      database: () => store.ping(),
      microsoftGraphToken: async () => void (await tokens.graphToken()),
      schema: () => schemaReady(store),
    },
    api: apiRouters(deps),
    preAuth: [viewTicketAuth(viewTickets(config))],
    ...(config.METRICS_TOKEN ? { metrics: metricsHandler(config.METRICS_TOKEN) } : {}),
  });
  const metricsServer = config.METRICS_PORT > 0 ? await startMetricsListener(config.METRICS_PORT, config.METRICS_HOST, config.METRICS_TOKEN) : null;

  const server = app.listen(config.PORT, config.HOST);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}`;
  log.info({ url, workers: config.WORKER_CONCURRENCY }, 'backend listening');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      metricsServer?.close();
      metricsServer?.closeAllConnections();
      await journal.close();
      await stopServices();
    })());
  // Older code must not work against a newer schema: stop at once (main.ts then exits).
  const outdated = presence.outdated.then(async (reason) => {
    log.error({ reason }, 'a newer release is upgrading the database: this process stops');
    await close();
    return reason;
  });
  return { url, app, outdated, close };
}

/**
 * Workers and schedulers. Every backend process may run them: jobs are leased in MongoDB, so
 * adding processes adds throughput (MISSION M17) and a dead process's jobs are taken over.
 */
function startBackground(deps: ArchivingDeps, config: Config, owner: string) {
  const { store, graph, log } = deps;
  const startedAt = new Date();
  const integrity = integritySettings(config);
  const ledger = startLedger(store, integrity, log);
  const worker = startWorker({
    store,
    owner,
    logger: log,
    concurrency: config.WORKER_CONCURRENCY,
    leaseMs: config.JOB_LEASE_MS,
    pollMs: Math.min(1000, config.JOB_LEASE_MS / 4),
    handlers: {
      [RUN_JOB]: runHandler(deps),
      [MAILBOX_JOB]: byMailboxClass(store, mailboxHandler(deps)),
      [SCHEDULED_RUN_JOB]: async (ctx) => {
        const { profileId } = ctx.job.payload as { profileId: string };
        if (await hasActiveRun(store.conn, profileId)) return { skipped: 'previous run still active' };
        return { runId: (await startRun(deps, profileId, 'schedule'))._id };
      },
      [DIRECTORY_SYNC_JOB]: async () => syncDirectory(store.conn, graph, await getDirectorySettings(store.conn)),
      ...journalHandlers(deps),
      ...retentionHandlers(deps),
      [IMPORT_JOB]: importHandler({ ...deps, config }),
      ...integrityHandlers(store, integrity),
      ...reindexHandlers(store),
    },
  });
  const scheduler = startScheduler({
    store,
    listSchedules: async () => {
      const profiles = await listProfiles<ProfileSettings>(store.conn);
      const directory = await getDirectorySettings(store.conn);
      return [
        ...profiles
          .filter((p) => p.enabled && p.settings.schedule.kind !== 'manual')
          .map((p) => ({ schedule: { id: `profile:${p._id}`, ...p.settings.schedule }, enqueue: { type: SCHEDULED_RUN_JOB, payload: { profileId: p._id } } })),
        ...(directory.schedule.kind === 'manual'
          ? []
          : [{ schedule: { id: 'directory', ...directory.schedule }, enqueue: { type: DIRECTORY_SYNC_JOB, payload: {} } }]),
        ...(await retentionSchedules(deps)),
        ...integritySchedules(integrity),
      ];
    },
  });
  const housekeeping = startHousekeeping(deps, startedAt);
  return {
    stop: async () => {
      await housekeeping.stop();
      await ledger.stop();
      await scheduler.stop();
      await worker.stop();
    },
  };
}

/** What this process does, as the registry lists it. */
function processRoles(config: Config): string[] {
  return ['api', ...(config.WORKER_CONCURRENCY > 0 ? ['workers'] : []), ...(config.SMTP_PORT > 0 ? ['smtp'] : [])];
}

const HOUR = 3_600_000;
/** Finished jobs are kept this long (runs keep their own history); every job lookup scans them on FerretDB. */
const JOB_RETENTION_MS = 14 * 24 * HOUR;

/**
 * At start, queued jobs a crash left unclaimable are repaired (those created before this process
 * started: the scheduler's first jobs may be between their two inserts) and runs a crash or an
 * older version left open are concluded; then, hourly, old finished jobs are deleted. Both are
 * idempotent, so every worker process may do them.
 */
function startHousekeeping({ store, log }: ArchivingDeps, startedAt: Date) {
  const sweep = () =>
    concludeSettledRuns(store, (runId, err) => log.warn({ err, runId }, 'concluding a settled run failed')).catch((err: unknown) =>
      log.warn({ err }, 'the sweep of open runs failed'),
    );
  const prune = () =>
    pruneJobs(store, new Date(Date.now() - JOB_RETENTION_MS)).then(
      (deleted) => deleted > 0 && log.info({ deleted }, 'old finished jobs pruned'),
      (err: unknown) => log.warn({ err }, 'pruning old jobs failed'),
    );
  const repair = () =>
    repairUnclaimableJobs(store, startedAt).then(
      (repaired) => repaired > 0 && log.warn({ repaired }, 'queued jobs a crash left unclaimable were repaired'),
      (err: unknown) => log.warn({ err }, 'repairing queued jobs failed'),
    );
  return every(HOUR, prune, (err) => log.warn({ err }, 'housekeeping failed'), () => repair().then(sweep).then(prune));
}

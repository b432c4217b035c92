import type { AddressInfo } from 'node:net';
import { MAILBOX_JOB, RUN_JOB, mailboxHandler, runHandler, startRun, type ArchivingDeps } from './archiving/runner';
import type { ProfileSettings } from './archiving/profile';
import type { Config } from './config';
import { getDirectorySettings } from './directory/settings';
import { syncDirectory } from './directory/sync';
import { fetchAuthorityMetadata } from './graph/authority';
import { createGraphClient } from './graph/client';
import { createTokenSource } from './graph/token';
import { createApp } from './http/app';
import { apiRouters } from './http/routes';
import { viewTicketAuth, viewTickets } from './retrieval/view-ticket';
import { journalHandlers, startJournal } from './journal';
import type { ServiceDeps } from './deps';
import { startScheduler } from './jobs/scheduler';
import { startWorker } from './jobs/worker';
import { concludeSettledRuns } from './archiving/conclude';
import { retentionHandlers, retentionSchedules } from './retention';
import { pruneJobs, repairUnclaimableJobs } from './store/jobs';
import type { Logger } from './log';
import { openStore } from './store';
import { listProfiles } from './store/profiles';
import { hasActiveRun } from './store/runs';

export interface RunningBackend {
  url: string;
  close(): Promise<void>;
}

const SCHEDULED_RUN_JOB = 'scheduled-run';
const DIRECTORY_SYNC_JOB = 'directory-sync';

/** Wires config → store, Microsoft clients, workers and HTTP; the one place that knows every module. */
export async function startBackend(config: Config, log: Logger): Promise<RunningBackend> {
  const store = await openStore({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB });
  const metadata = await fetchAuthorityMetadata(config.authority, config.TENANT_ID);
  const tokens = createTokenSource(config, metadata, log);
  const graph = createGraphClient({ baseUrl: config.GRAPH_BASE_URL, tokens });
  const deps: ServiceDeps = { store, graph, log, config };

  const background = config.WORKER_CONCURRENCY > 0 ? startBackground(deps, config) : null;
  // --- Journal gateway (MISSION M3): SMTP when SMTP_PORT is set, sweeps where workers run ---
  const journal = await startJournal(deps);

  const app = createApp({
    log,
    auth: {
      issuer: metadata.issuer,
      audiences: config.apiAudiences,
      jwksUri: metadata.jwks_uri,
      tenantId: config.TENANT_ID,
      adminUsers: config.ADMIN_USERS,
    },
    readiness: {
      database: () => store.ping(),
      microsoftGraphToken: async () => void (await tokens.graphToken()),
    },
    api: apiRouters(deps),
    preAuth: [viewTicketAuth(viewTickets(config))],
  });

  const server = app.listen(config.PORT, config.HOST);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}`;
  log.info({ url, workers: config.WORKER_CONCURRENCY }, 'backend listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await journal.close();
        await background?.stop();
        await store.close();
      })()),
  };
}

/**
 * Workers and schedulers. Every backend process may run them: jobs are leased in MongoDB, so
 * adding processes adds throughput (MISSION M17) and a dead process's jobs are taken over.
 */
function startBackground(deps: ArchivingDeps, config: Config) {
  const { store, graph, log } = deps;
  const worker = startWorker({
    store,
    logger: log,
    concurrency: config.WORKER_CONCURRENCY,
    leaseMs: config.JOB_LEASE_MS,
    pollMs: Math.min(1000, config.JOB_LEASE_MS / 4),
    handlers: {
      [RUN_JOB]: runHandler(deps),
      [MAILBOX_JOB]: mailboxHandler(deps),
      [SCHEDULED_RUN_JOB]: async (ctx) => {
        const { profileId } = ctx.job.payload as { profileId: string };
        if (await hasActiveRun(store.conn, profileId)) return { skipped: 'previous run still active' };
        return { runId: (await startRun(deps, profileId, 'schedule'))._id };
      },
      [DIRECTORY_SYNC_JOB]: async () => syncDirectory(store.conn, graph, await getDirectorySettings(store.conn)),
      ...journalHandlers(deps),
      ...retentionHandlers(deps),
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
      ];
    },
  });
  const housekeeping = startHousekeeping(deps);
  return {
    stop: async () => {
      housekeeping.stop();
      await scheduler.stop();
      await worker.stop();
    },
  };
}

const HOUR = 3_600_000;
/** Finished jobs are kept this long (runs keep their own history); every job lookup scans them on FerretDB. */
const JOB_RETENTION_MS = 14 * 24 * HOUR;

/**
 * At start, queued jobs a crash left unclaimable are repaired and runs a crash or an older
 * version left open are concluded; then, hourly, old finished jobs are deleted. Both are idempotent, so every worker process may do them.
 */
function startHousekeeping({ store, log }: ArchivingDeps) {
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
    repairUnclaimableJobs(store).then(
      (repaired) => repaired > 0 && log.warn({ repaired }, 'queued jobs a crash left unclaimable were repaired'),
      (err: unknown) => log.warn({ err }, 'repairing queued jobs failed'),
    );
  void repair().then(sweep).then(prune);
  const timer = setInterval(() => void prune(), HOUR);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

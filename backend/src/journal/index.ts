import type { ServiceDeps } from '../deps';
import type { JobHandler } from '../jobs/worker';
import type { Store } from '../store';
import { listSpool } from '../store/journal-spool';
import type { JournalDeps } from './archive';
import { gatewayOptions, startJournalGateway } from './gateway';
import { journalMaintenanceHandler, startJournalMaintenance } from './maintenance';
import { journalReportHandler } from './process';
import { JOURNAL_MAINTENANCE_JOB, JOURNAL_REPORT_JOB, queueReports } from './queue';

export { JOURNAL_MAINTENANCE_JOB, JOURNAL_REPORT_JOB } from './queue';

/** The journal's job types, for every worker process (a process need not run the gateway to process reports). */
export function journalHandlers(deps: JournalDeps): Record<string, JobHandler> {
  return {
    [JOURNAL_REPORT_JOB]: journalReportHandler(deps),
    [JOURNAL_MAINTENANCE_JOB]: journalMaintenanceHandler(deps),
  };
}

export interface RunningJournal {
  /** The SMTP port, when this process runs the gateway. */
  smtpPort: number | null;
  close(): Promise<void>;
}

/** The gateway when SMTP_PORT is set; the periodic sweep in processes that run workers. */
export async function startJournal(deps: ServiceDeps): Promise<RunningJournal> {
  const { config, store, log } = deps;
  const gateway = config.SMTP_PORT > 0 ? await startJournalGateway({ store, log }, gatewayOptions(config)) : null;
  const maintenance = config.WORKER_CONCURRENCY > 0 ? startJournalMaintenance(store, log) : null;
  return {
    smtpPort: gateway?.port ?? null,
    close: async () => {
      await maintenance?.stop();
      await gateway?.close();
    },
  };
}

/** Queues the reports a mailbox held while no enabled profile took them; returns how many. */
export async function releaseHeldReports(store: Store, mailbox: string): Promise<number> {
  const held = await listSpool(store.conn, { mailbox, held: true }, 100_000);
  const round = Date.now();
  for (let i = 0; i < held.length; i += 50) {
    await queueReports(store, held.slice(i, i + 50).map((s) => s._id), `journal:released:${mailbox}:${round}:${i}`);
  }
  return held.length;
}

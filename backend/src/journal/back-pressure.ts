import { journalSenderWait } from '../metrics';
import type { Store } from '../store';
import { unfinishedJobIds } from '../store/jobs';

/** The longest a sender's MAIL FROM is held; RFC 5321 §4.5.3.2 gives the client 5 minutes. */
const MAX_WAIT_MS = 30_000;
const POLL_MS = 250;

/**
 * Back pressure, as Exchange transport applies it
 * (https://learn.microsoft.com/exchange/mail-flow/back-pressure): when reports arrive faster
 * than they are filed, the acknowledgement of MAIL FROM is delayed until the backlog is back
 * under its bound. The backlog, and with it how long a report waits to become searchable and
 * the memory it holds, stays bounded; the sender (Exchange Online's journaling) keeps the rest
 * queued on its side meanwhile. Nothing is refused, and a sender is never held past MAX_WAIT_MS.
 *
 * The backlog is what this gateway spooled and its jobs have not finished, wherever they run:
 * finished jobs are found by reading their active state, while someone waits.
 */
export class BackPressure {
  /** Reports spooled whose job is not queued yet. */
  private open = 0;
  /** Jobs this gateway queued that had not finished when last looked at, with their reports. */
  private readonly jobs = new Map<string, number>();
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly store: Pick<Store, 'db'>,
    /** Reports accepted and not yet filed from which a new report waits (SMTP_BACKLOG_LIMIT); 0 = never. */
    private readonly limit: number,
    private readonly maxWaitMs = MAX_WAIT_MS,
  ) {}

  get backlog(): number {
    return this.open + this.inJobs();
  }

  private inJobs(): number {
    let n = 0;
    for (const reports of this.jobs.values()) n += reports;
    return n;
  }

  spooled(reports: number): void {
    this.open += reports;
  }

  /** The job of `reports` spooled reports is queued (or could not be: the sweep will queue it). */
  queued(jobKey: string | null, reports: number): void {
    this.open = Math.max(0, this.open - reports);
    if (jobKey) this.jobs.set(jobKey, (this.jobs.get(jobKey) ?? 0) + reports);
  }

  /**
   * Reports in jobs this gateway queued that are not finished yet (read afresh): while workers
   * have a full job's worth of them, a new job would wait its turn anyway, so the gateway keeps
   * its window open and files the burst in fewer, larger jobs.
   */
  async queuedReports(): Promise<number> {
    await this.refresh();
    return this.inJobs();
  }

  /** Resolves when a new report may be accepted: at once under the bound, else once the backlog is filed down to it. */
  async admit(): Promise<void> {
    if (this.limit <= 0 || this.backlog < this.limit) return;
    const started = Date.now();
    while (this.backlog >= this.limit && Date.now() < started + this.maxWaitMs) {
      await this.refresh();
      if (this.backlog < this.limit) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    journalSenderWait.observe((Date.now() - started) / 1000);
  }

  /** Forgets finished jobs; one read at a time, shared by every sender waiting. */
  private refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const keys = [...this.jobs.keys()];
        const unfinished = await unfinishedJobIds(this.store, keys);
        for (const key of keys) if (!unfinished.has(key)) this.jobs.delete(key);
      } catch {
        // The database is away: waiting senders time out of MAX_WAIT_MS rather than fail here.
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }
}

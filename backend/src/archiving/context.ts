import type { Client } from '@microsoft/microsoft-graph-client';
import type { Logger } from '../log';
import type { Store } from '../store';
import type { Counts } from '../store/runs';
import type { Limiter } from '../limiter';
import type { RetryClock, RetryPolicy } from './owed';
import type { ProfileSettings } from './profile';
import type { RunTally } from './tally';

/** Everything one mailbox crawl needs; built by the job handler, passed down unchanged. */
export interface CrawlContext {
  store: Store;
  graph: Client;
  log: Logger;
  signal: AbortSignal;
  /**
   * Messages of this mailbox between the start of their download and the end of their storing.
   * A download gives its Graph slot back once spooled (the Graph client holds the mailbox's 4
   * slots, graph/mailbox-requests.ts); this bounds the spools waiting to be stored.
   */
  inFlight: Limiter;
  retry: RetryPolicy;
  retries: RetryClock;
  runId: string;
  profileId: string;
  /** onlineArchive: the owner's online archive (an `MBX:` id), whose folders go under "Online Archive/". */
  mailbox: { id: string; upn: string; onlineArchive?: boolean };
  archiveId: string;
  settings: ProfileSettings;
  now: Date;
  tally: RunTally;
}

export type PartialCounts = Partial<Counts>;

/** The (profile, mailbox) pair that keys the crawl's state. */
export const mailboxRef = (ctx: Pick<CrawlContext, 'profileId' | 'mailbox'>) => ({ profileId: ctx.profileId, mailboxId: ctx.mailbox.id });

export function addCounts(into: PartialCounts, from: PartialCounts): void {
  for (const [k, v] of Object.entries(from) as [keyof Counts, number][]) into[k] = (into[k] ?? 0) + v;
}

const DAY_MS = 86_400_000;
export const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);
export const daysAfter = (date: Date, days: number) => new Date(date.getTime() + days * DAY_MS);

export interface StatsFilter {
  mailbox?: string;
  pathIncludes?: string;
  /** Only answers with this HTTP status (429: throttled). */
  status?: number;
  /** Only error answers with this Graph error code (ApplicationThrottled: over the MailboxConcurrency limit). */
  code?: string;
}

interface Entry {
  mailboxId?: string;
  path: string;
  status: number;
  code?: string;
  n: number;
}

/** Counts Graph requests (each $batch part counts, and so does the $batch envelope) per mailbox, path and answer. */
export class Stats {
  private readonly counts = new Map<string, Entry>();

  constructor(private readonly resolveMailbox: (ref: string) => string | undefined) {}

  record(path: string, mailboxId: string | undefined, status = 200, code?: string): void {
    const key = `${mailboxId ?? ''}\n${path}\n${status}\n${code ?? ''}`;
    const entry = this.counts.get(key);
    if (entry) entry.n++;
    else this.counts.set(key, { mailboxId, path, status, code, n: 1 });
  }

  requests(filter: StatsFilter = {}): number {
    const mailboxId = filter.mailbox ? this.resolveMailbox(filter.mailbox) ?? filter.mailbox : undefined;
    let total = 0;
    for (const e of this.counts.values()) {
      if (mailboxId && e.mailboxId !== mailboxId) continue;
      if (filter.pathIncludes && !e.path.includes(filter.pathIncludes)) continue;
      if (filter.status !== undefined && e.status !== filter.status) continue;
      if (filter.code !== undefined && e.code !== filter.code) continue;
      total += e.n;
    }
    return total;
  }

  reset(): void {
    this.counts.clear();
  }
}

export interface StatsFilter {
  mailbox?: string;
  pathIncludes?: string;
}

/** Counts Graph requests (each $batch part counts, and so does the $batch envelope) per mailbox and path. */
export class Stats {
  private readonly counts = new Map<string, { mailboxId?: string; path: string; n: number }>();

  constructor(private readonly resolveMailbox: (ref: string) => string | undefined) {}

  record(path: string, mailboxId: string | undefined): void {
    const key = `${mailboxId ?? ''}\n${path}`;
    const entry = this.counts.get(key);
    if (entry) entry.n++;
    else this.counts.set(key, { mailboxId, path, n: 1 });
  }

  requests(filter: StatsFilter = {}): number {
    const mailboxId = filter.mailbox ? this.resolveMailbox(filter.mailbox) ?? filter.mailbox : undefined;
    let total = 0;
    for (const e of this.counts.values()) {
      if (mailboxId && e.mailboxId !== mailboxId) continue;
      if (filter.pathIncludes && !e.path.includes(filter.pathIncludes)) continue;
      total += e.n;
    }
    return total;
  }

  reset(): void {
    this.counts.clear();
  }
}

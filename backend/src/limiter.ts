/**
 * A counting semaphore whose slots go to waiters in order (a freed slot is handed over, so
 * nobody overtakes). Exchange allows 4 concurrent requests per app and mailbox: every Graph call
 * for one mailbox goes through one limiter so a crawl never trips MailboxConcurrency; the
 * process's ingest slots are one too.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private max: number) {}

  resize(max: number): void {
    this.max = max;
    while (this.active < this.max && this.waiting.length > 0) this.next();
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      if (this.active < this.max) this.next();
    }
  }

  private next(): void {
    const wake = this.waiting.shift();
    if (!wake) return;
    this.active++;
    wake();
  }
}

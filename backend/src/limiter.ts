/**
 * A counting semaphore whose slots go to waiters in order (a freed slot is handed over, so
 * nobody overtakes). A holder may take several slots at once: a Graph `$batch` takes as many of
 * its mailbox's slots as Exchange runs of its parts in parallel. The process's ingest slots are
 * one too.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: { weight: number; wake: () => void }[] = [];

  constructor(private max: number) {}

  resize(max: number): void {
    this.max = max;
    this.next();
  }

  async run<T>(fn: () => Promise<T>, weight = 1): Promise<T> {
    const release = await this.acquire(weight);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Takes `weight` slots (at most all of them); the returned function gives them back, once. */
  async acquire(weight = 1): Promise<() => void> {
    const w = Math.max(1, Math.min(weight, this.max));
    if (this.waiting.length === 0 && this.active + w <= this.max) this.active += w;
    else await new Promise<void>((wake) => this.waiting.push({ weight: w, wake }));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= w;
      this.next();
    };
  }

  private next(): void {
    for (let head = this.waiting[0]; head && this.active + head.weight <= this.max; head = this.waiting[0]) {
      this.waiting.shift();
      this.active += head.weight;
      head.wake();
    }
  }
}

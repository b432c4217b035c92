/**
 * Cooperative time slicing. The API, the crawl's workers and the journal gateway share one event
 * loop, and an `await` on work that is already done (an async generator's next record, a buffered
 * write) continues as a microtask, which runs before any I/O: a merge of two segments ran 1.5 s
 * without letting a single database reply or HTTP request through (bench:archive profile). Long
 * loops check `spent` as they go and `yield` once it is: I/O is served every few milliseconds.
 */
export class TimeSlice {
  private start = performance.now();

  constructor(private readonly budgetMs = 8) {}

  /** Whether this slice's budget is used up (a clock read: check it every item, or every few). */
  get spent(): boolean {
    return performance.now() - this.start > this.budgetMs;
  }

  /** Lets the event loop serve what waits (timers, I/O), then starts a new slice. */
  async yield(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.start = performance.now();
  }
}

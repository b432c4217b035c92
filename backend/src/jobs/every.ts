/**
 * Runs `work` every `ms`, one run at a time (a slow run delays the next rather than overlapping
 * it), without keeping the process alive. `stop` waits for a run under way, so that what the work
 * uses (the database) can be closed right after it.
 */
export function every(ms: number, work: () => Promise<unknown>, failed: (err: unknown) => void): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(work).catch(failed);
  }, ms);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

/**
 * Runs `work` every `ms`, one run at a time (a slow run delays the next rather than overlapping
 * it), without keeping the process alive. `first`, when given, runs at once, ahead of the
 * periodic runs. `stop` waits for a run under way, so that what the work uses (the database) can
 * be closed right after it.
 */
export function every(
  ms: number,
  work: () => Promise<unknown>,
  failed: (err: unknown) => void,
  first?: () => Promise<unknown>,
): { stop(): Promise<void> } {
  let running: Promise<unknown> = first ? first().catch(failed) : Promise.resolve();
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

/**
 * Crash points for the kill -9 tests of retention and erasure (test/retention/crash.test.ts):
 * with RETENTION_CRASH_AT=<step>, the process kills itself with SIGKILL on reaching that step, so
 * a test can stop it between any two writes and check that the next run completes the work.
 * Unset in production, where this is one comparison per step.
 */
export type Step = 'after-intents' | 'after-index' | 'after-items' | 'after-fences' | 'after-message-docs' | 'after-blob-files' | 'after-blobs' | 'after-audit';

export function crashPoint(step: Step): void {
  if (process.env.RETENTION_CRASH_AT === step) process.kill(process.pid, 'SIGKILL');
}

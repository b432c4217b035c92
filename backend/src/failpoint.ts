/**
 * Crash points for the kill -9 tests (test/retention/crash.test.ts, test/integrity/reencrypt-crash.test.ts):
 * with CRASH_AT_STEP=<step>, the process kills itself with SIGKILL on reaching that step, so a test can
 * stop it between any two writes and check that the next run completes the work. Unset in
 * production, where this is one comparison per step.
 */
export type Step =
  | 'after-intents'
  | 'after-index'
  | 'after-items'
  | 'after-fences'
  | 'after-message-docs'
  | 'after-blob-files'
  | 'after-blobs'
  | 'after-audit'
  | 'reencrypt-after-copy'
  | 'reencrypt-after-flip';

export function crashPoint(step: Step): void {
  if (process.env.CRASH_AT_STEP === step) process.kill(process.pid, 'SIGKILL');
}

/**
 * `npm run bench:archive`: archives a generated emulator tenant end to end and measures the
 * pipeline's ceilings in the same run. Prints a table; the last line is one JSON object of the
 * figures. Sizes: BENCH_USERS × BENCH_MESSAGES (default 20 × 2000), see ./settings.ts; BENCH_LARGE=1
 * adds one generated message of BENCH_LARGE_MB (default 120) archived alone (./large-message.ts).
 * BENCH_GROUPS=GROUPSxTHREADSxPOSTS and BENCH_CHATS=LINES add Microsoft 365 group conversations and
 * Teams chat lines, archived afterwards by a groups and a Teams chats profile (./collab.ts); the
 * ceilings stay the mail's. BENCH_PROCESSES=N runs N backend processes on the database (scale-out).
 */
import { spawn } from 'node:child_process';

// Node reads NODE_EXTRA_CA_CERTS only at start-up: re-run ourselves so that the Graph ceiling measured
// here, and the backend processes spawned from here, trust the emulator's local CA.
if (process.env.BENCH_ARCHIVE_CHILD !== '1') {
  const { ensureCertificates } = await import('../../emulator/src/tls');
  const { withMemoryEnv } = await import('../../backend/src/memory-env');
  const { caCertPath } = await ensureCertificates();
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: withMemoryEnv({ ...process.env, NODE_EXTRA_CA_CERTS: caCertPath, BENCH_ARCHIVE_CHILD: '1' }),
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  // Exiting (rather than dying of the signal) runs the exit hooks that stop the database and emulator.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
  const { runBenchmark } = await import('./benchmark');
  await runBenchmark().then(
    () => process.exit(0),
    (err: unknown) => {
      // fetch says only "fetch failed"; what failed is in its cause.
      for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
        console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
      }
      process.exit(1);
    },
  );
}

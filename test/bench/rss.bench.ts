/**
 * `npm run bench:rss`: the backend's start-up time, idle RSS and RSS while a run archives, run as
 * `npm start` runs it (tsx, from the sources) and as a deployment runs the bundle `npm run build`
 * makes (`node dist/backend/start.js` in a folder with only `npm ci --omit=dev`), both with the
 * memory settings of backend/src/memory-env.ts, against the same generated tenant (emulator in a
 * process of its own). Sizes: BENCH_USERS × BENCH_MESSAGES (default 5 × 400). Prints a table; the
 * last line is one JSON object of the figures.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../backend/src/config';
import { startDatabase } from '../../dev/database';
import { DEMO } from '../../emulator/src/config';
import { ensureCertificates } from '../../emulator/src/tls';
import { SOURCE_MAIN, spawnBackend } from '../helpers/process';
import { productionInstall } from '../helpers/production';
import { startEmulatorProcess, type EmulatorProcess } from './emulator-process';
import { adminApi, createAllMailboxesProfile, runToEnd } from './end-to-end';
import { tenantEnv } from '../helpers/tenant-env';

const USERS = Number(process.env.BENCH_USERS ?? 5);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 400);
const IDLE_SETTLE_MS = 3_000;

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function measure(label: string, main: string[], dbUri: string, emulator: EmulatorProcess) {
  const config = loadConfig({
    MONGODB_URI: dbUri,
    MONGODB_DB: `bench_rss_${randomBytes(4).toString('hex')}`,
    ...tenantEnv(emulator.info),
  });
  const started = Date.now();
  const backend = await spawnBackend(config, { NODE_EXTRA_CA_CERTS: emulator.info.caCertPath, WORKER_CONCURRENCY: '8' }, main);
  const startSeconds = (Date.now() - started) / 1000;
  const pid = backend.child.pid!;
  try {
    await sleep(IDLE_SETTLE_MS);
    const idle = rssMb(pid);
    const api = adminApi(backend.url, emulator, `user001@${DEMO.domain}`);
    const profileId = await createAllMailboxesProfile(api);
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(rssMb(pid)), 100);
    const result = await runToEnd(api, profileId, 30, label).finally(() => clearInterval(sampler));
    samples.sort((a, b) => a - b);
    return {
      label,
      startSeconds,
      idleMb: idle,
      busyMedianMb: samples[Math.floor(samples.length / 2)] ?? idle,
      busyPeakMb: samples.at(-1) ?? idle,
      archived: result.run.totals?.archived as number,
      runSeconds: result.wallSeconds,
    };
  } finally {
    await backend.stop();
  }
}

// Node reads NODE_EXTRA_CA_CERTS only at start-up: re-run ourselves trusting the emulator's local CA.
if (process.env.BENCH_RSS_CHILD !== '1') {
  const { caCertPath } = await ensureCertificates();
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: caCertPath, BENCH_RSS_CHILD: '1' };
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env });
  process.exit(child.status ?? 1);
}

const db = await startDatabase({ log: (line) => console.error(`[database] ${line}`) });
const emulator = await startEmulatorProcess(`${USERS}x${MESSAGES}`);
try {
  console.error('[bench] preparing the production install (npm ci --omit=dev, build)…');
  const install = await productionInstall();
  const rows = [];
  rows.push(await measure('tsx (npm start)', SOURCE_MAIN, db.uri, emulator));
  rows.push(await measure('bundle (npm run start:prod)', [path.join(install.dir, 'dist/backend/start.js')], db.uri, emulator));
  console.log(`${USERS} mailboxes × ${MESSAGES} messages, 8 workers`);
  console.log(['how', 'start s', 'idle RSS MB', 'busy RSS median MB', 'busy RSS peak MB', 'archived', 'run s'].join(' | '));
  for (const r of rows) {
    console.log([r.label, r.startSeconds.toFixed(2), r.idleMb.toFixed(0), r.busyMedianMb.toFixed(0), r.busyPeakMb.toFixed(0), r.archived, r.runSeconds.toFixed(1)].join(' | '));
  }
  const figures: Record<string, number> = {};
  for (const [key, r] of [['tsx', rows[0]!], ['bundle', rows[1]!]] as const) {
    Object.assign(figures, {
      [`${key}_start_s`]: +r.startSeconds.toFixed(2),
      [`${key}_idle_rss_mb`]: +r.idleMb.toFixed(1),
      [`${key}_busy_rss_median_mb`]: +r.busyMedianMb.toFixed(1),
      [`${key}_busy_rss_peak_mb`]: +r.busyPeakMb.toFixed(1),
    });
  }
  console.log(JSON.stringify(figures));
} finally {
  await emulator.close();
  await db.stop();
}

import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startLocalTsa, type LocalTsa } from '../../dev/tsa';
import { ingestMessage, type IngestResult } from '../../backend/src/ingest';
import { integrityHandlers, sealLedger, VERIFY_JOB, type IntegritySettings } from '../../backend/src/integrity/service';
import { startWorker, type Worker } from '../../backend/src/jobs/worker';
import { enqueue, getJob, type Job } from '../../backend/src/store/jobs';
import { latestVerificationReport, type VerificationReport } from '../../backend/src/store/integrity-reports';
import { testStore, type TestStore } from '../helpers/db';
import { waitFor } from '../jobs/helpers';

let tsa: Promise<LocalTsa> | undefined;
/** One real local TSA (openssl ts) per test file. */
export async function localTsa(): Promise<LocalTsa> {
  tsa ??= mkdtemp(join(tmpdir(), 'tsa-keys-')).then((dir) => startLocalTsa({ dir }));
  return tsa;
}

/** The file's TSA stops with its last test (its server would keep the test process alive). */
export async function closeTsa(): Promise<void> {
  const t = tsa;
  tsa = undefined;
  await (await t)?.close();
}

/** As configured by default: hour-long periods, time-stamps due a day after their period. */
export async function settingsFor(t: LocalTsa | null, over: Partial<IntegritySettings['verify']> = {}): Promise<IntegritySettings> {
  const periodMs = 60 * 60_000;
  const graceMs = 24 * 3_600_000;
  return {
    tsa: { url: t?.url ?? null, graceMs },
    periodMs,
    verify: { trustedTsaCerts: t ? [readFileSync(t.caCertPath, 'utf8')] : [], stampDueMs: periodMs + graceMs, maxBytesPerSecond: 0, ...over },
    verifyCron: null,
    kms: { current: null, previous: null },
  };
}

/** A real message, different for every `n`. */
export function message(n: number, extra = ''): Buffer {
  return Buffer.from(
    [`From: Sender ${n} <sender${n}@contoso.example>`, 'To: adele@contoso.example', `Subject: Quarterly figures ${n}`, `Message-ID: <m${n}@contoso.example>`, 'Date: Tue, 1 Dec 2026 10:00:00 +0000', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', `Figures for part ${n}.${extra}`, ''].join('\r\n'),
  );
}

export async function archive(store: TestStore, archiveId: string, count: number, from = 0): Promise<IngestResult[]> {
  const out: IngestResult[] = [];
  for (let n = from; n < from + count; n += 1) {
    out.push(await ingestMessage(store, { archiveId, folder: '', source: { kind: 'import', file: `batch/${n}.eml` }, content: Readable.from([message(n)]) }));
  }
  return out;
}

export interface Fixture {
  store: TestStore;
  settings: IntegritySettings;
  seal(opts?: { stampLate?: boolean }): Promise<Awaited<ReturnType<typeof sealLedger>>>;
  verify(): Promise<VerificationReport>;
  /** Stops the worker as a process stopping would (its job goes back to the queue), and starts another. */
  restartWorker(): Promise<void>;
  /** Runs a job of this type to its end; its result. */
  run(type: string): Promise<unknown>;
  close(): Promise<void>;
}

/** A store with the integrity jobs served by a real worker. */
/** `graceMs`: how late a root may be stamped, for the sealer and verification alike (its period left out). */
export async function fixture(opts: { tsa?: boolean; verify?: Partial<IntegritySettings['verify']>; kms?: IntegritySettings['kms']; graceMs?: number } = {}): Promise<Fixture> {
  const store = await testStore();
  const settings = { ...(await settingsFor(opts.tsa === false ? null : await localTsa(), opts.verify)), ...(opts.kms ? { kms: opts.kms } : {}) };
  if (opts.graceMs !== undefined) {
    settings.tsa.graceMs = opts.graceMs;
    settings.verify.stampDueMs = opts.graceMs;
  }
  let worker: Worker | null = null;
  const start = () => (worker = startWorker({ store, handlers: integrityHandlers(store, settings), leaseMs: 2_000, pollMs: 20 }));
  start();
  return {
    store,
    settings,
    seal: (o = {}) => sealLedger(store, settings, { closeOpen: true, ...o }),
    restartWorker: async () => {
      await worker?.stop();
      start();
    },
    run: async (type) => (await finished(store, (await enqueue(store, { type }))._id)).result,
    verify: async () => {
      const job = await enqueue(store, { type: VERIFY_JOB });
      await finished(store, job._id);
      return (await latestVerificationReport(store))!;
    },
    close: async () => {
      await worker?.stop();
      await store.drop();
    },
  };
}

export async function finished(store: TestStore, jobId: string, timeoutMs = 30_000): Promise<Job> {
  const job = await waitFor('the job to finish', async () => {
    const j = await getJob(store, jobId);
    return j && ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : null;
  }, timeoutMs);
  if (job.status !== 'succeeded') throw new Error(`job ${jobId} ${job.status}: ${job.error?.message}`);
  return job;
}

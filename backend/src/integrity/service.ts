import { readFileSync } from 'node:fs';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { ScheduledWork } from '../jobs/scheduler';
import type { JobHandler } from '../jobs/worker';
import type { Store } from '../store';
import { every } from '../jobs/every';
import { enqueue } from '../store/jobs';
import { itemsArchivedBefore, latestVerificationReport, runningVerification } from '../store/integrity-reports';
import { countLedgerEntries, countQueuedLedgerEvents, listLedgerRoots, type StampRule } from '../store/ledger';
import { getJob } from '../store/jobs';
import { listWrappedKeys, readEncryptionState, writeEncryptionState } from '../store/keys';
import { configuredKms, enableEncryption, loadKeys, rotateDataKey, type Kms } from './keys';
import { recordAdded } from './ledger';
import { chainQueued } from './seal';
import { REENCRYPT_JOB, reencryptHandler } from './reencrypt';
import { closePeriods, pastGrace, stampRoots, type TsaSettings } from './roots';
import { VERIFY_JOB, verifyHandler, type VerifySettings } from './verify';

export const BACKFILL_JOB = 'ledger-backfill';
export { VERIFY_JOB };

export interface IntegritySettings {
  tsa: TsaSettings;
  periodMs: number;
  verify: VerifySettings;
  verifyCron: string | null;
  kms: { current: Kms | null; previous: Kms | null };
}

export function integritySettings(config: Config): IntegritySettings {
  const periodMs = config.LEDGER_PERIOD_MINUTES * 60_000;
  const graceMs = config.TSA_GRACE_HOURS * 3_600_000;
  return {
    tsa: { url: config.TSA_URL ?? null, graceMs },
    periodMs,
    verify: {
      trustedTsaCerts: config.TSA_CA_FILE ? [readFileSync(config.TSA_CA_FILE, 'utf8')] : [],
      stampDueMs: periodMs + graceMs,
      maxBytesPerSecond: config.INTEGRITY_VERIFY_MAX_MB_PER_S * 1024 * 1024,
    },
    verifyCron: config.INTEGRITY_VERIFY_CRON.trim().toLowerCase() === 'off' ? null : config.INTEGRITY_VERIFY_CRON,
    kms: configuredKms(config),
  };
}

/** Today's time-stamp rule, which new roots keep (roots.ts) and proofs state (proof.ts). */
export const stampRuleOf = (settings: Pick<IntegritySettings, 'periodMs' | 'verify'>): StampRule => ({ periodMs: settings.periodMs, dueMs: settings.verify.stampDueMs });

/**
 * Chains the queued events, closes the periods that are over (or the open one too, on an
 * administrator's "seal now") and time-stamps the roots still without a token (those closed
 * past the grace too when the administrator asks to stamp late).
 */
export async function sealLedger(store: Store, settings: IntegritySettings, opts: { now?: Date; closeOpen?: boolean; stampLate?: boolean } = {}) {
  const now = opts.now ?? new Date();
  const { head, appended } = await chainQueued(store);
  const closed = await closePeriods(store, head, { now, rule: stampRuleOf(settings), closeOpen: opts.closeOpen });
  const stamps = await stampRoots(store, settings.tsa, { now, late: opts.stampLate });
  return { appended, head: head.seq, rootsClosed: closed.length, ...stamps };
}

/** Items archived before the ledger existed enter it once, as 'added' events of source 'backfill'. */
async function backfill(store: Store, before: Date): Promise<{ recorded: number }> {
  let recorded = 0;
  let page: Parameters<typeof recordAdded>[1] = [];
  const flush = async () => {
    await recordAdded(store, page, before);
    recorded += page.length;
    page = [];
  };
  for await (const item of itemsArchivedBefore(store, before)) {
    const digest = store.blobs.digestOf(item.sha256, false)!;
    // Not 'again': looking each one up would scan the ledger per page. An item that ingest also
    // recorded (archived while the backfill was enqueued) gets two 'added' entries, which verification accepts.
    page.push({ archiveId: item.archiveId, blobId: item.sha256, digest, salted: false, size: item.size, receivedAt: item.receivedAt, source: { kind: 'backfill' }, outcome: 'inserted' });
    if (page.length >= 500) await flush();
  }
  await flush();
  return { recorded };
}

export function integrityHandlers(store: Store, settings: IntegritySettings): Record<string, JobHandler> {
  return {
    [REENCRYPT_JOB]: reencryptHandler(store),
    [BACKFILL_JOB]: async (ctx) => backfill(store, ctx.job.createdAt),
    [VERIFY_JOB]: verifyHandler(store, settings.verify),
  };
}

export function integritySchedules(settings: IntegritySettings): ScheduledWork[] {
  return [
    ...(settings.verifyCron ? [{ schedule: { id: 'integrity-verify', kind: 'cron' as const, expression: settings.verifyCron }, enqueue: { type: VERIFY_JOB, payload: {} } }] : []),
  ];
}

const EVERY_MINUTE = 60_000;

/**
 * Every process with workers seals each minute, beside its jobs rather than as one (a job a
 * minute would crowd the jobs collection): sealers may overlap, every contested write of theirs
 * is an insert on a natural key. The backfill is enqueued once per database (its key never
 * changes, so enqueueing it again returns the first).
 */
export function startLedger(store: Store, settings: IntegritySettings, log: Logger): { stop(): Promise<void> } {
  void enqueue(store, { type: BACKFILL_JOB, key: BACKFILL_JOB, maxAttempts: 10 }).catch((err: unknown) => log.warn({ err }, 'enqueueing the ledger backfill failed'));
  return every(EVERY_MINUTE, () => sealLedger(store, settings), (err) => log.warn({ err }, 'sealing the integrity ledger failed; the next pass retries'));
}

/**
 * Every process (API-only ones and the journal gateway too) reloads the keys each minute, so
 * that it follows an administrator's switch or rotation made through another process.
 */
export function followKeys(store: Store, settings: IntegritySettings, log: Logger): { stop(): Promise<void> } {
  return every(EVERY_MINUTE, () => reloadKeys(store, settings), (err) => log.error({ err }, 'reloading the encryption keys failed'));
}

/** The keys this process encrypts and reads with, from the database and the configured master keys. */
export async function reloadKeys(store: Store, settings: Pick<IntegritySettings, 'kms'>): Promise<number> {
  const keys = await loadKeys(store, settings.kms);
  store.blobs.useKeys(keys);
  return keys.rewrapped;
}

/** Switches encryption of new blobs; switching it on also encrypts the blobs stored before, in the background. */
export async function setEncryption(store: Store, settings: IntegritySettings, enabled: boolean): Promise<void> {
  if (enabled) await enableEncryption(store, settings.kms.current);
  else await writeEncryptionState(store, { ...(await readEncryptionState(store)), enabled: false });
  await reloadKeys(store, settings);
  if (enabled) await startReencryption(store);
}

export async function newDataKey(store: Store, settings: IntegritySettings): Promise<string> {
  const id = await rotateDataKey(store, settings.kms.current);
  await reloadKeys(store, settings);
  return id;
}

export async function startReencryption(store: Store): Promise<string> {
  const job = await enqueue(store, { type: REENCRYPT_JOB, maxAttempts: 10 });
  await writeEncryptionState(store, { ...(await readEncryptionState(store)), reencryptJobId: job._id });
  return job._id;
}

async function encryptionStatus(store: Store, settings: IntegritySettings) {
  const [state, keys] = await Promise.all([readEncryptionState(store), listWrappedKeys(store)]);
  const job = state.reencryptJobId ? await getJob(store, state.reencryptJobId) : null;
  return {
    enabled: state.enabled,
    enabledAt: state.enabledAt,
    masterKeyConfigured: settings.kms.current !== null,
    masterKeyId: settings.kms.current?.id ?? null,
    currentDataKey: state.currentDataKey,
    dataKeys: keys.filter((k) => k.purpose === 'data').length,
    reencryption: job ? { jobId: job._id, status: job.status, progress: job.progress.reencrypt ?? null, error: job.error } : null,
  };
}

export async function runVerificationNow(store: Store): Promise<string> {
  return (await enqueue(store, { type: VERIFY_JOB, payload: { requested: 'on demand' } }))._id;
}

export async function integrityStatus(store: Store, settings: IntegritySettings) {
  const now = new Date();
  const [entries, queued, roots, last, encryption, running] = await Promise.all([
    countLedgerEntries(store),
    countQueuedLedgerEvents(store),
    listLedgerRoots(store),
    latestVerificationReport(store),
    encryptionStatus(store, settings),
    runningVerification(store),
  ]);
  return {
    ledger: {
      entries,
      queued,
      roots: roots.length,
      timestamped: roots.filter((r) => r.token).length,
      awaitingLateStamp: settings.tsa.url ? roots.filter((r) => pastGrace(r, settings.tsa, now)).length : 0,
      lastRoot: roots.length > 0 ? rootView(roots[roots.length - 1]!) : null,
      tsa: settings.tsa.url ? { configured: true, url: settings.tsa.url } : { configured: false, url: null },
    },
    lastVerification: last,
    // A run that stopped saving for long died without finishing (its job retries it or failed).
    runningVerification: running && running.jobId !== last?._id && now.getTime() - running.updatedAt.getTime() < 15 * 60_000 ? running : null,
    encryption,
  };
}

function rootView(r: Awaited<ReturnType<typeof listLedgerRoots>>[number]) {
  return { id: r._id, fromSeq: r.fromSeq, toSeq: r.toSeq, period: r.period, root: r.root, genTime: r.genTime, tsaError: r.tsaError };
}

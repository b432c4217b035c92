import { setTimeout as sleep } from 'node:timers/promises';
import type { JobContext, JobHandler } from '../jobs/worker';
import type { Store } from '../store';
import { clearVerificationRunning, itemRefs, markVerificationRunning, saveVerificationReport, type Problem, type VerificationCounts } from '../store/integrity-reports';
import { queuedLedgerEvents } from '../store/ledger';
import { checkLedger, type MessageState } from './verify-ledger';

export const VERIFY_JOB = 'integrity-verify';

export interface VerifySettings {
  /** PEM CA certificates a root's time-stamp token must chain to. */
  trustedTsaCerts: string[];
  /** A root's token is due this long after its last entry (a period and the grace, TSA_GRACE_HOURS). */
  stampDueMs: number;
  /** Stored bytes read per second at most, so that archiving goes on meanwhile; 0: no limit. */
  maxBytesPerSecond: number;
}

interface Checkpoint {
  startedAt: string;
  resumed: number;
  /** Where the blob scan is (store/blob-scan.ts). */
  position: number;
  counts: VerificationCounts;
  problems: Problem[];
}

const KEPT_PROBLEMS = 500;
const CHECKPOINT_MS = 2_000;

/**
 * The verification job (scheduled and on demand): the ledger's chain, roots and tokens; every
 * stored blob re-read and re-hashed, against its id and the ledger's digest; every archive item
 * against the ledger and the blobs; and every message the ledger says is held against the
 * archive. Its place in the blob scan, its counts and the problems found so far are kept in the
 * job, so a run taken over after a crash resumes there (the ledger, quick to read, is read again).
 */
export function verifyHandler(store: Store, settings: VerifySettings): JobHandler {
  return async (ctx) => {
    const saved = ctx.job.progress.checkpoint as Checkpoint | undefined;
    const run: Checkpoint = saved ? { ...saved, resumed: saved.resumed + 1 } : fresh();
    const known = new Set(run.problems.map((p) => `${p.kind}:${p.id}`));
    const report = (p: Problem) => {
      const key = `${p.kind}:${p.id}`;
      if (known.has(key)) return;
      known.add(key);
      run.counts.problems += 1;
      if (run.problems.length < KEPT_PROBLEMS) run.problems.push(p);
    };
    const save = saver(ctx, store, run);
    await save('ledger');
    const ledger = await checkLedger(store, { trusted: settings.trustedTsaCerts, dueMs: settings.stampDueMs, now: new Date() }, report);
    Object.assign(run.counts, { ledgerEntriesChecked: ledger.entries, rootsChecked: ledger.roots, rootsTimestamped: ledger.timestamped });
    await save('blobs');
    const blobs = await scanBlobs(save, store, run, byBlob(ledger.messages), settings, report, ctx.signal);
    await save('items');
    await checkItems(ctx.signal, store, run, ledger.messages, blobs, report);
    const finishedAt = new Date();
    await saveVerificationReport(store, { _id: ctx.job._id, startedAt: new Date(run.startedAt), finishedAt, resumed: run.resumed, counts: run.counts, problems: run.problems });
    await ctx.progress({ phase: 'done', checkpoint: run });
    await clearVerificationRunning(store, ctx.job._id);
    return { ...run.counts, resumed: run.resumed };
  };
}

type Save = (phase?: string) => Promise<void>;

/** Keeps the checkpoint in the job (to resume from) and the figures where the Teams tab reads them. */
function saver(ctx: JobContext, store: Store, run: Checkpoint): Save {
  let phase = 'ledger';
  return async (next) => {
    phase = next ?? phase;
    await ctx.progress({ phase, checkpoint: run });
    await markVerificationRunning(store, { jobId: ctx.job._id, startedAt: new Date(run.startedAt), phase, counts: run.counts });
  };
}

function fresh(): Checkpoint {
  const counts: VerificationCounts = { messagesChecked: 0, bytesRead: 0, itemsChecked: 0, ledgerEntriesChecked: 0, rootsChecked: 0, rootsTimestamped: 0, problems: 0 };
  return { startedAt: new Date().toISOString(), resumed: 0, position: 0, counts, problems: [] };
}

function byBlob(messages: Map<string, MessageState>): Map<string, MessageState[]> {
  const out = new Map<string, MessageState[]>();
  for (const [key, state] of messages) {
    if (state.event !== 'added') continue;
    const blobId = key.slice(key.lastIndexOf(':') + 1);
    out.set(blobId, [...(out.get(blobId) ?? []), state]);
  }
  return out;
}

/** Blob ids that are stored and read back whole (every blob, when resumed: the scan before the crash found them). */
async function scanBlobs(save: Save, store: Store, run: Checkpoint, ledger: Map<string, MessageState[]>, settings: VerifySettings, report: (p: Problem) => void, signal: AbortSignal): Promise<Set<string>> {
  const known = new Set(run.problems.filter((p) => p.kind === 'missing-blob').map((p) => p.id));
  const present = new Set<string>();
  const started = Date.now();
  const bytesAtStart = run.counts.bytesRead;
  let savedAt = Date.now();
  for await (const blob of store.blobs.scan(run.position)) {
    signal.throwIfAborted();
    run.position = blob.position;
    run.counts.messagesChecked += 1;
    run.counts.bytesRead += blob.storedBytes;
    if (blob.status === 'missing') report({ kind: 'missing-blob', id: blob.id, detail: blob.reason ?? 'its chunks are gone' });
    else present.add(blob.id);
    if (blob.status === 'altered') report({ kind: 'altered-blob', id: blob.id, detail: blob.reason ?? 'does not read back as stored' });
    if (blob.status === 'ok' && blob.sha256) {
      for (const state of ledger.get(blob.id) ?? []) {
        const digest = store.blobs.digestOf(blob.sha256, state.salted);
        if (digest !== state.digest) report({ kind: 'ledger-mismatch', id: String(state.seq), detail: `ledger entry ${state.seq} records another digest than blob ${blob.id} holds` });
      }
    }
    if (Date.now() - savedAt >= CHECKPOINT_MS) {
      await save();
      savedAt = Date.now();
    }
    await throttle(settings.maxBytesPerSecond, run.counts.bytesRead - bytesAtStart, started);
  }
  // Those before the position were read by the attempt that crashed (and its problems kept).
  if (run.resumed > 0) for await (const id of store.blobs.ids()) if (!known.has(id)) present.add(id);
  return present;
}

async function checkItems(signal: AbortSignal, store: Store, run: Checkpoint, ledger: Map<string, MessageState>, blobs: Set<string>, report: (p: Problem) => void): Promise<void> {
  const held = new Set<string>();
  // Queued events are recorded, only not chained yet (the sealer runs each minute).
  const queued = new Set<string>();
  for await (const e of queuedLedgerEvents(store, 100_000)) if (e.content.event === 'added') queued.add(`${e.content.archiveId}:${e.content.blobId}`);
  run.counts.itemsChecked = 0;
  for await (const item of itemRefs(store)) {
    signal.throwIfAborted();
    run.counts.itemsChecked += 1;
    held.add(item._id);
    if (!blobs.has(item.sha256)) report({ kind: 'missing-blob', id: item.sha256, detail: `archive item ${item._id} has no stored blob` });
    if (ledger.get(item._id)?.event !== 'added' && !queued.has(item._id)) report({ kind: 'missing-ledger-entry', id: item._id, detail: 'the archive holds this message, the ledger does not record its arrival' });
  }
  for (const [key, state] of ledger) {
    if (state.event === 'added' && !held.has(key)) report({ kind: 'missing-message', id: key, detail: `ledger entry ${state.seq} records this message as held; the archive no longer has it` });
  }
}

/** Sleeps as long as reading ran ahead of the allowed rate; yields to the event loop either way. */
async function throttle(maxBytesPerSecond: number, bytes: number, startedAt: number): Promise<void> {
  const ahead = maxBytesPerSecond > 0 ? (bytes / maxBytesPerSecond) * 1000 - (Date.now() - startedAt) : 0;
  await sleep(Math.max(0, Math.min(ahead, 5_000)));
}

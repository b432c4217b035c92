import type { mongo } from 'mongoose';
import type { Store } from './connection';

/**
 * Integrity verification results (integrity/verify.ts), one per finished run; few, read newest first.
 * What verification names: the API's schema takes its list from here (http/contract/schemas.ts).
 */
export const PROBLEM_KINDS = [
  'missing-blob',
  'altered-blob',
  'missing-ledger-entry',
  'ledger-mismatch',
  'missing-message',
  'broken-chain',
  'bad-root',
  'bad-token',
  'unstamped-root',
  'late-token',
] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export interface Problem {
  kind: ProblemKind;
  /** The exact thing: a blob id, an item id (archive:blob), a ledger sequence number, a root number. */
  id: string;
  detail: string;
}

export interface VerificationCounts {
  messagesChecked: number;
  bytesRead: number;
  itemsChecked: number;
  ledgerEntriesChecked: number;
  rootsChecked: number;
  rootsTimestamped: number;
  problems: number;
}

export interface VerificationReport {
  _id: string;
  startedAt: Date;
  finishedAt: Date;
  /** A run cut short by a crash resumed where it was: how often. */
  resumed: number;
  counts: VerificationCounts;
  /** The first problems found (all are counted). */
  problems: Problem[];
}

type Reports = Pick<Store, 'db'>;
const coll = (store: Reports) => store.db.collection<VerificationReport>('integrity_reports');

export async function saveVerificationReport(store: Reports, report: VerificationReport): Promise<void> {
  await coll(store).replaceOne({ _id: report._id }, report, { upsert: true });
}

export async function latestVerificationReport(store: Reports): Promise<VerificationReport | null> {
  const [last] = await coll(store).find({}).sort({ finishedAt: -1 }).limit(1).toArray();
  return last ?? null;
}

/** Archive items by id, in storage order, without their content (a full pass; verification only). */
export async function* itemRefs(store: Reports): AsyncGenerator<{ _id: string; archiveId: string; sha256: string }> {
  const items = store.db.collection<{ _id: string; archiveId: string; sha256: string }>('items');
  yield* items.find({}, { projection: { _id: 1, archiveId: 1, sha256: 1 } }).batchSize(1_000) as mongo.FindCursor<{ _id: string; archiveId: string; sha256: string }>;
}

/** Items archived before a time (the ledger's backfill), with what its entries record. */
export async function* itemsArchivedBefore(store: Reports, before: Date): AsyncGenerator<{ archiveId: string; sha256: string; size: number; receivedAt: Date }> {
  const items = store.db.collection<{ _id: string; archiveId: string; sha256: string; size: number; receivedAt: Date; archivedAt: Date }>('items');
  for await (const item of items.find({}, { projection: { archiveId: 1, sha256: 1, size: 1, receivedAt: 1, archivedAt: 1 } }).batchSize(1_000)) {
    if (item.archivedAt < before) yield item;
  }
}

/** The verification under way, for the Teams tab: written at each checkpoint, removed at the end. */
export interface RunningVerification {
  _id: 'running';
  jobId: string;
  startedAt: Date;
  phase: string;
  counts: VerificationCounts;
  updatedAt: Date;
}

const running = (store: Reports) => store.db.collection<RunningVerification>('integrity_running');

export async function markVerificationRunning(store: Reports, value: Omit<RunningVerification, '_id' | 'updatedAt'>): Promise<void> {
  await running(store).replaceOne({ _id: 'running' }, { ...value, updatedAt: new Date() }, { upsert: true });
}

export async function clearVerificationRunning(store: Reports, jobId: string): Promise<void> {
  await running(store).deleteOne({ _id: 'running', jobId });
}

export async function runningVerification(store: Reports): Promise<RunningVerification | null> {
  return running(store).findOne({ _id: 'running' });
}

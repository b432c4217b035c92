import { mongo } from 'mongoose';
import {
  insertLedgerRoot,
  lastLedgerRoot,
  ledgerEntriesInOrder,
  listLedgerRoots,
  setRootStampError,
  setRootTimestamp,
  type LedgerEntry,
  type LedgerRoot,
  type LedgerStore,
  type StampRule,
} from '../store/ledger';
import type { Head } from './ledger';
import { merkleRoot } from './merkle';
import { requestTimestamp } from './tsa';

export interface TsaSettings {
  /** RFC 3161 endpoint; none: roots stay untimestamped (and the Teams tab says so). */
  url: string | null;
  timeoutMs?: number;
  /** A root closed longer ago than this is stamped only when an administrator asks (`late`). */
  graceMs: number;
}

/**
 * Closes periods (say each hour with activity) into Merkle roots over their entries' chain
 * hashes. A root covers the entries after the previous root, up to the last one of a period
 * that is over; `closeOpen` also closes the current period (an administrator's "seal now", and
 * tests). Entries join the period they were queued in; one that arrives late joins the period
 * being closed. Each root keeps the `rule` its token will be held to. Returns the roots closed.
 */
export async function closePeriods(store: LedgerStore, head: Head, opts: { now: Date; rule: StampRule; closeOpen?: boolean }): Promise<LedgerRoot[]> {
  const { periodMs } = opts.rule;
  const closed: LedgerRoot[] = [];
  let last = await lastLedgerRoot(store);
  let group: LedgerEntry[] = [];
  const close = async (): Promise<boolean> => {
    const first = group[0]!;
    const root: LedgerRoot = {
      _id: (last?._id ?? 0) + 1,
      fromSeq: first._id,
      toSeq: group[group.length - 1]!._id,
      period: periodOf(first.at, periodMs),
      root: merkleRoot(group.map((e) => Buffer.from(e.hash, 'hex'))).toString('hex'),
      closedAt: opts.now,
      token: null,
      genTime: null,
      tsaUrl: null,
      tsaError: null,
      rule: opts.rule,
    };
    if (!(await insertLedgerRoot(store, root))) return false; // another sealer closed it
    closed.push(root);
    last = root;
    group = [];
    return true;
  };
  const from = (last?.toSeq ?? 0) + 1;
  if (head.seq < from) return closed;
  const open = openPeriods.get(store);
  const over = (at: Date) => periodOf(at, periodMs).getTime() + periodMs <= opts.now.getTime();
  if (!opts.closeOpen && open?.from === from && !over(open.at)) return closed;
  for await (const entry of ledgerEntriesInOrder(store, { from, to: head.seq })) {
    if (group.length > 0 && periodOf(entry.at, periodMs).getTime() > periodOf(group[0]!.at, periodMs).getTime() && !(await close())) return closed;
    group.push(entry);
  }
  if (group.length > 0 && (over(group[0]!.at) || opts.closeOpen)) await close();
  if (group[0]) openPeriods.set(store, { from: group[0]._id, at: group[0].at });
  else openPeriods.delete(store);
  return closed;
}

/**
 * Per store, the first entry after the last root, when its period was not over yet. Until that
 * period ends nothing can close (an entry of a later period comes after its end), so the sealer's
 * pass each minute need not read the entries again: on FerretDB 1.24 a range of the chain is a
 * read of all of it.
 */
const openPeriods = new WeakMap<LedgerStore, { from: number; at: Date }>();

/**
 * Asks the TSA for every root still without a token; a failure is kept on the root and retried
 * next time. A token proves only that its root existed when it was issued: a root closed longer
 * ago than the grace (a token deleted, a TSA down for days or configured later) is not stamped
 * on the sealer's own, or whoever can rewrite entries and their root, and delete the token, would
 * get a fresh token over the forgery within a minute. An administrator stamps such roots (`late`);
 * verification names every token issued past the grace (verify-ledger.ts).
 */
export async function stampRoots(store: LedgerStore, tsa: TsaSettings, opts: { now: Date; late?: boolean }): Promise<{ stamped: number; failed: number; late: number }> {
  const counts = { stamped: 0, failed: 0, late: 0 };
  if (!tsa.url) return counts;
  for (const root of await listLedgerRoots(store)) {
    if (root.token) continue;
    if (!opts.late && pastGrace(root, tsa, opts.now)) {
      counts.late += 1;
      if (root.tsaError !== LATE) await setRootStampError(store, root._id, tsa.url, LATE);
      continue;
    }
    try {
      const { token, genTime } = await requestTimestamp(tsa.url, Buffer.from(root.root, 'hex'), tsa.timeoutMs);
      await setRootTimestamp(store, root._id, { token: new mongo.Binary(token), genTime, tsaUrl: tsa.url });
      counts.stamped += 1;
    } catch (err) {
      await setRootStampError(store, root._id, tsa.url, (err as Error).message);
      counts.failed += 1;
    }
  }
  return counts;
}

/** Closed longer ago than the grace without a token: the sealer leaves it to an administrator. */
export function pastGrace(root: LedgerRoot, tsa: TsaSettings, now: Date): boolean {
  return !root.token && new Date(root.closedAt).getTime() + tsa.graceMs < now.getTime();
}

const LATE = 'closed longer ago than TSA_GRACE_HOURS without a token: only an administrator stamps it now ("stamp late")';

function periodOf(at: Date, periodMs: number): Date {
  return new Date(Math.floor(at.getTime() / periodMs) * periodMs);
}

import { LEDGER_GENESIS, ledgerEntriesInOrder, ledgerHeadHint, listLedgerRoots, type LedgerEntry, type LedgerRoot, type LedgerStore } from '../store/ledger';
import type { Problem } from '../store/integrity-reports';
import { ledgerEntryHash } from './ledger';
import { merkleRoot } from './merkle';
import { verifyTimestamp } from './tsa';

/** What the ledger says of one message in one archive: its latest event. */
export interface MessageState {
  event: 'added' | 'removed';
  seq: number;
  digest: string;
  salted: boolean;
}

export interface LedgerCheck {
  /** By `archiveId:blobId`. */
  messages: Map<string, MessageState>;
  entries: number;
  roots: number;
  timestamped: number;
}

/** What a root's time-stamp is checked against. */
export interface StampRules {
  /** PEM CA certificates a token must chain to; none: no TSA, roots are not expected to carry tokens. */
  trusted: string[];
  /**
   * A root's token is due this long after its last entry (its period and TSA_GRACE_HOURS), or
   * sooner when the rule the root was closed under said so: a grace raised later excuses no late
   * stamp, and a rule rewritten beside the root (stored unprotected) cannot loosen today's.
   */
  dueMs: number;
  now: Date;
}

/**
 * Reads the whole chain in order: every entry's link and hash (a changed, removed, inserted or
 * reordered entry breaks them, and is named by its sequence number), every root recomputed over
 * its range, every root's token checked against the trusted TSA certificates and its due time.
 */
export async function checkLedger(store: LedgerStore, rules: StampRules, report: (p: Problem) => void): Promise<LedgerCheck> {
  const announced = (await ledgerHeadHint(store)).seq;
  const roots = await listLedgerRoots(store);
  const rootQueue = [...roots];
  const check: LedgerCheck = { messages: new Map(), entries: 0, roots: roots.length, timestamped: 0 };
  let head = { seq: 0, hash: LEDGER_GENESIS };
  let leaves: Buffer[] = [];
  let lastAt = new Date(0);
  for await (const entry of ledgerEntriesInOrder(store)) {
    const problem = linkProblem(entry, head);
    if (problem) report({ kind: 'broken-chain', id: String(problem.at), detail: problem.detail });
    if (typeof entry._id !== 'number') continue;
    head = { seq: entry._id, hash: entry.hash };
    check.entries += 1;
    check.messages.set(`${entry.archiveId}:${entry.blobId}`, { event: entry.event, seq: entry._id, digest: entry.digest, salted: entry.salted });
    // A root whose last entry is missing ends before this one.
    while (rootQueue[0] && rootQueue[0].toSeq < entry._id) {
      await checkRoot(rootQueue.shift()!, { leaves, lastAt }, rules, report);
      leaves = [];
    }
    const root = rootQueue[0];
    if (root && entry._id >= root.fromSeq) leaves.push(Buffer.from(entry.hash, 'hex'));
    lastAt = entry.at;
    if (root && entry._id === root.toSeq) {
      await checkRoot(rootQueue.shift()!, { leaves, lastAt }, rules, report);
      leaves = [];
    }
  }
  if (announced > head.seq) report({ kind: 'broken-chain', id: String(head.seq + 1), detail: `entries ${head.seq + 1} to ${announced} are missing from the end` });
  for (const root of rootQueue) report({ kind: 'bad-root', id: String(root._id), detail: `covers entries ${root.fromSeq} to ${root.toSeq}, which the ledger does not hold` });
  check.timestamped = roots.filter((r) => r.token).length;
  return check;
}

/** What is wrong at this point of the chain, and the sequence number to name (a gap names its first missing entry). */
function linkProblem(entry: LedgerEntry, head: { seq: number; hash: string }): { at: unknown; detail: string } | null {
  const id: unknown = entry._id;
  if (typeof id !== 'number' || !Number.isInteger(id)) return { at: id, detail: `foreign entry with id ${JSON.stringify(id)}` };
  const expected = head.seq + 1;
  if (id > expected) return { at: expected, detail: id === expected + 1 ? `entry ${expected} is missing` : `entries ${expected} to ${id - 1} are missing` };
  if (ledgerEntryHash(entry) !== entry.hash) return { at: id, detail: 'content does not match its hash' };
  if (entry.prev !== head.hash) return { at: id, detail: 'does not link to the previous entry' };
  return null;
}

/**
 * The root against its entries (their hashes, and the time of the last one, which the chain
 * protects), then its token. A token proves only that the root existed when it was issued, so
 * one issued past the due time vouches for that later time alone: after a TSA outage or a TSA
 * configured later, or after a rewrite of the entries whose token was deleted and asked for
 * again. Verification cannot tell these apart, so it names the root (late-token); a root past its
 * due time without a token is named too (unstamped-root). The due time is the stricter of today's
 * rule and the one the root was closed under.
 */
async function checkRoot(root: LedgerRoot, range: { leaves: Buffer[]; lastAt: Date }, rules: StampRules, report: (p: Problem) => void): Promise<void> {
  const id = String(root._id);
  const expected = root.toSeq - root.fromSeq + 1;
  const computed = merkleRoot(range.leaves).toString('hex');
  if (range.leaves.length !== expected || computed !== root.root) {
    report({ kind: 'bad-root', id, detail: `entries ${root.fromSeq} to ${root.toSeq} no longer hash to the recorded root` });
    return;
  }
  const due = new Date(range.lastAt.getTime() + Math.min(root.rule?.dueMs ?? Infinity, rules.dueMs));
  if (!root.token) {
    if (rules.trusted.length > 0 && due < rules.now) report({ kind: 'unstamped-root', id, detail: `no time-stamp token, due by ${due.toISOString()} (${root.tsaError ?? 'never asked for'})` });
    return;
  }
  const token = await verifyTimestamp(Buffer.from(root.token.buffer), Buffer.from(root.root, 'hex'), rules.trusted);
  if (!token.ok) report({ kind: 'bad-token', id, detail: token.reason });
  else if (root.genTime && token.genTime.getTime() !== new Date(root.genTime).getTime()) report({ kind: 'bad-token', id, detail: 'token time differs from the recorded one' });
  else if (token.genTime > due) report({ kind: 'late-token', id, detail: `stamped ${token.genTime.toISOString()}, after its due time ${due.toISOString()}: the token proves that the entries ${root.fromSeq} to ${root.toSeq} existed then, not earlier` });
}

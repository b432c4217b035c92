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

/**
 * Reads the whole chain in order: every entry's link and hash (a changed, removed, inserted or
 * reordered entry breaks them, and is named by its sequence number), every root recomputed over
 * its range, every root's token checked against the trusted TSA certificates.
 */
export async function checkLedger(store: LedgerStore, trusted: string[], report: (p: Problem) => void): Promise<LedgerCheck> {
  const announced = (await ledgerHeadHint(store)).seq;
  const roots = await listLedgerRoots(store);
  const rootQueue = [...roots];
  const check: LedgerCheck = { messages: new Map(), entries: 0, roots: roots.length, timestamped: 0 };
  let head = { seq: 0, hash: LEDGER_GENESIS };
  let leaves: Buffer[] = [];
  for await (const entry of ledgerEntriesInOrder(store)) {
    const problem = linkProblem(entry, head);
    if (problem) report({ kind: 'broken-chain', id: String(problem.at), detail: problem.detail });
    if (typeof entry._id !== 'number') continue;
    head = { seq: entry._id, hash: entry.hash };
    check.entries += 1;
    check.messages.set(`${entry.archiveId}:${entry.blobId}`, { event: entry.event, seq: entry._id, digest: entry.digest, salted: entry.salted });
    // A root whose last entry is missing ends before this one.
    while (rootQueue[0] && rootQueue[0].toSeq < entry._id) {
      await checkRoot(rootQueue.shift()!, leaves, trusted, report);
      leaves = [];
    }
    const root = rootQueue[0];
    if (root && entry._id >= root.fromSeq) leaves.push(Buffer.from(entry.hash, 'hex'));
    if (root && entry._id === root.toSeq) {
      await checkRoot(rootQueue.shift()!, leaves, trusted, report);
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

async function checkRoot(root: LedgerRoot, leaves: Buffer[], trusted: string[], report: (p: Problem) => void): Promise<void> {
  const expected = root.toSeq - root.fromSeq + 1;
  const computed = merkleRoot(leaves).toString('hex');
  if (leaves.length !== expected || computed !== root.root) {
    report({ kind: 'bad-root', id: String(root._id), detail: `entries ${root.fromSeq} to ${root.toSeq} no longer hash to the recorded root` });
    return;
  }
  if (!root.token) return;
  const token = await verifyTimestamp(Buffer.from(root.token.buffer), Buffer.from(root.root, 'hex'), trusted);
  if (!token.ok) report({ kind: 'bad-token', id: String(root._id), detail: token.reason });
  else if (root.genTime && token.genTime.getTime() !== new Date(root.genTime).getTime()) report({ kind: 'bad-token', id: String(root._id), detail: 'token time differs from the recorded one' });
}

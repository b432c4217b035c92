import { createHash } from 'node:crypto';
import { canonicalJson } from '../access/chain';
import {
  LEDGER_GENESIS,
  advanceLedgerHeadHint,
  appendLedgerEntries,
  dequeueLedgerEvents,
  getLedgerEntry,
  ledgerEntriesFor,
  ledgerEntriesInOrder,
  ledgerHeadHint,
  queueLedgerEvents,
  queuedLedgerEvents,
  type LedgerContent,
  type LedgerEntry,
  type LedgerStore,
  type QueuedEvent,
} from '../store/ledger';

/**
 * The integrity ledger (MISSION M19): an append-only hash chain of every message added to or
 * removed from an archive. Its rule is the audit trail's (access/chain.ts): hash(n) =
 * SHA-256(hash(n-1) ‖ canonical JSON of entry n with `seq`), so one few-line script checks both.
 *
 * Ingest does not chain: chaining is one writer at a time, and ingest has many. It queues an
 * event with the page's writes (one insert, keyed so a retry is the same event); `sealLedger`
 * (a leased job, every minute) chains the queue in order. An entry is chained before its
 * queued event is deleted, and a sealer first walks past entries a crashed sealer appended and
 * deletes their events, so a crash anywhere neither loses nor repeats an event.
 */
export type AddedMessage = Pick<LedgerContent, 'archiveId' | 'blobId' | 'digest' | 'salted' | 'size' | 'receivedAt' | 'source'> & {
  /** 'inserted': the item is new; 'again': it existed (a retry or a repeated delivery), so the sealer looks whether the ledger has it. */
  outcome: 'inserted' | 'again';
};

/** Queues 'added' events with the page's writes. */
export async function recordAdded(store: LedgerStore, messages: AddedMessage[], now = new Date()): Promise<void> {
  const events = messages.map((m): QueuedEvent => {
    const again = m.outcome === 'again';
    const key = `added:${m.archiveId}:${m.blobId}:${again ? 'again' : now.getTime()}`;
    const { outcome: _o, ...fields } = m;
    return { _id: key, content: { key, event: 'added', ...fields, at: now }, queuedAt: now, ...(again ? { check: true } : {}) };
  });
  await queueLedgerEvents(store, events);
}

export interface RemovedMessage {
  archiveId: string;
  /** The item's `sha256` (the blob id). */
  blobId: string;
  /** Left out, the sealer copies them from the message's 'added' entry. */
  digest?: string;
  salted?: boolean;
  size: number;
  receivedAt: Date;
  /** Why it left the archive, e.g. `retention:<policy id>` or `erasure:<request id>`. */
  reason: string;
}

/**
 * Records that messages left their archives (retention disposal, erasure). Call it before the
 * items are deleted: a crash in between leaves a 'removed' entry for a message still held, which
 * verification reports and the retried disposal completes, never a silent removal.
 */
export async function recordRemoved(store: LedgerStore, messages: RemovedMessage[], now = new Date()): Promise<void> {
  const events = messages.map((m): QueuedEvent => {
    const key = `removed:${m.archiveId}:${m.blobId}:${now.getTime()}`;
    const { reason, digest, salted, ...fields } = m;
    const known = digest !== undefined;
    const content: LedgerContent = { key, event: 'removed', ...fields, digest: digest ?? '', salted: salted ?? false, source: { kind: 'disposal', reason }, at: now };
    return { _id: key, content, queuedAt: now, ...(known ? {} : { check: true }) };
  });
  await queueLedgerEvents(store, events);
}

export function ledgerEntryHash(doc: Pick<LedgerEntry, '_id' | 'prev'> & LedgerContent): string {
  const { _id, prev, ...content } = doc;
  const { hash: _hash, ...hashed } = content as LedgerContent & { hash?: string };
  return createHash('sha256')
    .update(prev + canonicalJson({ seq: _id, ...hashed }))
    .digest('hex');
}

export interface Head {
  seq: number;
  hash: string;
}

/**
 * Events read per sorted read. FerretDB 1.24 answers each read by reading and sorting the whole
 * queue, so a backlog costs (backlog / WINDOW) such reads: a larger window means fewer of them.
 * The window bounds memory and what a crashed sealer leaves for the next one to walk past.
 */
const WINDOW = 5_000;

/** Chains every queued event; returns the head and how many entries were appended. */
export async function chainQueued(store: LedgerStore): Promise<{ head: Head; appended: number }> {
  let head = await walkToHead(store);
  let appended = 0;
  for (;;) {
    const batch = await queuedLedgerEvents(store, WINDOW);
    if (batch.length === 0) return { head, appended };
    const docs = chain(await withoutRecorded(store, batch), head);
    if (!(await appendLedgerEntries(store, docs))) {
      head = await walkToHead(store); // another sealer got there first
      continue;
    }
    await dequeueLedgerEvents(store, batch.map((e) => e._id));
    const last = docs[docs.length - 1];
    if (last) head = { seq: last._id, hash: last.hash };
    await advanceLedgerHeadHint(store, head.seq);
    appended += docs.length;
  }
}

function chain(events: QueuedEvent[], from: Head): LedgerEntry[] {
  let head = from;
  return events.map((e) => {
    const doc: LedgerEntry = { _id: head.seq + 1, ...e.content, prev: head.hash, hash: '' };
    doc.hash = ledgerEntryHash(doc);
    head = { seq: doc._id, hash: doc.hash };
    return doc;
  });
}

/**
 * Events to look up first (the rare ones): a repeated add of a message the ledger shows as held
 * adds nothing; a removal given without its digest takes the one its message was added with.
 */
async function withoutRecorded(store: LedgerStore, batch: QueuedEvent[]): Promise<QueuedEvent[]> {
  const checks = batch.filter((e) => e.check);
  if (checks.length === 0) return batch;
  const state = new Map<string, Pick<LedgerContent, 'event' | 'digest' | 'salted'>>();
  for (const e of await ledgerEntriesFor(store, checks.map((c) => c.content))) state.set(`${e.archiveId}:${e.blobId}`, e);
  return batch.flatMap((e): QueuedEvent[] => {
    const k = `${e.content.archiveId}:${e.content.blobId}`;
    const last = state.get(k);
    if (e.check && e.content.event === 'added' && last?.event === 'added') return [];
    const content = e.check && e.content.event === 'removed' && last ? { ...e.content, digest: last.digest, salted: last.salted } : e.content;
    state.set(k, content);
    return [{ ...e, content }];
  });
}

/**
 * The end of the chain, from the shared hint forward in one ranged read. Entries past the hint
 * were appended by a sealer that stopped before deleting their events: those go now. A hint
 * naming a missing entry means the end was cut off; appending after it keeps that gap visible
 * to verification instead of refilling it.
 */
async function walkToHead(store: LedgerStore): Promise<Head> {
  const hint = await ledgerHeadHint(store);
  let head: Head = { seq: 0, hash: LEDGER_GENESIS };
  if (hint > 0) {
    const entry = await getLedgerEntry(store, hint);
    head = entry ? { seq: entry._id, hash: entry.hash } : { seq: hint, hash: (await lastBefore(store, hint))?.hash ?? LEDGER_GENESIS };
  }
  const walked: string[] = [];
  for await (const e of ledgerEntriesInOrder(store, { from: head.seq + 1 })) {
    head = { seq: e._id, hash: e.hash };
    walked.push(e.key);
  }
  if (walked.length > 0) {
    await dequeueLedgerEvents(store, walked);
    await advanceLedgerHeadHint(store, head.seq);
  }
  return head;
}

async function lastBefore(store: LedgerStore, seq: number): Promise<LedgerEntry | null> {
  let last: LedgerEntry | null = null;
  for await (const e of ledgerEntriesInOrder(store, { from: 1, to: seq })) last = e;
  return last;
}

import { createHash } from 'node:crypto';
import { canonicalJson } from '../access/chain';
import { queueLedgerEvents, type LedgerContent, type LedgerEntry, type LedgerStore, type QueuedEvent } from '../store/ledger';

/**
 * The integrity ledger (MISSION M19): an append-only hash chain of every message added to or
 * removed from an archive. Its rule is the audit trail's (access/chain.ts): hash(n) =
 * SHA-256(hash(n-1) ‖ canonical JSON of entry n with `seq`), so one few-line script checks both.
 *
 * Ingest does not chain: chaining is one writer at a time, and ingest has many. It queues an
 * event with the page's writes (one insert, keyed so a retry is the same event); the sealer
 * (integrity/seal.ts, every minute) chains the queue in order.
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

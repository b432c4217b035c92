/**
 * Deleting archived messages for good (retention disposal, erasure on request), in an order a
 * crash cannot break: after each step the data is consistent, and the intent written first tells
 * the next run what is left to do (`recoverDeletions`).
 *
 *   1. intents: which messages go, and why
 *   2. index: a tombstone hides them from every search; their "indexed" marks go
 *   3. items: the archive's records go
 *   4. blobs no item refers to any more: marked as being released (the ingest's handshake, see
 *      store/disposals.ts), checked for references once more, then their message documents,
 *      then the bytes (files, then chunks)
 *   5. the audit trail: every message, why, when
 *   6. the log entry that outlives the message, and the intents go
 *
 * A record is never left without its bytes (bytes go after the last record, and an ingest that
 * adds a record meanwhile backs off), and bytes without a record are finished off by the next
 * run. Nothing is deleted that the guard (guard.ts) keeps.
 */
import { randomUUID } from 'node:crypto';
import { audit, type AuditInput } from '../access';
import { indexArchivedItem } from '../search/index-store';
import { commitIndexDeletion, forgetIndexed, IndexLocator, type IndexPosition } from '../search/index-deletes';
import type { Store } from '../store';
import type { BlobStat } from '../store/blobs';
import { addIntents, fenceBlobs, finishBatch, keepIntents, listIntents, markReleased, narrowFence, type IntentBatch, type IntentEntry, type LogEntry } from '../store/disposals';
import { itemId, type Item } from '../store/items';
import { deleteMessageDocs, getMessageDoc } from '../store/messages';
import { deleteItems, itemsById, referencedBlobs } from '../store/retention-items';
import { crashPoint } from './failpoint';
import type { Guard, KeepReason } from './guard';

export interface DeletionKind {
  kind: IntentEntry['kind'];
  /** Why this item goes: the policies that made it due, or the erasure request. */
  refOf(item: Item): string[];
  actor: AuditInput['caller'];
  /** Said once per audit entry (the request, the run). */
  details?: Record<string, unknown>;
}

export interface BatchOutcome {
  deleted: LogEntry[];
  kept: { item: Item; reason: KeepReason }[];
  freed: BlobStat;
}

/** Messages per audit entry (the trail keeps at most 1,000 values in a list). */
const AUDIT_CHUNK = 500;
const NOTHING: BlobStat = { size: 0, storedSize: 0 };

/** An archive's index, opened once for a run's batches of that archive. */
export class ArchiveIndex {
  private constructor(
    readonly locator: IndexLocator,
    readonly readAt: Date,
  ) {}

  static async open(store: Store, archiveId: string): Promise<ArchiveIndex> {
    const readAt = new Date();
    return new ArchiveIndex(await IndexLocator.open(store, archiveId), readAt);
  }
}

/**
 * Deletes messages of the index's archive by id, as any caller may ask: only the ids are taken
 * from the caller; the items are read here, ids of other archives or of nothing are ignored, and
 * the guard keeps what it keeps.
 */
export async function deleteByIds(store: Store, guard: Guard, index: ArchiveIndex, ids: readonly string[], kind: DeletionKind): Promise<BatchOutcome> {
  const prefix = `${index.locator.ctx.archiveId}:`;
  const own = ids.filter((id) => id.startsWith(prefix) && /^[0-9a-f]{64}$/.test(id.slice(prefix.length)));
  return deleteItemsGuarded(store, guard, index, await itemsById(store, own), kind);
}

/** Deletes what the guard lets go of `items` (all of one archive, as read from the store); the rest is kept, with why. */
export async function deleteItemsGuarded(store: Store, guard: Guard, index: ArchiveIndex, items: readonly Item[], kind: DeletionKind): Promise<BatchOutcome> {
  const positions = await index.locator.locate(items);
  const reasons = await guard.check(items, index.locator, positions, index.readAt);
  const kept = items.flatMap((item) => (reasons.has(item._id) ? [{ item, reason: reasons.get(item._id)! }] : []));
  const doomed = items.filter((i) => !reasons.has(i._id));
  if (doomed.length === 0) return { deleted: [], kept, freed: NOTHING };
  const batch = randomUUID();
  const at = new Date();
  const entries: IntentEntry[] = doomed.map((i) => ({
    _id: `${i._id}@${i.archivedAt.getTime()}`,
    archiveId: i.archiveId,
    sha256: i.sha256,
    receivedAt: i.receivedAt,
    archivedAt: i.archivedAt,
    size: i.size,
    kind: kind.kind,
    ref: kind.refOf(i),
    batch,
    at,
  }));
  const intents: IntentBatch = { _id: batch, archiveId: index.locator.ctx.archiveId, at, entries };
  await addIntents(store, intents);
  crashPoint('after-intents');
  const { deleted, freed } = await carryOut(store, index.locator, intents, positions, kind);
  return { deleted, kept, freed };
}

async function carryOut(store: Store, locator: IndexLocator, batch: IntentBatch, positions: ReadonlyMap<string, IndexPosition[]>, kind: DeletionKind): Promise<{ deleted: LogEntry[]; freed: BlobStat }> {
  const shas = batch.entries.map((i) => i.sha256);
  const gone = batch.entries.flatMap((i) => positions.get(i.sha256) ?? []);
  await commitIndexDeletion(locator.ctx, gone.map((p) => p.docNo));
  locator.forget(gone);
  await forgetIndexed(locator.ctx, shas);
  crashPoint('after-index');
  await deleteItems(store, batch.entries.map((i) => itemId(i.archiveId, i.sha256)));
  crashPoint('after-items');
  const { erased, freed } = await releaseBlobs(store, batch._id, shas);
  const doneAt = new Date();
  const deleted: LogEntry[] = batch.entries.map((i) => ({ ...i, doneAt, blob: erased.has(i.sha256) ? 'erased' : 'kept' }));
  await auditDeletion(store, deleted, kind);
  crashPoint('after-audit');
  await finishBatch(store, batch._id, deleted);
  return { deleted, freed };
}

/** Removes the bytes of blobs no item refers to any more (step 4). */
async function releaseBlobs(store: Store, batch: string, sha256s: readonly string[]): Promise<{ erased: Set<string>; freed: BlobStat }> {
  await fenceBlobs(store, batch, sha256s);
  crashPoint('after-fences');
  // Read after the mark is written: an ingest adding a reference either shows up here, or sees the mark.
  const referenced = await referencedBlobs(store, sha256s);
  const free = sha256s.filter((s) => !referenced.has(s));
  await narrowFence(store, batch, free);
  if (free.length === 0) return { erased: new Set(), freed: NOTHING };
  // The document first: an ingest reads "document present" as "bytes present".
  await deleteMessageDocs(store.conn, free);
  crashPoint('after-message-docs');
  const freed = await store.blobs.remove(free, async () => crashPoint('after-blob-files'));
  crashPoint('after-blobs');
  await markReleased(store, batch);
  return { erased: new Set(free), freed };
}

async function auditDeletion(store: Store, deleted: LogEntry[], kind: DeletionKind): Promise<void> {
  const action = kind.kind === 'disposal' ? 'retention-dispose' : 'erasure-erase';
  const parts = Math.ceil(deleted.length / AUDIT_CHUNK);
  for (let p = 0; p < parts; p++) {
    const chunk = deleted.slice(p * AUDIT_CHUNK, (p + 1) * AUDIT_CHUNK);
    await audit(store, {
      caller: kind.actor,
      action,
      archiveId: chunk[0]!.archiveId,
      details: {
        ...kind.details,
        batch: chunk[0]!.batch,
        part: `${p + 1}/${parts}`,
        messages: chunk.map((e) => ({ id: itemId(e.archiveId, e.sha256), sha256: e.sha256, receivedAt: e.receivedAt, why: e.ref, bytes: e.blob })),
      },
    });
  }
}

/**
 * Finishes deletions a crash interrupted: each batch of intents is carried out to the end, except
 * for messages whose record is still there and that the guard now keeps (a hold set meanwhile):
 * those stay, and are made searchable again if the tombstone was already written.
 */
export async function recoverDeletions(store: Store, guard: Guard, actorOf: (kind: IntentEntry['kind']) => AuditInput['caller']): Promise<number> {
  let finished = 0;
  for (const batch of await listIntents(store)) {
    const locator = await IndexLocator.open(store, batch.archiveId);
    const present = await itemsById(store, batch.entries.map((i) => itemId(i.archiveId, i.sha256)));
    const reasons = await guard.check(present, locator, await locator.locate(present), new Date(0));
    const stay = present.filter((i) => reasons.has(i._id) && reasons.get(i._id)!.code !== 'recent');
    for (const item of stay) await reindex(store, item);
    const staying = new Set(stay.map((i) => i._id));
    const go = batch.entries.filter((i) => !staying.has(itemId(i.archiveId, i.sha256)));
    await keepIntents(store, batch._id, go);
    if (go.length === 0) continue;
    const kind = go[0]!.kind;
    const rest = { ...batch, entries: go };
    await carryOut(store, locator, rest, await locator.locate(go), { kind, refOf: () => [], actor: actorOf(kind), details: { recovered: true } });
    finished += go.length;
  }
  return finished;
}

/** Indexes a kept message again if its deletion got as far as the index (its mark is gone then). */
async function reindex(store: Store, item: Item): Promise<void> {
  const doc = await getMessageDoc(store.conn, item.sha256);
  if (doc) await indexArchivedItem(store, item, doc, 'existing');
}

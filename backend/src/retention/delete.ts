/**
 * Deleting archived messages for good (retention disposal, erasure on request), in an order a
 * crash cannot break: after each step the data is consistent, and the intent written first tells
 * the next run what is left to do (`recoverDeletions`). A run stages batches, then settles them
 * together (on FerretDB every statement reads its whole collection, so fewer, larger statements):
 *
 *   stage:  1. intents: which messages go, and why
 *           2. index: a tombstone hides them from every search
 *   settle: 3. their "indexed" marks and the archives' records go
 *           4. blobs no item refers to any more: marked as being released (the ingest's
 *              handshake, see store/disposals.ts), checked for references once more, then their
 *              message documents, then the bytes (files, then chunks), and any copy of them
 *              or of the records that a database repair kept aside
 *           5. the audit trail: every message, why, when
 *           6. the log entry that outlives the message, and the intents go
 *
 * A record is never left without its bytes (bytes go after the last record, and an ingest that
 * adds a record meanwhile backs off), and bytes without a record are finished off by the next
 * run. Nothing is deleted that the guard (guard.ts) keeps.
 */
import { randomUUID } from 'node:crypto';
import { audit, type AuditInput } from '../access';
import { recordRemoved, type RemovedMessage } from '../integrity/ledger';
import { indexArchivedItem, indexCtx } from '../search/index-store';
import { commitIndexDeletion, forgetIndexed, IndexLocator, type IndexPosition } from '../search/index-deletes';
import type { Store } from '../store';
import type { BlobStat } from '../store/blobs';
import { forgetRepairCopies } from '../store/collection-repair';
import { addIntents, fenceBlobs, finishBatch, keepIntents, listIntents, markReleased, settleStaleFences, type IntentBatch, type IntentEntry, type LogEntry } from '../store/disposals';
import { itemId, type Item } from '../store/items';
import { deleteMessageDocs, getMessageDoc } from '../store/messages';
import { deleteItems, itemsById, referencedBlobs } from '../store/retention-items';
import { crashPoint } from '../failpoint';
import type { Guard, KeepReason } from './guard';

export interface DeletionKind {
  kind: IntentEntry['kind'];
  /** Why this item goes: the policies that made it due, or the erasure request. */
  refOf(item: Item): string[];
  actor: AuditInput['caller'];
  /** Said once per audit entry (the request, the run). */
  details?: Record<string, unknown>;
}

export interface Kept {
  item: Item;
  reason: KeepReason;
}

export interface Settled {
  deleted: LogEntry[];
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
 * One run's deletions: batches are vetted and staged as they come, and settled together. Until
 * settled, a staged message is out of every search but its record and bytes are still there.
 */
export class DeletionRun {
  private staged: IntentBatch[] = [];

  constructor(
    private readonly store: Store,
    private readonly guard: Guard,
    private readonly kind: DeletionKind,
  ) {}

  get pending(): number {
    return this.staged.reduce((n, b) => n + b.entries.length, 0);
  }

  /**
   * Messages of the index's archive by id, as any caller may ask: only the ids are taken from the
   * caller; the items are read here, ids of other archives or of nothing are ignored.
   */
  async stageIds(index: ArchiveIndex, ids: readonly string[]): Promise<Kept[]> {
    const prefix = `${index.locator.ctx.archiveId}:`;
    const own = ids.filter((id) => id.startsWith(prefix) && /^[0-9a-f]{64}$/.test(id.slice(prefix.length)));
    return this.stage(index, await itemsById(this.store, own));
  }

  /** Stages what the guard lets go of `items` (all of one archive, as read from the store); returns the rest, with why. */
  async stage(index: ArchiveIndex, items: readonly Item[]): Promise<Kept[]> {
    const positions = await index.locator.locate(items);
    const reasons = await this.guard.check(items, index.locator, positions, index.readAt);
    const doomed = items.filter((i) => !reasons.has(i._id));
    if (doomed.length > 0) {
      const batch = randomUUID();
      const at = new Date();
      const entries = doomed.map((i): IntentEntry => ({
        _id: `${i._id}@${i.archivedAt.getTime()}`,
        archiveId: i.archiveId,
        sha256: i.sha256,
        receivedAt: i.receivedAt,
        archivedAt: i.archivedAt,
        size: i.size,
        kind: this.kind.kind,
        ref: this.kind.refOf(i),
        batch,
        at,
      }));
      const intents: IntentBatch = { _id: batch, archiveId: index.locator.ctx.archiveId, at, entries };
      await addIntents(this.store, intents);
      crashPoint('after-intents');
      await this.hide(index.locator, intents, positions);
    }
    return items.flatMap((item) => (reasons.has(item._id) ? [{ item, reason: reasons.get(item._id)! }] : []));
  }

  /** Step 2 (again, for a batch a crash left): the tombstone. */
  async hide(locator: IndexLocator, batch: IntentBatch, positions: ReadonlyMap<string, IndexPosition[]>): Promise<void> {
    const gone = batch.entries.flatMap((i) => positions.get(i.sha256) ?? []);
    await commitIndexDeletion(locator.ctx, gone.map((p) => p.docNo));
    locator.forget(gone);
    crashPoint('after-index');
    this.staged.push(batch);
  }

  /** Steps 3 to 6 for everything staged. */
  async settle(): Promise<Settled> {
    const batches = this.staged;
    if (batches.length === 0) return { deleted: [], freed: NOTHING };
    const entries = batches.flatMap((b) => b.entries);
    // Keyed by the batch's time, so a batch settled again after a crash queues the same events.
    for (const b of batches) await recordRemoved(this.store, b.entries.map(removedOf), b.at);
    const archives = [...new Set(entries.map((e) => e.archiveId))];
    for (const archiveId of archives) {
      await forgetIndexed(await indexCtx(this.store, archiveId), entries.filter((e) => e.archiveId === archiveId).map((e) => e.sha256));
    }
    const items = entries.map((e) => itemId(e.archiveId, e.sha256));
    await deleteItems(this.store, items);
    crashPoint('after-items');
    const { erased, freed } = await releaseBlobs(this.store, [...new Set(entries.map((e) => e.sha256))]);
    await forgetRepairCopies(this.store, { items, blobs: [...erased], archives });
    const doneAt = new Date();
    const deleted = entries.map((e): LogEntry => ({ ...e, doneAt, blob: erased.has(e.sha256) ? 'erased' : 'kept' }));
    for (const b of batches) await auditDeletion(this.store, deleted.filter((e) => e.batch === b._id), this.kind);
    crashPoint('after-audit');
    for (const b of batches) await finishBatch(this.store, b._id, deleted.filter((e) => e.batch === b._id));
    this.staged = [];
    return { deleted, freed };
  }
}

/** The ledger's account of a message leaving its archive: which, how large, and why (`retention:<policy ids>`, `erasure:<request id>`). */
function removedOf(e: IntentEntry): RemovedMessage {
  const why = e.kind === 'disposal' ? 'retention' : 'erasure';
  return { archiveId: e.archiveId, blobId: e.sha256, size: e.size, receivedAt: e.receivedAt, reason: `${why}:${e.ref.join(',')}` };
}

/** Removes the bytes of blobs no item refers to any more (step 4). */
async function releaseBlobs(store: Store, sha256s: readonly string[]): Promise<{ erased: Set<string>; freed: BlobStat }> {
  const group = randomUUID();
  await fenceBlobs(store, group, sha256s);
  crashPoint('after-fences');
  // Read after the marks are written: an ingest adding a reference either shows up here, or sees a mark.
  const referenced = await referencedBlobs(store, sha256s);
  const free = sha256s.filter((s) => !referenced.has(s));
  if (free.length > 0) {
    // The document first: an ingest reads "document present" as "bytes present".
    await deleteMessageDocs(store.conn, free);
    crashPoint('after-message-docs');
  }
  const freed = free.length > 0 ? await store.blobs.remove(free, async () => crashPoint('after-blob-files')) : NOTHING;
  crashPoint('after-blobs');
  await markReleased(store, group);
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
 * those stay, and are made searchable again if their tombstone was already written. Runs under
 * the retention lock, so a release mark not settled is one a crashed run left.
 */
export async function recoverDeletions(store: Store, guard: Guard, actorOf: (kind: IntentEntry['kind']) => AuditInput['caller']): Promise<number> {
  await settleStaleFences(store);
  const runs = new Map<IntentEntry['kind'], DeletionRun>();
  for (const batch of await listIntents(store)) {
    const locator = await IndexLocator.open(store, batch.archiveId);
    const present = await itemsById(store, batch.entries.map((i) => itemId(i.archiveId, i.sha256)));
    const located = await locator.locate(present);
    const reasons = await guard.check(present, locator, located, new Date(0));
    const stay = present.filter((i) => reasons.has(i._id) && reasons.get(i._id)!.code !== 'recent');
    await searchableAgain(store, locator, stay.filter((i) => !located.has(i.sha256)));
    const staying = new Set(stay.map((i) => i._id));
    const go = batch.entries.filter((i) => !staying.has(itemId(i.archiveId, i.sha256)));
    await keepIntents(store, batch._id, go);
    if (go.length === 0) continue;
    const kind = go[0]!.kind;
    let run = runs.get(kind);
    if (!run) runs.set(kind, (run = new DeletionRun(store, guard, { kind, refOf: () => [], actor: actorOf(kind), details: { recovered: true } })));
    await run.hide(locator, { ...batch, entries: go }, await locator.locate(go));
  }
  let finished = 0;
  for (const run of runs.values()) finished += (await run.settle()).deleted.length;
  return finished;
}

/** Indexes kept messages again whose tombstone was written: a new entry, since the old one stays hidden. */
async function searchableAgain(store: Store, locator: IndexLocator, items: readonly Item[]): Promise<void> {
  if (items.length === 0) return;
  await forgetIndexed(locator.ctx, items.map((i) => i.sha256));
  for (const item of items) {
    const doc = await getMessageDoc(store.conn, item.sha256);
    if (doc) await indexArchivedItem(store, item, doc, 'existing');
  }
}

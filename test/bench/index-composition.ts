/**
 * What an archive's search index consists of, as BSON bytes (what MongoDB stores and counts; FerretDB
 * keeps the same documents as JSON, binary as base64): so that a benchmark shows which part of the
 * index a change in its size comes from, and where the next saving would have to be.
 */
import { BSON } from 'mongodb';
import type { Store } from '../../backend/src/store';
import { archiveKey, freshPart, indexLayout, listArchiveTables, marksPart, metaPart } from '../../backend/src/store/postings';

/** The parts, with what each holds (a benchmark's row labels). */
export const INDEX_PARTS = {
  buckets: 'term buckets (words, word pairs, their posting lists)',
  summaries: 'result summaries (subject, sender, first 600 characters)',
  marks: 'marks (one per indexed message, for retried ingests)',
  columns: 'columns (date, size, folder, flags)',
  other: 'directories, manifests, unmerged batches',
} as const;
export type IndexPart = keyof typeof INDEX_PARTS;

/** Which part a document is: by its collection (marks, unmerged batches) or by the field it carries. */
function partOf(doc: Record<string, unknown>, marks: boolean, fresh: boolean): IndexPart {
  if (marks) return 'marks';
  if (fresh) return 'other'; // a batch not merged yet: everything in one deflated document
  if (doc.z !== undefined || doc.t !== undefined) return 'buckets';
  if (doc.s !== undefined || doc.d !== undefined) return 'summaries';
  if (doc.c !== undefined) return 'columns';
  return 'other';
}

/** BSON bytes of each part of an archive's index, and their total. */
export async function indexComposition(store: Store, archiveId: string): Promise<Record<IndexPart | 'total', number>> {
  const key = archiveKey(archiveId);
  const layout = await indexLayout(store);
  const sum = Object.fromEntries([...Object.keys(INDEX_PARTS), 'total'].map((p) => [p, 0])) as Record<IndexPart | 'total', number>;
  const marks = marksPart(layout, key);
  const fresh = freshPart(layout, key);
  // Partitioned (FerretDB): the archive's own tables. Shared (MongoDB): its `_id` range in the shared collections.
  const sources =
    layout === 'shared'
      ? [...new Set([metaPart(layout, key).coll, marks.coll, fresh.coll])].map((coll) => ({ coll, filter: { _id: { $gte: `${key}|`, $lt: `${key}|\uffff` } } }))
      : (await listArchiveTables(store, key)).map((coll) => ({ coll, filter: {} }));
  for (const { coll, filter } of sources) {
    for await (const doc of store.searchDb.collection<Record<string, unknown>>(coll).find(filter as never)) {
      const id = String(doc._id);
      const bytes = BSON.calculateObjectSize(doc);
      sum[partOf(doc, coll === marks.coll && id.startsWith(marks.prefix), coll === fresh.coll && id.startsWith(fresh.prefix))] += bytes;
      sum.total += bytes;
    }
  }
  return sum;
}

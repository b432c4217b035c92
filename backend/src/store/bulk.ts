import type { mongo } from 'mongoose';

/**
 * Statements over many ids at once, for retention and erasure. FerretDB 1.24 reads the whole
 * collection for every statement but a lone `_id` equality, and tests `$in` element by element
 * for each document it reads. So the ids are sorted and cut into slices, each statement bounded by
 * the range its slice spans: a document outside the range fails on a comparison before `$in`.
 * For k ids spread over the key space, slices of about 40·√k balance what a statement reads
 * against what `$in` costs inside its range (measured: 10,000 deletions from 100,000 documents in
 * 24 s instead of 64 s). MongoDB answers either form from the index.
 */
function* slices(ids: readonly string[]): Generator<mongo.Filter<mongo.Document>> {
  const sorted = [...new Set(ids)].sort();
  const size = Math.max(1000, Math.ceil(40 * Math.sqrt(sorted.length)));
  for (let i = 0; i < sorted.length; i += size) {
    const slice = sorted.slice(i, i + size);
    yield { $gte: slice[0], $lte: slice.at(-1), $in: slice };
  }
}

/** Deletes the documents whose `field` (default `_id`) is one of `values`; returns how many went. */
export async function deleteWhereIn<T extends mongo.Document>(coll: mongo.Collection<T>, values: readonly string[], field = '_id'): Promise<number> {
  let deleted = 0;
  for (const range of slices(values)) deleted += (await coll.deleteMany({ [field]: range } as mongo.Filter<T>)).deletedCount;
  return deleted;
}

/** The documents whose `field` (default `_id`) is one of `values`. */
export async function findWhereIn<T extends mongo.Document>(
  coll: mongo.Collection<T>,
  values: readonly string[],
  opts: { field?: string; projection?: mongo.Document } = {},
): Promise<mongo.WithId<T>[]> {
  const out: mongo.WithId<T>[] = [];
  for (const range of slices(values)) out.push(...(await coll.find({ [opts.field ?? '_id']: range } as mongo.Filter<T>, { projection: opts.projection }).toArray()));
  return out;
}

/** Updates the documents whose `_id` is one of `ids`. */
export async function updateWhereIn<T extends mongo.Document>(coll: mongo.Collection<T>, ids: readonly string[], update: mongo.UpdateFilter<T>): Promise<void> {
  for (const range of slices(ids)) await coll.updateMany({ _id: range } as mongo.Filter<T>, update);
}

// On FerretDB the search index has a database of its own (store/connection.ts `searchDb`), so that
// the tables its merges create and drop never make SQLite parse the main database's schema again.
// Releases before schema 4 kept it in the main database; the upgrade moves it (migration v4).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../backend/src/store';
import { clearIndexCache } from '../../backend/src/search/index-cache';
import { compactIndex, flushIndex, indexBatch } from '../../backend/src/search/index-store';
import { parseQuery } from '../../backend/src/search/query';
import { searchIndex } from '../../backend/src/search/service';
import { collectionsNamed } from '../../backend/src/store/server-kind';
import { moveIndexToSearchDb } from '../../backend/src/store/postings';
import { entryOf, synthetic } from '../retention/synthetic';
import { testStore, type TestStore } from '../helpers/db';

const stores: TestStore[] = [];
after(async () => {
  for (const store of stores) await store.drop();
});

const indexCollections = async (db: Store['db']) => (await collectionsNamed(db, '')).filter((n) => n.startsWith('sx_') || n.startsWith('search_')).sort();
const found = async (store: Store, archive: string, q = '') => (await searchIndex(store, [archive], parseQuery(q), { limit: 500 })).total;

test("the index a release before schema 4 kept in the main database moves into the search database, whole, and is searched there; moving again changes nothing", { timeout: 120_000 }, async (t) => {
  const store = await testStore();
  stores.push(store);
  if (store.searchDb === store.db) return t.skip('on MongoDB the index stays in the main database');
  // What an older release wrote: the same index, in the main database.
  const older = { ...store, searchDb: store.db };
  const archive = 'moved-archive';
  for (let batch = 0; batch < 3; batch++) {
    await indexBatch(older, archive, Array.from({ length: 100 }, (_, i) => entryOf(synthetic(batch * 100 + i, 30))));
  }
  await flushIndex(older, archive);
  await compactIndex(older, archive, { force: true });
  await indexBatch(older, archive, Array.from({ length: 20 }, (_, i) => entryOf(synthetic(300 + i, 10))));
  await flushIndex(older, archive);
  const before = await indexCollections(store.db);
  assert.ok(before.some((n) => /^sx_\w+_\w+_0$/.test(n)) && before.includes('search_archives'), `a merged segment's tables and the registry: ${before.join(', ')}`);
  clearIndexCache();
  assert.equal(await found(store, archive), 0, 'not searched where it was');

  // A crash part-way through an earlier move left a copy of one collection in both places.
  const [first] = before as [string];
  await store.searchDb.collection(first).insertMany(await store.db.collection(first).find({}).limit(2).toArray());

  const moved = await moveIndexToSearchDb(store);
  assert.ok(moved > 0);
  assert.deepEqual(await indexCollections(store.db), [], 'nothing of the index is left in the main database');
  assert.deepEqual(await indexCollections(store.searchDb), before);
  clearIndexCache();
  assert.equal(await found(store, archive), 320, 'every message is found');
  assert.equal(await found(store, archive, 'subject:"number 7"'), 1);
  assert.equal(await moveIndexToSearchDb(store), 0);

  // And the index goes on from there: new batches, a merge.
  await indexBatch(store, archive, Array.from({ length: 10 }, (_, i) => entryOf(synthetic(400 + i, 1))));
  await flushIndex(store, archive);
  await compactIndex(store, archive, { force: true });
  assert.equal(await found(store, archive), 330);
  assert.deepEqual(await indexCollections(store.db), [], 'and writes only the search database');
});

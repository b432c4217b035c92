import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { collectionDataBytes, databaseSize, latestDatabaseSize } from '../../backend/src/store/operations';
import { isFerretDB } from '../../backend/src/store/server-kind';
import { databasesOf } from '../../backend/src/store';
import { testStore, watchedStore } from '../helpers/db';

test('the database and collection sizes grow with what is stored, the search database included, and are read without refreshing statistics (on FerretDB, dbStats and collStats run ANALYZE under the write lock)', async () => {
  const store = await testStore();
  const watched = await watchedStore(store.dbName);
  try {
    const filler = store.db.collection<{ _id: string; data: string }>('filler');
    await filler.insertOne({ _id: 'seed', data: '' });
    const before = await databaseSize(watched.store);
    const collectionBefore = await collectionDataBytes(watched.store.db, 'filler');
    await filler.insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: `d${i}`, data: randomBytes(8192).toString('base64') })));
    watched.commands.length = 0;
    const after = await databaseSize(watched.store);
    assert.ok(after.dataBytes - before.dataBytes > 2_000_000, `2.2 MB stored: data ${before.dataBytes} → ${after.dataBytes} bytes`);
    assert.equal(after.totalBytes, after.dataBytes + after.indexBytes);
    const collectionAfter = await collectionDataBytes(watched.store.db, 'filler');
    assert.ok(collectionAfter - collectionBefore > 2_000_000, `2.2 MB stored in filler: ${collectionBefore} → ${collectionAfter} bytes`);
    const stats = watched.commands.filter((c) => /^(dbStats|collStats) /.test(c)).map((c) => c.split(' ')[0]);
    // A refresh holds FerretDB's one write lock while it reads every table: writes behind it failed with SQLITE_BUSY.
    assert.deepEqual(stats, (await isFerretDB(store.db)) ? [] : ['dbStats', 'collStats']);

    const index = store.searchDb.collection<{ _id: string; data: string }>('sx_filler');
    await index.insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: `d${i}`, data: randomBytes(8192).toString('base64') })));
    const withIndex = await databaseSize(watched.store);
    assert.ok(withIndex.dataBytes - after.dataBytes > 2_000_000, `2.2 MB stored in the search database count too: data ${after.dataBytes} → ${withIndex.dataBytes} bytes`);
  } finally {
    await watched.store.close();
    await store.drop();
  }
});

test('callers at the same moment share one read of the size, and later ones get the last read at once', async () => {
  const store = await testStore();
  const watched = await watchedStore(store.dbName);
  try {
    await store.db.collection('filler').insertOne({ _id: 'seed' as never });
    const reads = () => watched.commands.filter((c) => /^(dbStats|listCollections) /.test(c)).length;
    const perRead = databasesOf(store).length;
    const sizes = await Promise.all(Array.from({ length: 5 }, () => latestDatabaseSize(watched.store)));
    assert.equal(reads(), perRead, `one read (of each database) for five scrapes: ${watched.commands.join(', ')}`);
    assert.ok(sizes.every((s) => s === sizes[0]));
    assert.equal(await latestDatabaseSize(watched.store), sizes[0], 'within SIZE_EVERY_MS the last read is the answer');
    assert.equal(reads(), perRead);
  } finally {
    await watched.store.close();
    await store.drop();
  }
});

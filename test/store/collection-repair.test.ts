// FerretDB 1.24 creates a collection in three statements (store/collection-repair.ts). Stopped
// between them (killed, or shut down mid-request), it leaves a table its registry does not know, so
// every write to that collection fails; or a collection without its unique `_id` index, so inserts
// that this store lets the unique key decide succeed twice. Each state is made here as such a stop
// leaves it, in the database's SQLite file while FerretDB is stopped, and the backend must work as
// if nothing had happened: write and search the archive, rebuild the collection with its index
// (when it starts and when the database comes back), keep its other indexes, and keep one document
// per `_id` without dropping a different one unseen.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ownDatabase, type OwnDatabase } from '../helpers/own-database';
import { waitFor } from '../jobs/helpers';
import { openStore, type Store } from '../../backend/src/store';
import { hasIdIndex } from '../../backend/src/store/collection-repair';
import { keepCollectionsWhole } from '../../backend/src/operations/collection-repairs';
import { createLogger } from '../../backend/src/log';
import { indexBatch } from '../../backend/src/search/index-store';
import { parseQuery } from '../../backend/src/search/query';
import { searchIndex } from '../../backend/src/search/service';
import { archiveKey, registerIndexedArchive } from '../../backend/src/store/postings';
import { searchDbName } from '../../backend/src/store/connection';
import { entryOf, synthetic } from '../retention/synthetic';

let db: OwnDatabase;

before(async () => {
  db = await ownDatabase();
});
after(async () => {
  await db?.close();
});

const ORPHANS_DB = 'orphans';
const ARCHIVE = 'archive-after-a-crash';

/** What FerretDB's collectionCreate names a collection's table: lower case, and the FNV-1a hash of the name. */
const ORPHAN = `
import sqlite3, sys
def fnv1a(b):
    h = 0x811c9dc5
    for x in b:
        h = ((h ^ x) * 0x01000193) & 0xffffffff
    return h
db = sqlite3.connect(sys.argv[1])
for name in sys.argv[2:]:
    db.execute('CREATE TABLE "%s_%08x" (_ferretdb_sqlite_json TEXT NOT NULL CHECK(_ferretdb_sqlite_json != \\'\\')) STRICT' % (name.lower(), fnv1a(name.encode())))
db.commit()
`;

test('an archive whose first index tables a FerretDB crash left orphaned is indexed and searched all the same', { timeout: 120_000 }, async (t) => {
  if (db.kind !== 'ferretdb') return t.skip(`the state is FerretDB's; the database here is ${db.kind}`);
  let store: Store = await openStore({ uri: db.uri, dbName: ORPHANS_DB });
  // The search database as a deployment has it once anything was indexed (its registry of archives).
  await registerIndexedArchive(store, 'another-archive');
  await store.close();
  const key = archiveKey(ARCHIVE);
  await db.editStopped(searchDbName(ORPHANS_DB), ORPHAN, `sx_${key}_meta`, `sx_${key}_marks`);
  store = await openStore({ uri: db.uri, dbName: ORPHANS_DB });
  try {
    const entries = Array.from({ length: 30 }, (_, n) => entryOf(synthetic(n, 400)));
    await indexBatch(store, ARCHIVE, entries);
    const found = await searchIndex(store, [ARCHIVE], parseQuery(''), { limit: 100 });
    assert.equal(found.total, entries.length, 'every indexed message is found');
    const names = (await store.searchDb.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    assert.ok(names.includes(`sx_${key}_meta`) && names.includes(`sx_${key}_marks`), names.join(', '));
    assert.deepEqual(names.filter((n) => n.includes('_repair_')), [], 'no stand-in is left');
  } finally {
    await store.close();
  }
});

const UNINDEXED_DB = 'id-index';

/** Drops each named collection's `_id_` index from SQLite and from FerretDB's registry, as a stop before indexesCreate leaves them. */
const UNINDEX = `
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for name in sys.argv[2:]:
    table, settings = db.execute('SELECT table_name, settings FROM _ferretdb_collections WHERE name = ?', (name,)).fetchone()
    s = json.loads(settings)
    s['indexes'] = [i for i in s.get('indexes') or [] if i['name'] != '_id_']
    db.execute('DROP INDEX IF EXISTS "%s__id_"' % table)
    db.execute('UPDATE _ferretdb_collections SET settings = ? WHERE name = ?', (json.dumps(s), name))
db.commit()
`;

const unindexWhileStopped = (...names: string[]) => db.editStopped(UNINDEXED_DB, UNINDEX, ...names);

interface ClaimDoc {
  _id: string;
  owner: string;
  n: number;
}
const jobClaims = (store: Store) => store.db.collection<ClaimDoc>('job_claims');
const claims: ClaimDoc[] = Array.from({ length: 50 }, (_, n) => ({ _id: `job-${n}`, owner: 'worker-a', n }));

test('collections a database stop left without their _id index are rebuilt when the backend starts and when the database comes back', { timeout: 120_000 }, async (t) => {
  if (db.kind !== 'ferretdb') return t.skip(`the state is FerretDB's; the database here is ${db.kind}`);
  let store: Store = await openStore({ uri: db.uri, dbName: UNINDEXED_DB });
  await jobClaims(store).insertMany(claims.map((c) => ({ ...c })));
  await jobClaims(store).createIndex({ owner: 1 }, { name: 'by_owner' });
  await registerIndexedArchive(store, 'an-archive');
  await store.close();
  await unindexWhileStopped('job_claims');
  await db.editStopped(searchDbName(UNINDEXED_DB), UNINDEX, 'search_archives');

  store = await openStore({ uri: db.uri, dbName: UNINDEXED_DB, serverSelectionTimeoutMS: 1_000 });
  let whole: { stop(): void } | undefined;
  try {
    assert.equal(await hasIdIndex(store.db, 'job_claims'), false, 'the state a stop leaves');
    // What the missing index lets through: a second claim of a job (another owner), and a retry of the same write.
    await jobClaims(store).insertOne({ _id: 'job-7', owner: 'worker-b', n: 7 });
    await jobClaims(store).insertOne({ _id: 'job-8', owner: 'worker-a', n: 8 });
    assert.equal(await jobClaims(store).countDocuments({ _id: 'job-7' }), 2);

    whole = await keepCollectionsWhole(store, createLogger('silent'));
    assert.equal(await hasIdIndex(store.db, 'job_claims'), true, 'the _id index is back');
    assert.equal(await hasIdIndex(store.searchDb, 'search_archives'), true, "and in the search index's database");
    const kept = await jobClaims(store).find({}).sort({ n: 1 }).toArray();
    assert.deepEqual(kept, claims, 'one document per _id, the first written');
    const aside = await store.db.collection('repair_duplicates').find({}).toArray();
    assert.deepEqual(aside.map((d) => [d.collection, d.doc]), [['job_claims', { _id: 'job-7', owner: 'worker-b', n: 7 }]], 'the differing duplicate is kept aside; the identical retry is not');
    await assert.rejects(jobClaims(store).insertOne({ _id: 'job-7', owner: 'worker-c', n: 7 }), { code: 11000 }, 'the key decides again');
    const indexes = (await jobClaims(store).listIndexes().toArray()).map((i) => i.name).sort();
    assert.deepEqual(indexes, ['_id_', 'by_owner'], 'the other indexes are kept');

    // The database stops again, and comes back with another collection broken: found without a restart of the backend.
    await store.db.collection<{ _id: string; at: Date }>('job_cancels').insertOne({ _id: 'job-3', at: new Date() });
    await unindexWhileStopped('job_cancels');
    await waitFor('job_cancels to have its _id index again', async () => (await hasIdIndex(store.db, 'job_cancels').catch(() => false)) === true, 30_000);
    assert.equal(await store.db.collection('job_cancels').countDocuments({}), 1);
    const names = (await store.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    assert.deepEqual(names.filter((n) => /_rebuild_|_unindexed_/.test(n)), [], 'nothing of the repairs is left');
  } finally {
    whole?.stop();
    await store.close();
  }
});

// FerretDB killed between the two statements that create a collection leaves a table its registry
// does not know (store/orphan-tables.ts); every write to that collection then fails. The state is
// made here as such a crash leaves it, in the database's SQLite file while FerretDB is stopped:
// the archive's first index tables exist as tables only. Indexing and searching the archive must
// work all the same.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ownDatabase, type OwnDatabase } from '../helpers/own-database';
import { openStore, type Store } from '../../backend/src/store';
import { indexBatch } from '../../backend/src/search/index-store';
import { parseQuery } from '../../backend/src/search/query';
import { searchIndex } from '../../backend/src/search/service';
import { archiveKey } from '../../backend/src/store/postings';
import { entryOf, synthetic } from '../retention/synthetic';

const DB_NAME = 'orphans';
const ARCHIVE = 'archive-after-a-crash';
let db: OwnDatabase;

before(async () => {
  db = await ownDatabase();
});
after(async () => {
  await db?.close();
});

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
  let store: Store = await openStore({ uri: db.uri, dbName: DB_NAME });
  await store.close();
  await db.stop();
  const key = archiveKey(ARCHIVE);
  execFileSync('python3', ['-c', ORPHAN, join(db.dataDir, 'ferretdb', `${DB_NAME}.sqlite`), `sx_${key}_meta`, `sx_${key}_marks`]);
  await db.start();
  store = await openStore({ uri: db.uri, dbName: DB_NAME });
  try {
    const entries = Array.from({ length: 30 }, (_, n) => entryOf(synthetic(n, 400)));
    await indexBatch(store, ARCHIVE, entries);
    const found = await searchIndex(store, [ARCHIVE], parseQuery(''), { limit: 100 });
    assert.equal(found.total, entries.length, 'every indexed message is found');
    const names = (await store.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    assert.ok(names.includes(`sx_${key}_meta`) && names.includes(`sx_${key}_marks`), names.join(', '));
    assert.deepEqual(names.filter((n) => n.includes('_repair_')), [], 'no stand-in is left');
  } finally {
    await store.close();
  }
});

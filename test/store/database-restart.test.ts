// A database server restarted again and again while a store works on it: after each restart the
// store must work again within seconds, without being reopened. The MongoDB driver can hang a
// command written as its connection closes (store/driver-fixes.ts); on the monitor's connection
// that kept every later operation failing server selection for good.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ownDatabase, type OwnDatabase } from '../helpers/own-database';
import { openStore, type Store } from '../../backend/src/store';

const ROUNDS = 8;
const WRITERS = 32;
let db: OwnDatabase;
let store: Store;

before(async () => {
  db = await ownDatabase();
  store = await openStore({ uri: db.uri, dbName: 'restart' });
});
after(async () => {
  await store?.close();
  await db?.close();
});

test(`a store under load works again after each of ${ROUNDS} restarts of its database, without being reopened`, { timeout: 300_000 }, async (t) => {
  const docs = store.db.collection<{ writer: number; n: number; pad: string }>('load');
  let done = 0;
  let failed = 0;
  let stopping = false;
  // Writes of a few KB and reads of 20 documents keep commands on every pooled connection.
  const writers = Array.from({ length: WRITERS }, async (_, writer) => {
    for (let n = 0; !stopping; n += 1) {
      try {
        if (n % 2) await docs.insertOne({ writer, n, pad: 'x'.repeat(4096) });
        else await docs.find({}).limit(20).toArray();
        done += 1;
      } catch {
        failed += 1;
        await sleep(100);
      }
    }
  });
  const recoveries: number[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round += 1) {
      await sleep(300 + Math.random() * 1500);
      await db.stop();
      await sleep(2000);
      await db.start();
      const restarted = Date.now();
      const before = done;
      while (done === before && Date.now() - restarted < 30_000) await sleep(50);
      assert.ok(done > before, `round ${round}: nothing succeeded within 30 s of the database's restart (${failed} operations failed so far)`);
      recoveries.push(Date.now() - restarted);
    }
  } finally {
    stopping = true;
    await Promise.all(writers);
  }
  t.diagnostic(`working again after ${recoveries.join(', ')} ms; ${done} operations done, ${failed} failed around the restarts`);
  assert.ok(failed > 0, 'the restarts reached operations in flight');
});

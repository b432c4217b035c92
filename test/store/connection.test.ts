import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Schema } from 'mongoose';
import { openStore, registerModel } from '../../backend/src/store';
import { claimNext, claimOf, enqueue, heartbeat } from '../../backend/src/store/jobs';
import { leasedLock } from '../../backend/src/store/leased-lock';
import { lockMailbox, renewMailboxLock } from '../../backend/src/store/mailbox-locks';
import { testStore, withCommandMonitoring, withUriOption, type TestStore } from '../helpers/db';

const widgetSchema = new Schema({ code: { type: String, required: true }, colour: String });
widgetSchema.index({ code: 1 }, { unique: true });
widgetSchema.index({ colour: 1, code: 1 });
registerModel('Widget', widgetSchema);

describe('store connection', () => {
  let store: TestStore;
  before(async () => {
    store = await testStore('connection');
  });
  after(() => store.drop());

  test('indexes declared on a registered model exist as soon as the store is open', async () => {
    const indexes = await store.db.collection('widgets').listIndexes().toArray();
    const keys = indexes.map((i) => JSON.stringify(i.key));
    assert.ok(keys.includes('{"code":1}'), `indexes: ${keys.join(', ')}`);
    assert.ok(keys.includes('{"colour":1,"code":1}'), `indexes: ${keys.join(', ')}`);
    const Widget = store.conn.model('Widget');
    await Widget.create({ code: 'w1' });
    await assert.rejects(Widget.create({ code: 'w1' }), (err: { code?: number }) => err.code === 11000);
  });

  test('two stores on different databases are independent', async () => {
    const other = await testStore('connection');
    try {
      const body = Buffer.from('only in the other store');
      const sha = createHash('sha256').update(body).digest('hex');
      await other.blobs.put(sha, body.length, () => Readable.from([body]));
      assert.equal(await other.blobs.has(sha), true);
      assert.equal(await store.blobs.has(sha), false);
      await store.ping();
    } finally {
      await other.drop();
    }
  });

  test('lease renewals do not wait for a pooled connection behind bulk writes', async () => {
    // One pooled connection for everything else: a renewal sent through that pool would wait for every write queued before it.
    const uri = withCommandMonitoring(withUriOption(process.env.MONGODB_URI!, 'maxPoolSize', '1'));
    const narrow = await openStore({ uri, dbName: store.dbName });
    try {
      const lease = 30_000;
      assert.deepEqual(await lockMailbox(narrow, 'box@contoso.example', 'job-1', lease), { held: true });
      await enqueue(narrow, { type: 'renewal-test', key: 'job-1' });
      const job = await claimNext(narrow, 'worker-1', ['renewal-test'], lease);
      assert.ok(job);
      const lock = leasedLock(narrow, 'renewal_test_lock', 'one');
      assert.equal(await lock.acquire('worker-1', lease), true);

      // Counted when each command goes out on a connection, not when it ends: inside FerretDB a
      // renewal may still wait for SQLite's write lock, as any write does, which is not the pool's
      // doing. One renewal at a time, so that none waits for a connection behind another renewal.
      let bulkSent = 0;
      const renewalSends: number[] = [];
      const onSent = (e: { commandName: string; command: Record<string, unknown> }) => {
        if (e.commandName === 'insert' && e.command.insert === 'bulk') bulkSent++;
        else renewalSends.push(bulkSent);
      };
      for (const client of new Set([narrow.db.client, narrow.renewals.client])) client.on('commandStarted', onSent);
      const rows = (batch: number) => Array.from({ length: 500 }, (_, n) => ({ batch, n, text: 'x'.repeat(200) }));
      const writes = Array.from({ length: 40 }, (_, batch) => narrow.db.collection('bulk').insertMany(rows(batch)));
      const renewals = [
        () => renewMailboxLock(narrow, 'box@contoso.example', 'job-1', lease),
        () => heartbeat(narrow, claimOf(job), lease).then((beat) => beat.held),
        () => lock.renew('worker-1', lease),
      ];
      const renewed: boolean[] = [];
      const waits: number[] = [];
      for (const renew of renewals) {
        const [asked, first] = [bulkSent, renewalSends.length];
        renewed.push(await renew());
        waits.push(renewalSends[first]! - asked);
      }
      await Promise.all(writes);
      assert.deepEqual(renewed, [true, true, true]);
      const waitedFor = Math.max(...waits);
      assert.ok(waitedFor < writes.length / 2, `the renewals waited for ${waitedFor} of ${writes.length} bulk writes`);
    } finally {
      await narrow.close();
    }
  });

  test('opening a store on a server that does not answer fails with STORE_UNREACHABLE', async () => {
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
    const { port } = probe.address() as { port: number };
    await new Promise((done) => probe.close(done));
    await assert.rejects(
      openStore({ uri: `mongodb://127.0.0.1:${port}/`, dbName: 'nowhere', serverSelectionTimeoutMS: 300 }),
      (err: Error & { code?: string }) =>
        err.code === 'STORE_UNREACHABLE' && err.message.startsWith(`Cannot reach MongoDB at mongodb://127.0.0.1:${port}/`),
    );
  });
});

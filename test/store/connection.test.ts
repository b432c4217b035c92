import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Schema } from 'mongoose';
import { openStore, registerModel } from '../../backend/src/store';
import { testStore, type TestStore } from '../helpers/db';

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

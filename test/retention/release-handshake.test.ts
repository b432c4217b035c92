import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { ingestMessage } from '../../backend/src/ingest';
import { runDisposal } from '../../backend/src/retention/disposal';
import { addItems } from '../../backend/src/store/items';
import { insertPolicy } from '../../backend/src/store/retention-policies';
import { testStore, type TestStore } from '../helpers/db';
import { archive, blobExists } from './helpers';
import { mime } from './synthetic';

let store: TestStore;
after(async () => {
  await store?.drop();
});

test('an ingest that adds a reference to bytes retention has just deleted backs off, and storing them again works', async () => {
  store = await testStore('retention_handshake');
  const gone = await archive(store, 'handshake-a', 1, 900);
  await insertPolicy(store, {
    active: { name: 'One year', description: '', minDays: 0, maxDays: 365, scope: { tenant: false, archives: ['handshake-a'], groups: [], sharedMailboxes: false, journal: false }, folders: [] },
    pending: null,
    createdBy: { oid: 't', upn: 't@contoso.example' },
    approvedBy: null,
  });
  assert.equal((await runDisposal({ store, graph: null })).disposed, 1);
  assert.equal(await blobExists(store, gone.sha256), false);

  // An ingest whose blob store step found the bytes stored, just before retention deleted them, then adds its item.
  const late = { archiveId: 'handshake-b', sha256: gone.sha256, folder: 'Inbox', receivedAt: gone.m.receivedAt, subject: gone.m.subject, from: null, size: gone.size, hasAttachments: false, source: { kind: 'import' as const, file: 'late.eml' } };
  await assert.rejects(addItems(store.conn, [{ item: late }]), (err: { code?: string }) => err.code === 'BLOB_RELEASED');
  assert.equal(await store.db.collection('items').countDocuments({ archiveId: 'handshake-b' }), 0, 'no record is left without its bytes');

  // Its retry stores the bytes again, and the reference stays.
  const retried = await ingestMessage(store, { archiveId: 'handshake-b', folder: 'Inbox', receivedAt: gone.m.receivedAt, source: late.source, content: Readable.from([mime(gone.m)]) });
  assert.equal(retried.status, 'archived');
  assert.equal(retried.blobCreated, true);
  assert.ok(await store.blobs.verify(gone.sha256));
  assert.equal(await store.db.collection('items').countDocuments({ archiveId: 'handshake-b' }), 1);
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addItems, type NewItem } from '../../backend/src/store/items';
import { testStore, type TestStore } from '../helpers/db';

let store: TestStore;
before(async () => {
  store = await testStore();
});
after(async () => store?.drop());

const copy = (messageId: string): NewItem => ({
  archiveId: 'a1',
  sha256: 'f'.repeat(64),
  folder: 'Inbox',
  receivedAt: new Date('2024-03-01T10:00:00Z'),
  subject: 'Same bytes twice',
  from: null,
  size: 100,
  hasAttachments: false,
  source: { kind: 'graph', mailboxId: 'm1', folderId: 'inbox', messageId },
});

test('a second byte-identical copy added by the same unit of work is a duplicate, not archived again', async () => {
  const outcomes = await addItems(store.conn, [{ item: copy('msg-1'), unit: 'run:page' }, { item: copy('msg-2'), unit: 'run:page' }]);
  assert.deepEqual(outcomes, ['inserted', 'existing']);
});

test('the same copy added again by a retry of its unit still counts as archived by that unit', async () => {
  const outcomes = await addItems(store.conn, [{ item: copy('msg-1'), unit: 'run:page' }, { item: copy('msg-2'), unit: 'run:page' }]);
  assert.deepEqual(outcomes, ['retried', 'existing']);
});

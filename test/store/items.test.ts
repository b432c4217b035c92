import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addItems, claimSources, type NewItem } from '../../backend/src/store/items';
import { testStore, watchedStore, type TestStore } from '../helpers/db';

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

test('a page offered again (a restarted crawl) learns what its archive holds in two commands, however long the page', async () => {
  const page = Array.from({ length: 40 }, (_, i) => `page-${String(i).padStart(2, '0')}`);
  assert.equal((await claimSources(store.conn, 'a2', 'm2', page)).size, 0, 'new messages: nothing known');
  // Half of the page was archived before the first attempt stopped; the rest was only offered.
  const archived = page.filter((_, i) => i % 2 === 0);
  await addItems(store.conn, archived.map((messageId, i) => ({ item: { ...copy(messageId), archiveId: 'a2', sha256: String(i).padStart(64, '0'), source: { kind: 'graph', mailboxId: 'm2', folderId: 'inbox', messageId } }, unit: 'run:p1' })));
  const { store: watched, commands } = await watchedStore(store.db.databaseName);
  try {
    const known = await claimSources(watched.conn, 'a2', 'm2', page);
    assert.deepEqual([...known.keys()].sort(), archived);
    assert.equal(known.get('page-00')?.sha256, '0'.repeat(64));
    assert.deepEqual(commands, ['insert source_claims', 'find source_refs']);
  } finally {
    await watched.close();
  }
});

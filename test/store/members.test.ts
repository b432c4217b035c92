import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { openStore } from '../../backend/src/store';
import { memberStates, partitionLedgers, recordMembers, resetProfileMembers, tallyMembers, forgetMember, type MailboxRef } from '../../backend/src/store/members';
import { forceCollectionLayout, type CollectionLayout } from '../../backend/src/store/server-kind';
import { testStore, watchedStore, type TestStore } from '../helpers/db';

const INBOX = 'AAMkInbox';
const ARCHIVE = 'AAMkArchive';
const alice: MailboxRef = { profileId: 'profile-1', mailboxId: 'alice-id' };
const bob: MailboxRef = { profileId: 'profile-1', mailboxId: 'bob-id' };
const aliceElsewhere: MailboxRef = { profileId: 'profile-2', mailboxId: 'alice-id' };

const stores: TestStore[] = [];
after(() => Promise.all(stores.map((s) => s.drop())));

async function storeWith(layout: CollectionLayout): Promise<TestStore> {
  const store = await testStore(`members_${layout}`);
  stores.push(store);
  forceCollectionLayout(store.db, layout);
  return store;
}

const plain = (tallies: Map<string, unknown>) => Object.fromEntries([...tallies].sort(([a], [b]) => a.localeCompare(b)));

for (const layout of ['shared', 'partitioned'] as const) {
  describe(`the folder ledger, ${layout} layout`, () => {
    test("a mailbox's tally counts its own messages where they are now, whatever other mailboxes and profiles hold", async () => {
      const { conn } = await storeWith(layout);
      await recordMembers(conn, alice, [
        { messageId: 'm1', folderId: INBOX, state: 'held' },
        { messageId: 'm2', folderId: INBOX, state: 'held' },
        { messageId: 'm3', folderId: INBOX, state: 'owed' },
        { messageId: 'm4', folderId: ARCHIVE, state: 'filtered' },
      ]);
      await recordMembers(conn, bob, [{ messageId: 'b1', folderId: INBOX, state: 'held' }]);
      await recordMembers(conn, aliceElsewhere, [{ messageId: 'm1', folderId: INBOX, state: 'failed' }]);
      // m2 moved to the archive folder, m3 was downloaded at last, m1 was deleted from the inbox.
      await recordMembers(conn, alice, [
        { messageId: 'm2', folderId: ARCHIVE, state: 'held' },
        { messageId: 'm3', folderId: INBOX, state: 'held' },
      ]);
      await forgetMember(conn, alice, INBOX, 'm1');
      await forgetMember(conn, alice, INBOX, 'm4'); // not in that folder any more: kept

      assert.deepEqual(plain(await tallyMembers(conn, alice)), {
        [ARCHIVE]: { held: 1, filtered: 1, owed: 0, failed: 0 },
        [INBOX]: { held: 1, filtered: 0, owed: 0, failed: 0 },
      });
      assert.deepEqual(plain(await tallyMembers(conn, bob)), { [INBOX]: { held: 1, filtered: 0, owed: 0, failed: 0 } });
      assert.deepEqual(plain(await tallyMembers(conn, aliceElsewhere)), { [INBOX]: { held: 0, filtered: 0, owed: 0, failed: 1 } });
      assert.deepEqual(Object.fromEntries(await memberStates(conn, alice, ['m1', 'm2', 'm4'])), { m2: 'held', m4: 'filtered' });

      await resetProfileMembers(conn, 'profile-1');
      assert.equal((await tallyMembers(conn, alice)).size, 0, "the profile's ledger is forgotten");
      assert.equal((await tallyMembers(conn, bob)).size, 0);
      assert.equal((await tallyMembers(conn, aliceElsewhere)).size, 1, "another profile's is kept");
    });
  });
}

test('a ledger written to the shared collection moves into the mailboxes\' own collections, once, where the layout is partitioned', async () => {
  const store = await storeWith('partitioned');
  // As code before schema 3 wrote it.
  const shared = store.db.collection('folder_members');
  const docs = [
    ...Array.from({ length: 30 }, (_, i) => ({ _id: `${alice.profileId}:${alice.mailboxId}:a${i}`, ...alice, folderId: i % 3 ? INBOX : ARCHIVE, state: 'held' })),
    { _id: `${bob.profileId}:${bob.mailboxId}:b1`, ...bob, folderId: INBOX, state: 'owed' },
  ];
  await shared.insertMany(docs as never[]);
  // A crash part-way had copied some already.
  await recordMembers(store.conn, alice, [{ messageId: 'a0', folderId: ARCHIVE, state: 'held' }]);

  assert.equal(await partitionLedgers(store.conn), docs.length);
  assert.equal(await shared.countDocuments(), 0, 'the shared collection is emptied');
  assert.deepEqual(plain(await tallyMembers(store.conn, alice)), {
    [ARCHIVE]: { held: 10, filtered: 0, owed: 0, failed: 0 },
    [INBOX]: { held: 20, filtered: 0, owed: 0, failed: 0 },
  });
  assert.deepEqual(plain(await tallyMembers(store.conn, bob)), { [INBOX]: { held: 0, filtered: 0, owed: 1, failed: 0 } });
  assert.equal(await partitionLedgers(store.conn), 0, 'run again, it has nothing to move');
});

test("where the layout is partitioned, a mailbox's tally reads a collection that holds its ledger only", async () => {
  const store = await storeWith('partitioned');
  await recordMembers(store.conn, alice, [{ messageId: 'a1', folderId: INBOX, state: 'held' }]);
  await recordMembers(store.conn, bob, Array.from({ length: 50 }, (_, i) => ({ messageId: `b${i}`, folderId: INBOX, state: 'held' as const })));
  const { store: watched, commands } = await watchedStore(store.dbName);
  const labels: string[] = [];
  const metered = await openStore({ uri: process.env.MONGODB_URI!, dbName: store.dbName, observeCommand: (command, collection) => void labels.push(`${command} ${collection}`) });
  try {
    forceCollectionLayout(watched.db, 'partitioned');
    commands.length = 0;
    await tallyMembers(watched.conn, alice);
    const read = commands.filter((c) => c.startsWith('aggregate ')).map((c) => c.slice('aggregate '.length));
    assert.equal(read.length, 1, commands.join(', '));
    assert.equal(await store.db.collection(read[0]!).countDocuments(), 1, `${read[0]} holds alice's one entry, none of bob's 50`);
    // The command metrics name every mailbox's collection alike, or each mailbox would be a label value of its own.
    forceCollectionLayout(metered.db, 'partitioned');
    await tallyMembers(metered.conn, bob);
    assert.ok(labels.includes('aggregate fm_*'), labels.join(', '));
  } finally {
    await watched.close();
    await metered.close();
  }
});

test('where the layout is shared, the ledger stays where it is', async () => {
  const store = await storeWith('shared');
  await recordMembers(store.conn, alice, [{ messageId: 'a1', folderId: INBOX, state: 'held' }]);
  assert.equal(await partitionLedgers(store.conn), 0);
  assert.equal(await store.db.collection('folder_members').countDocuments(), 1);
});

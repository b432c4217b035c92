import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../helpers/stack';
import { ALL_HANDS_MESSAGE_ID } from '../../emulator/src/index';
import { ADMIN, blobCount, createProfile, itemCount, mailCount, runProfile } from './helpers';

let stack: Stack;

before(async () => {
  stack = await startStack({ seed: 'demo' });
});
after(async () => stack?.close());

test('a multiple-mailbox profile archives every licensed mailbox, counts matching the tenant', async () => {
  const id = await createProfile(stack, ADMIN, { name: 'All users', source: { kind: 'multiple-mailboxes', selection: 'all' }, syncDirectoryFirst: true });
  const run = await runProfile(stack, id);
  assert.equal(run.status, 'succeeded', JSON.stringify(run.mailboxes.map((m: any) => m.recentErrors)));
  const upns = run.mailboxes.map((m: any) => m.upn).sort();
  assert.deepEqual(upns, ['adele.vance', 'alex.wilber', 'diego.siciliani', 'lee.gu', 'megan.bowen'].map((u) => `${u}@contoso.example`));
  for (const m of run.mailboxes) {
    assert.equal(m.status, 'done');
    assert.equal(m.found, await mailCount(stack, m.upn), `found in ${m.upn}`);
    assert.equal(m.archived + m.alreadyArchived, m.found, `archived in ${m.upn}`);
    assert.equal(m.failed, 0);
  }
  assert.ok(run.totals.archived > 50, `archived ${run.totals.archived}`);
});

test('a message delivered to many mailboxes is stored once and listed in each archive', async () => {
  const copies = await stack.emulator.tenant.findMessagesByInternetMessageId(ALL_HANDS_MESSAGE_ID);
  assert.ok(copies.length >= 5, `the demo tenant delivers the all-hands mail to ${copies.length} mailboxes`);
  const items = await stack.store.db.collection('items').find({ subject: copies[0]!.message.subject }).toArray();
  const archives = new Set(items.map((i) => i.archiveId));
  assert.equal(new Set(items.map((i) => i.sha256)).size, 1, 'one blob for every copy');
  assert.ok(archives.size >= 5, `listed in ${archives.size} archives`);
  const total = await itemCount(stack);
  assert.ok((await blobCount(stack)) < total, 'fewer blobs than archived items');
});

test('a second run without changes archives nothing and costs two requests per folder (delta, item count) plus two per mailbox', async () => {
  const profiles = await stack.api('adele.vance@contoso.example', 'GET', '/admin/profiles');
  const before = await itemCount(stack);
  stack.emulator.stats.reset();
  const run = await runProfile(stack, profiles.body.value[0].id);
  assert.equal(run.status, 'succeeded');
  assert.equal(run.totals.archived, 0);
  assert.equal(await itemCount(stack), before);
  // Per mailbox: the folder tree's delta, and the directory sync's mailbox settings (the profile syncs first).
  for (const m of run.mailboxes) {
    const requests = stack.emulator.stats.requests({ mailbox: m.upn });
    assert.ok(requests <= 2 * m.foldersTotal + 2, `${m.upn}: ${requests} requests for ${m.foldersTotal} folders`);
  }
});

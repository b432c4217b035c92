import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runDisposal } from '../../backend/src/retention/disposal';
import { DEMO_USERS } from '../../emulator/src/index';
import { startStack, type Stack } from '../helpers/stack';
import { createProfile, runProfile } from '../archiving/helpers';
import { ADMIN, MEGAN, SECOND_ADMIN, call } from './helpers';

const FALCON = '1a2b3c4d-0000-4000-b000-000000000002';
const SALES = '1a2b3c4d-0000-4000-b000-000000000003';
const LEE = DEMO_USERS.lee.id;

let stack: Stack;
before(async () => {
  stack = await startStack({ seed: 'demo', env: { ADMIN_USERS: SECOND_ADMIN } });
});
after(async () => stack?.close());

const itemsOf = async (archiveId: string) => (await stack.store.db.collection('items').find({ archiveId }, { projection: { folder: 1 } }).toArray()).map((i) => String(i.folder));

async function archiveCollab(): Promise<void> {
  const groups = await createProfile(stack, ADMIN, { name: 'Groups', source: { kind: 'm365-groups', selection: 'all' } });
  const chats = await createProfile(stack, ADMIN, { name: 'Chats', source: { kind: 'teams-chats', selection: 'only', mailboxes: [MEGAN.upn, DEMO_USERS.lee.upn] }, syncDirectoryFirst: true });
  for (const id of [groups, chats]) assert.equal((await runProfile(stack, id)).status, 'succeeded');
}

test('a retention policy disposes of old group posts and chat lines, and a hold on an archive keeps its posts and lines', async () => {
  await archiveCollab();
  const before = { falcon: await itemsOf(FALCON), sales: await itemsOf(SALES), megan: await itemsOf(MEGAN.id), lee: await itemsOf(LEE) };
  assert.deepEqual([before.falcon.length, before.sales.length], [3, 1], 'the demo groups\' posts, all from early 2024');
  assert.ok(before.megan.length > 0 && before.megan.every((f) => f.startsWith('Teams Chats/')), 'Megan\'s archive holds her chat lines only');
  assert.ok(before.lee.length > 0 && before.lee.every((f) => f.startsWith('Teams Chats/')));

  const policy = await call(stack, ADMIN, 'POST', '/admin/retention/policies', {
    rules: { name: 'One year of collaboration', minDays: 0, maxDays: 365, scope: { archives: [FALCON, SALES, MEGAN.id, LEE] }, folders: [] },
  });
  assert.equal(policy.status, 201, JSON.stringify(policy.body));
  const hold = await call(stack, ADMIN, 'POST', '/compliance/holds', { name: 'Sales and Lee', reason: 'Inquiry 2026-31', kind: 'archives', archives: [SALES, LEE] });
  assert.equal(hold.status, 201, JSON.stringify(hold.body));

  const result = await runDisposal({ store: stack.store, graph: null });
  assert.equal(result.disposed, before.falcon.length + before.megan.length, 'every old post of Falcon and every old line of Megan went');
  assert.equal(result.kept.hold, before.sales.length + before.lee.length, 'the held posts and lines were due and kept');
  assert.deepEqual([await itemsOf(FALCON), await itemsOf(MEGAN.id)], [[], []]);
  assert.deepEqual([(await itemsOf(SALES)).length, (await itemsOf(LEE)).length], [before.sales.length, before.lee.length]);
});

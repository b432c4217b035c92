import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { DEMO_USERS } from '../../emulator/src/index';
import { startStack, type Stack } from '../helpers/stack';
import { messagePath, rawApi } from '../retrieval/helpers';
import { ADMIN, createProfile, runProfile } from './helpers';

const FALCON = '1a2b3c4d-0000-4000-b000-000000000002';
const SALES = '1a2b3c4d-0000-4000-b000-000000000003';
const CHECKLIST = 'AAQkADfalconThread01AAA=';

let stack: Stack;
let profileId: string;
before(async () => {
  stack = await startStack({ seed: 'demo' });
  profileId = await createProfile(stack, ADMIN, { name: 'Groups', source: { kind: 'm365-groups', selection: 'all' } });
});
after(async () => stack?.close());

const groupItems = async () =>
  (await stack.store.db.collection('items').find({ archiveId: { $in: [FALCON, SALES] } }).toArray()).map((i) => ({ archiveId: i.archiveId, sha256: i.sha256, subject: i.subject, folder: i.folder })).sort((a, b) => a.sha256.localeCompare(b.sha256));
const rawOf = async (user: string, archiveId: string, subject: string) => {
  const items = await stack.store.db.collection('items').find({ archiveId, subject }).sort({ receivedAt: 1 }).toArray();
  return Promise.all(items.map(async (i) => (await rawApi(stack, user, 'GET', `${messagePath(String(i._id))}/raw`)).bytes));
};

test('a groups profile archives each post of each Microsoft 365 group as a threaded MIME message, and a rerun duplicates nothing', async () => {
  const tested = await stack.api(ADMIN, 'POST', `/admin/profiles/${profileId}/test`);
  assert.deepEqual([tested.body.ok, tested.body.mailboxCount], [true, 2], JSON.stringify(tested.body));
  const first = await runProfile(stack, profileId);
  assert.equal(first.status, 'succeeded', JSON.stringify(first.mailboxes.map((m: any) => m.recentErrors)));
  assert.deepEqual(first.mailboxes.map((m: any) => [m.upn, m.archived]).sort(), [['falcon@contoso.example', 3], ['sales-emea@contoso.example', 1]]);
  const archived = await groupItems();
  assert.equal(archived.length, 4);
  assert.ok(archived.every((i) => i.folder === 'Conversations'));
  assert.ok(archived.some((i) => i.subject === 'Q1 pipeline — Nordics'), 'a non-ASCII topic survives its encoded-word Subject');

  const [opening, reply] = await rawOf(ADMIN, FALCON, 'Launch checklist');
  const [a, b] = [await simpleParser(opening!), await simpleParser(reply!)];
  assert.equal(a.from?.value[0]?.address, DEMO_USERS.megan.upn);
  assert.equal((a.to as any).value[0].address, 'falcon@contoso.example');
  assert.equal(a.date?.toISOString(), '2024-02-12T08:30:00.000Z');
  assert.equal(b.inReplyTo, a.messageId, 'the reply names the opening post');
  assert.deepEqual([b.references].flat(), [a.messageId]);
  const [withFile] = await rawOf(ADMIN, FALCON, 'Press release wording');
  const parsed = await simpleParser(withFile!);
  assert.equal(parsed.attachments[0]?.filename, 'press-release-v2.txt');
  assert.match(parsed.attachments[0]!.content.toString(), /Falcon ships on 20 February/);

  const second = await runProfile(stack, profileId);
  assert.equal(second.status, 'succeeded');
  assert.deepEqual(second.mailboxes.map((m: any) => m.archived), [0, 0], 'nothing new: nothing archived');
  assert.deepEqual(await groupItems(), archived, 'same items, same hashes');
});

test('a new post arrives incrementally, through a 429, threaded under its thread', async () => {
  const falcon = stack.emulator.tenant.groups.get(FALCON)!;
  falcon.threads.find((t) => t.id === CHECKLIST)!.posts.push({
    id: 'AAMkADfalconPost0103AAA=', from: { name: 'Alex Wilber', address: DEMO_USERS.alex.upn },
    receivedDateTime: '2024-02-15T09:00:00Z', content: '<p>Logistics confirmed the pallet count.</p>',
  });
  stack.emulator.stats.reset();
  stack.emulator.faults.inject({ match: { pathIncludes: `/groups/${FALCON}/threads` }, kind: '429', retryAfterSeconds: 1 });
  const run = await runProfile(stack, profileId);
  assert.equal(run.status, 'succeeded', JSON.stringify(run.mailboxes.map((m: any) => m.recentErrors)));
  assert.equal(stack.emulator.stats.requests({ pathIncludes: '/threads', status: 429 }), 1, 'throttled once, then retried');
  const falconRow = run.mailboxes.find((m: any) => m.mailboxId === FALCON);
  assert.equal(falconRow.archived, 1, 'only the new post');
  assert.equal(stack.emulator.stats.requests({ pathIncludes: '/threads/AAQkADfalconThread02AAA=/posts' }), 0, 'the unchanged thread is not read again');
  const posts = await rawOf(ADMIN, FALCON, 'Launch checklist');
  assert.equal(posts.length, 3);
  const [a, b, c] = await Promise.all(posts.map((p) => simpleParser(p!)));
  assert.equal(c!.inReplyTo, b!.messageId);
  assert.deepEqual([c!.references].flat(), [a!.messageId, b!.messageId]);
});

test('a groups profile of listed groups applies the profile date filters to posts', async () => {
  const id = await createProfile(stack, ADMIN, {
    name: 'Sales since March 5', source: { kind: 'm365-groups', selection: 'only', mailboxes: ['sales-emea@contoso.example'] },
    filters: { receivedAfter: '2024-03-05' },
  });
  const run = await runProfile(stack, id);
  assert.deepEqual(run.mailboxes.map((m: any) => [m.mailboxId, m.found, m.filtered, m.archived]), [[SALES, 1, 1, 0]]);
});

test("a group's archive is granted to its owners and members: a member searches it, a non-member is refused", async () => {
  const megan = DEMO_USERS.megan.upn;
  const diego = DEMO_USERS.diego.upn;
  const picker = (await stack.api(megan, 'GET', '/archives')).body.value;
  assert.ok(picker.some((a: any) => a.id === FALCON && a.kind === 'group' && a.rights.includes('read')), JSON.stringify(picker));
  assert.ok(!picker.some((a: any) => a.id === SALES), 'Megan is no member of Sales EMEA');
  const found = await stack.api(megan, 'GET', `/search?archive=${FALCON}&q=${encodeURIComponent('pallet')}`);
  assert.equal(found.status, 200, JSON.stringify(found.body));
  assert.equal(found.body.total, 1);
  const refused = await stack.api(diego, 'GET', `/search?archive=${FALCON}&q=${encodeURIComponent('pallet')}`);
  assert.equal(refused.status, 404, "outside the caller's reach");
  const owner = await stack.api(diego, 'GET', `/search?archive=${SALES}&q=Nordics`);
  assert.equal(owner.body.total, 1, 'the owner of Sales EMEA searches its archive');
});

test('the directory sync keeps group grants in step with membership, and leaves grants an administrator wrote alone', async () => {
  const lee = DEMO_USERS.lee.upn;
  assert.equal((await stack.api(lee, 'GET', `/search?archive=${FALCON}&q=pallet`)).body.total, 1, 'Lee is a member of Project Falcon');
  const diego = DEMO_USERS.diego.upn;
  const granted = await stack.api(ADMIN, 'POST', '/admin/grants', { grantee: diego, archive: 'falcon@contoso.example', rights: ['read'] });
  assert.equal(granted.status, 201, JSON.stringify(granted.body));
  const falcon = stack.emulator.tenant.groups.get(FALCON)!;
  falcon.memberIds = falcon.memberIds.filter((id) => id !== DEMO_USERS.lee.id);
  const settings = (await stack.api(ADMIN, 'GET', '/admin/directory/settings')).body;
  assert.equal((await stack.api(ADMIN, 'PUT', '/admin/directory/settings', { ...settings, licensedOnly: false, syncGroups: true })).status, 200);
  const synced = await stack.api(ADMIN, 'POST', '/admin/directory/sync');
  assert.equal(synced.status, 200, JSON.stringify(synced.body));
  assert.deepEqual([synced.body.groups.seen, synced.body.groups.grantsRemoved], [2, 1], JSON.stringify(synced.body.groups));
  assert.equal((await stack.api(lee, 'GET', `/search?archive=${FALCON}&q=pallet`)).status, 404, 'Lee left the group');
  assert.equal((await stack.api(diego, 'GET', `/search?archive=${FALCON}&q=pallet`)).body.total, 1, "the administrator's grant stays");
  const group = await stack.store.db.collection('archive_users').findOne({ _id: FALCON as never });
  assert.equal(group?.status, 'active', 'the user sync departs no group');
});

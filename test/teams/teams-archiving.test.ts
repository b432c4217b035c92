import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { startStack, type Stack } from '../helpers/stack';
import { DEMO_CHATS, DEMO_USERS, teamworkOf } from '../../emulator/src/index';
import { ADMIN, createProfile, itemCount, runProfile } from '../archiving/helpers';
import { search } from '../search-api/helpers';

let stack: Stack;
let chatsProfile: string;
let channelsProfile: string;
const MEGAN = DEMO_USERS.megan.id;

before(async () => {
  stack = await startStack({ seed: 'demo' });
  chatsProfile = await createProfile(stack, ADMIN, { name: 'Chats', source: { kind: 'teams-chats', selection: 'only', mailboxes: [DEMO_USERS.megan.upn, DEMO_USERS.lee.upn] }, syncDirectoryFirst: true });
  channelsProfile = await createProfile(stack, ADMIN, { name: 'Channels', source: { kind: 'teams-channels', teams: ['Project Falcon'] } });
});
after(async () => stack?.close());

const teamsItems = (filter: Record<string, unknown> = {}) => stack.store.db.collection('items').find({ folder: { $regex: '^Teams' }, ...filter }).toArray();

async function rawOf(sha256: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stack.store.blobs.open(sha256)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('chats archive into each member\'s archive as MIME lines grouped by chat, with the Graph JSON byte-exact inside', async () => {
  const run = await runProfile(stack, chatsProfile);
  assert.equal(run.status, 'succeeded', JSON.stringify(run.mailboxes.map((m: any) => m.recentErrors)));
  const megan = run.mailboxes.find((m: any) => m.mailboxId === MEGAN);
  assert.equal(megan.found, 6);
  assert.equal(megan.archived, 6);
  const meganItems = await teamsItems({ archiveId: MEGAN });
  assert.equal(meganItems.length, 6);
  assert.equal((await teamsItems({ archiveId: DEMO_USERS.lee.id })).length, 3, 'Lee is in the group chat only');
  const group = meganItems.filter((i) => i.folder === 'Teams Chats/Falcon launch crew');
  assert.equal(group.length, 3);
  const line = group.find((i) => i.from?.address === DEMO_USERS.alex.upn)!;
  const mime = await simpleParser(await rawOf(line.sha256));
  assert.equal(mime.subject, 'Teams chat: Falcon launch crew');
  assert.match(String(mime.html), /I will tell the warehouse/);
  assert.equal(mime.headers.get('x-ms-teams-event'), 'edited');
  const json = mime.attachments.find((a) => a.contentType === 'application/json')!;
  const graphMessage = teamworkOf(stack.emulator.tenant).chats.get(DEMO_CHATS.group)!.messages.find((m) => m.id === JSON.parse(json.content.toString()).id)!;
  assert.equal(json.content.toString(), JSON.stringify(graphMessage), 'the JSON as Graph sent it');
  const references = await Promise.all(group.map(async (i) => String((await simpleParser(await rawOf(i.sha256))).headers.get('references'))));
  assert.equal(new Set(references).size, 1, 'one conversation');
});

test('a second run duplicates nothing; an edit and a deletion arrive as new events; a 429 is retried', async () => {
  const before = await teamsItems();
  const hashes = new Set(before.map((i) => `${i.archiveId}:${i.sha256}`));
  const again = await runProfile(stack, chatsProfile);
  assert.equal(again.status, 'succeeded');
  assert.equal(again.totals.archived, 0, 'the overlap is recognised, nothing stored twice');
  assert.deepEqual(new Set((await teamsItems()).map((i) => `${i.archiveId}:${i.sha256}`)), hashes);

  const tw = teamworkOf(stack.emulator.tenant);
  const [first, second] = tw.chats.get(DEMO_CHATS.oneOnOne)!.messages;
  tw.edit(first!.id!, '<p>Morning Alex, did the printer send the brochure proofs for the kestrel issue?</p>');
  tw.remove(second!.id!);
  stack.emulator.faults.inject({ match: { pathIncludes: '/chats/getAllMessages' }, kind: '429', retryAfterSeconds: 1, times: 2 });
  const third = await runProfile(stack, chatsProfile);
  assert.equal(third.status, 'succeeded', JSON.stringify(third.mailboxes.map((m: any) => m.recentErrors)));
  const megan = third.mailboxes.find((m: any) => m.mailboxId === MEGAN);
  assert.equal(megan.archived, 2, 'the edit and the deletion');
  const lines = await teamsItems({ archiveId: MEGAN, folder: { $regex: '^Teams Chats/Alex Wilber' } });
  assert.equal(lines.length, 5, 'three lines, plus the edit and the deletion as events');
  const events = await Promise.all(lines.map(async (i) => (await simpleParser(await rawOf(i.sha256))).headers.get('x-ms-teams-event')));
  assert.deepEqual(events.sort(), ['created', 'created', 'created', 'deleted', 'edited']);
  assert.ok(stack.emulator.stats.requests({ status: 429 }) >= 2, 'the throttled answers were seen and retried');
});

test('channel messages with replies go to every team member\'s archive, stored once', async () => {
  const run = await runProfile(stack, channelsProfile);
  assert.equal(run.status, 'succeeded', JSON.stringify(run.mailboxes.map((m: any) => m.recentErrors)));
  assert.equal(run.mailboxes[0].found, 5);
  const items = await teamsItems({ folder: 'Teams/Project Falcon/General' });
  assert.equal(items.length, 3 * 4, 'three lines for four members');
  assert.equal(new Set(items.map((i) => i.sha256)).size, 3, 'each line stored once');
  const before = await itemCount(stack);
  assert.equal((await runProfile(stack, channelsProfile)).totals.archived, 0);
  assert.equal(await itemCount(stack), before);
});

test('a member finds a chat line by a word through the search API; others do not', async () => {
  const alex = await search(stack, DEMO_USERS.megan.upn, { q: 'kingfisher' });
  assert.equal(alex.status, 200, JSON.stringify(alex.body));
  assert.equal(alex.body.value.length, 1);
  assert.equal(alex.body.value[0].subject, 'Teams chat: Alex Wilber, Megan Bowen');
  const lee = await search(stack, DEMO_USERS.lee.upn, { q: 'kingfisher' });
  assert.equal(lee.body.value.length, 0, 'Lee is not in that chat');
  const channel = await search(stack, DEMO_USERS.admin.upn, { q: 'teal' });
  assert.equal(channel.body.value.length, 1, 'a channel line in a team member\'s archive');
});

test('without Microsoft\'s protected-API approval the run fails for each user with Graph\'s reason, and archives nothing', async () => {
  const tw = teamworkOf(stack.emulator.tenant);
  tw.protectedApiApproved = false;
  try {
    const before = await itemCount(stack);
    const run = await runProfile(stack, chatsProfile);
    assert.equal(run.status, 'failed');
    for (const m of run.mailboxes) assert.match(JSON.stringify(m.recentErrors), /Protected API/);
    assert.equal(await itemCount(stack), before);
  } finally {
    tw.protectedApiApproved = true;
  }
});

test('a Teams profile refuses mail options it cannot honour, naming the field', async () => {
  const res = await stack.api(ADMIN, 'POST', '/admin/profiles', {
    name: 'Chats with deletion', source: { kind: 'teams-chats', selection: 'all' }, deletion: { mode: 'delete-after-archiving', olderThanDays: 30 },
  });
  assert.equal(res.status, 400);
  assert.equal(res.body.error.field, 'deletion.mode');
  const unknown = await stack.api(ADMIN, 'POST', '/admin/profiles', { name: 'No such team', source: { kind: 'teams-channels', teams: ['Project Condor'] } });
  assert.equal(unknown.status, 201, 'a team unknown today may exist at the next run');
});

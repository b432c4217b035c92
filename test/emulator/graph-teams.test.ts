import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChatMessage } from '@microsoft/microsoft-graph-types';
import { DEMO_CHATS, DEMO_USERS, FALCON_TEAM_ID, teamworkOf } from '../../emulator/src/index';
import type { EmulatorHandle } from '../../emulator/src/index';
import { appToken, emulator, graphFetch } from './helpers';

interface Page { value: ChatMessage[]; '@odata.nextLink'?: string }

describe('Teams export APIs (getAllMessages) as Graph documents them', () => {
  let emu: EmulatorHandle;
  let token: string;
  before(async () => {
    emu = await emulator();
    token = await appToken(emu);
  });
  after(() => emu.close());

  const get = (path: string) => graphFetch(emu, token, path);
  const follow = async (first: string): Promise<{ pages: number; messages: ChatMessage[] }> => {
    const messages: ChatMessage[] = [];
    let pages = 0;
    for (let url: string | undefined = `${emu.graphBaseUrl}/v1.0${first}`; url; pages++) {
      const res: Response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200, await res.clone().text());
      const page = await res.json() as Page;
      messages.push(...page.value);
      url = page['@odata.nextLink'];
    }
    return { pages, messages };
  };

  it('pages a user\'s chat messages with nextLink, in the chatMessage shape, within a lastModifiedDateTime window', async () => {
    const megan = DEMO_USERS.megan.id;
    const all = await follow(`/users/${megan}/chats/getAllMessages?model=A&$top=2`);
    assert.equal(all.messages.length, 6, 'three lines of the 1:1 chat and three of the group chat');
    assert.ok(all.pages >= 3);
    const line = all.messages.find((m) => m.body?.content?.includes('kingfisher'))!;
    assert.equal(line.chatId, DEMO_CHATS.oneOnOne);
    assert.equal(line.from?.user?.id, DEMO_USERS.alex.id);
    assert.equal(line.messageType, 'message');
    assert.equal(line.body?.contentType, 'html');
    for (const key of ['id', 'replyToId', 'etag', 'createdDateTime', 'lastModifiedDateTime', 'deletedDateTime', 'mentions', 'reactions', 'attachments']) assert.ok(key in line, key);
    const edited = all.messages.find((m) => m.body?.content?.includes('warehouse'))!;
    assert.equal(edited.lastEditedDateTime, '2024-03-06T13:09:40Z');
    const window = await follow(`/users/${megan}/chats/getAllMessages?$filter=lastModifiedDateTime gt 2024-03-06T00:00:00Z and lastModifiedDateTime lt 2024-03-07T00:00:00Z`);
    assert.deepEqual(window.messages.map((m) => m.chatId), [DEMO_CHATS.group, DEMO_CHATS.group, DEMO_CHATS.group]);
    const lee = await follow(`/users/${DEMO_USERS.lee.id}/chats/getAllMessages`);
    assert.equal(lee.messages.length, 3, 'Lee is not in the 1:1 chat');
  });

  it('serves a team\'s channel messages with replies and a deletion', async () => {
    const { messages } = await follow(`/teams/${FALCON_TEAM_ID}/channels/getAllMessages?model=B`);
    assert.equal(messages.length, 5);
    const replies = messages.filter((m) => m.replyToId);
    assert.equal(replies.length, 2);
    assert.ok(replies.every((r) => r.channelIdentity?.teamId === FALCON_TEAM_ID));
    const deleted = messages.find((m) => m.deletedDateTime)!;
    assert.equal(deleted.body?.content, '');
  });

  it('refuses what Graph refuses: other filters, unknown models, delegated callers, unapproved apps', async () => {
    const megan = DEMO_USERS.megan.id;
    assert.equal((await get(`/users/${megan}/chats/getAllMessages?model=C`)).status, 400);
    assert.equal((await get(`/users/${megan}/chats/getAllMessages?$filter=subject eq 'x'`)).status, 400);
    assert.equal((await get(`/users/${megan}/chats/getAllMessages?$orderby=createdDateTime`)).status, 400);
    assert.equal((await get(`/users/${megan}/chats/getAllMessages?$top=51`)).status, 400);
    const delegated = await emu.issueUserToken(megan, { audience: 'https://graph.microsoft.com', scopes: ['Chat.Read'] });
    assert.equal((await graphFetch(emu, delegated, `/users/${megan}/chats/getAllMessages`)).status, 403);
    teamworkOf(emu.tenant).protectedApiApproved = false;
    try {
      const res = await get(`/teams/${FALCON_TEAM_ID}/channels/getAllMessages`);
      assert.equal(res.status, 403);
      assert.match(((await res.json()) as { error: { message: string } }).error.message, /Protected API/);
    } finally {
      teamworkOf(emu.tenant).protectedApiApproved = true;
    }
  });

  it('throttles with Teams\' own limits: 429 and Retry-After over the per-team rate', async () => {
    const tw = teamworkOf(emu.tenant);
    tw.limits = { ...tw.limits, perTeamPerSecond: 2 };
    try {
      const answers = await Promise.all(Array.from({ length: 5 }, () => get(`/teams/${FALCON_TEAM_ID}/channels/getAllMessages`)));
      const throttled = answers.filter((r) => r.status === 429);
      assert.ok(throttled.length >= 1, 'some requests are throttled');
      assert.equal(throttled[0]!.headers.get('retry-after'), '1');
      assert.equal(((await throttled[0]!.json()) as { error: { code: string } }).error.code, 'TooManyRequests');
    } finally {
      tw.limits = { exportPerSecond: 200, perTeamPerSecond: 4 };
    }
  });

  it('lists teams, their members and channels, and a chat with its members', async () => {
    const teams = await (await get('/teams')).json() as { value: { id: string; displayName: string }[] };
    assert.deepEqual(teams.value.map((t) => t.displayName), ['Project Falcon']);
    const members = await (await get(`/teams/${FALCON_TEAM_ID}/members`)).json() as { value: { userId: string; email: string }[] };
    assert.equal(members.value.length, 4);
    const chat = await (await get(`/chats/${encodeURIComponent(DEMO_CHATS.group)}?$expand=members`)).json() as { topic: string; members: { email: string }[] };
    assert.equal(chat.topic, 'Falcon launch crew');
    assert.equal(chat.members.length, 3);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EmulatorHandle } from '../../emulator/src/index';
import { DEMO_USERS } from '../../emulator/src/index';
import { appToken, emulator, graphFetch } from './helpers';

const FALCON = '1a2b3c4d-0000-4000-b000-000000000002';
const ADMINS = '1a2b3c4d-0000-4000-b000-000000000001';

describe('Graph group conversations: threads, posts, attachments, owners', () => {
  let emu: EmulatorHandle;
  let token: string;
  const get = async (path: string) => {
    const res = await graphFetch(emu, token, path);
    return { status: res.status, headers: res.headers, body: await res.json() as any };
  };
  before(async () => {
    emu = await emulator();
    token = await appToken(emu);
  });
  after(() => emu.close());

  it('lists threads most recently delivered first, paged through @odata.nextLink', async () => {
    const first = await get(`/groups/${FALCON}/threads?$top=1`);
    assert.equal(first.status, 200);
    assert.equal(first.body.value.length, 1);
    assert.match(first.body['@odata.context'], /groups\('1a2b3c4d-0000-4000-b000-000000000002'\)\/threads$/);
    const next = await fetch(first.body['@odata.nextLink'], { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json()) as any;
    const both = [...first.body.value, ...next.value];
    assert.deepEqual(both.map((t: any) => t.topic), ['Press release wording', 'Launch checklist']);
    assert.ok(both[0].lastDeliveredDateTime > both[1].lastDeliveredDateTime);
    assert.deepEqual(both.map((t: any) => t.hasAttachments), [true, false]);
    assert.equal(next['@odata.nextLink'], undefined);
  });

  it('gives post attachments to an application only expanded on the posts listing', async () => {
    const thread = 'AAQkADfalconThread02AAA=';
    const plain = await get(`/groups/${FALCON}/threads/${encodeURIComponent(thread)}/posts`);
    assert.equal(plain.body.value[0].hasAttachments, true);
    assert.equal(plain.body.value[0].attachments, undefined);
    const expanded = await get(`/groups/${FALCON}/threads/${encodeURIComponent(thread)}/posts?$expand=attachments`);
    const [file] = expanded.body.value[0].attachments;
    assert.equal(file['@odata.type'], '#microsoft.graph.fileAttachment');
    assert.match(Buffer.from(file.contentBytes, 'base64').toString(), /Falcon ships on 20 February/);
    assert.equal(file.size, Buffer.from(file.contentBytes, 'base64').length);
    const listed = await get(`/groups/${FALCON}/threads/${encodeURIComponent(thread)}/posts/${encodeURIComponent(expanded.body.value[0].id)}/attachments`);
    assert.equal(listed.status, 403, 'post-list-attachments: application permissions not supported');
    assert.equal(listed.body.error.code, 'ErrorAccessDenied');
  });

  it('lists owners apart from members, and refuses conversations of a group without a group mailbox', async () => {
    const owners = await get(`/groups/${FALCON}/owners?$select=id`);
    assert.deepEqual(owners.body.value.map((o: any) => o.id), [DEMO_USERS.megan.id]);
    const security = await get(`/groups/${ADMINS}/threads`);
    assert.equal(security.status, 404);
    assert.equal(security.body.error.code, 'ErrorInvalidGroup');
  });

  it('throttles thread listings with 429 and Retry-After when a fault is injected', async () => {
    emu.faults.inject({ match: { pathIncludes: '/threads' }, kind: '429', retryAfterSeconds: 2 });
    const throttled = await get(`/groups/${FALCON}/threads`);
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get('retry-after'), '2');
    assert.equal((await get(`/groups/${FALCON}/threads`)).status, 200);
  });
});

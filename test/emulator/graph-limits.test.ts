import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BatchRequestContent, BatchResponseContent } from '@microsoft/microsoft-graph-client';
import type { Message } from '@microsoft/microsoft-graph-types';
import { DEMO_USERS } from '../../emulator/src/index';
import type { EmulatorHandle } from '../../emulator/src/index';
import { appToken, emulator, graphClient, graphFetch, sleep } from './helpers';

interface BatchResponse { responses: { id: string; status: number; headers: Record<string, string>; body: { displayName?: string } & string }[] }

const megan = DEMO_USERS.megan.id;

describe('Graph $batch, throttling and injected faults', () => {
  let emu: EmulatorHandle;
  let token: string;
  before(async () => {
    emu = await emulator({ timeScale: 0.01, throttle: { requestsPerWindow: 8, windowSeconds: 300 } });
    token = await appToken(emu);
  });
  after(() => emu.close());

  const batch = (requests: unknown[]) => graphFetch(emu, token, '/$batch', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ requests }),
  });

  it('answers each part of a $batch, with 424 for dependents of a failed part and base64 for $value', async () => {
    const [msg] = await emu.tenant.listMessages(megan, 'inbox');
    const res = await batch([
      { id: '1', method: 'GET', url: `/users/${megan}/mailFolders/inbox?$select=displayName` },
      { id: '2', method: 'GET', url: `users/${megan}/messages/${msg!.id}/$value`, dependsOn: ['1'] },
      { id: '3', method: 'GET', url: `/users/${megan}/mailFolders/AAMkNoSuchFolderAAAAAAAAAAAAAAAAAAAAA=` },
      { id: '4', method: 'GET', url: '/users?$top=1&$select=id', dependsOn: ['3'] },
      { id: '5', method: 'GET', url: '/users?$top=1&$select=id', headers: { ConsistencyLevel: 'eventual' } },
    ]);
    assert.equal(res.status, 200);
    const body = await res.json() as BatchResponse;
    const byId = new Map(body.responses.map((r) => [r.id, r]));
    assert.equal(byId.get('1')!.status, 200);
    assert.equal(byId.get('1')!.body.displayName, 'Inbox');
    assert.ok(Buffer.from(byId.get('2')!.body, 'base64').equals(await emu.tenant.getMessageMime(megan, msg!.id!)));
    assert.equal(byId.get('3')!.status, 404);
    assert.equal(byId.get('4')!.status, 424);
    assert.equal(byId.get('5')!.status, 200);
    const content = new BatchRequestContent([
      { id: 'x', request: new Request(`${emu.graphBaseUrl}/v1.0/users/${megan}/mailFolders/drafts`) },
      { id: 'y', request: new Request(`${emu.graphBaseUrl}/v1.0/users/${megan}/mailFolders/outbox`), dependsOn: ['x'] },
    ]);
    const raw = await graphClient(emu, async () => token).api('/$batch').post(await content.getContent()) as BatchResponse;
    const sdk = new BatchResponseContent(raw);
    assert.equal(sdk.getResponseById('x').status, 200);
    assert.equal(raw.responses.find((r) => r.id === 'y')!.body.displayName, 'Outbox');
    const tooMany = await batch(Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/users' })));
    assert.equal(tooMany.status, 400);
  });

  it('throttles a mailbox beyond four concurrent requests with ApplicationThrottled and Retry-After', async () => {
    const alex = DEMO_USERS.alex.id;
    emu.faults.inject({ match: { mailbox: DEMO_USERS.alex.upn }, kind: 'slow', delayMs: 300, times: 4 });
    const results = await Promise.all(Array.from({ length: 6 }, () => graphFetch(emu, token, `/users/${alex}/mailFolders/inbox`)));
    const throttled = results.filter((r) => r.status === 429);
    assert.equal(results.filter((r) => r.status === 200).length, 4);
    assert.equal(throttled.length, 2);
    assert.equal(throttled[0]!.headers.get('retry-after'), '1');
    const err = await throttled[0]!.json() as { error: { code: string; message: string } };
    assert.equal(err.error.code, 'ApplicationThrottled');
    assert.match(err.error.message, /MailboxConcurrency/);
  });

  it('limits requests per window per mailbox; a batch part can be 429 while the batch is 200', async () => {
    const lee = DEMO_USERS.lee.id;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await graphFetch(emu, token, `/users/${lee}/mailFolders/inbox`)).status);
    assert.ok(statuses.every((s) => s === 200));
    const limited = await graphFetch(emu, token, `/users/${lee}/mailFolders/inbox`);
    assert.equal(limited.status, 429);
    assert.equal((await limited.json() as { error: { code: string } }).error.code, 'TooManyRequests');
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3, `window of 300 s x 0.01 gives ${retryAfter}`);
    const res = await batch([{ id: 'a', method: 'GET', url: `/users/${lee}/mailFolders/inbox` }, { id: 'b', method: 'GET', url: `/users/${megan}/mailFolders/inbox` }]);
    assert.equal(res.status, 200);
    const parts = new Map((await res.json() as BatchResponse).responses.map((r) => [r.id, r]));
    assert.equal(parts.get('a')!.status, 429);
    assert.ok(Number(parts.get('a')!.headers['Retry-After']) >= 1);
    assert.equal(parts.get('b')!.status, 200);
    await sleep(retryAfter * 1000);
    assert.equal((await graphFetch(emu, token, `/users/${lee}/mailFolders/inbox`)).status, 200, 'the window has passed');
  });

  it('injects 429, 503, 504, dropped connections and slow answers, which the SDK retries where Graph would', async () => {
    const diego = DEMO_USERS.diego.id;
    emu.faults.inject({ match: { pathIncludes: `/users/${diego}/mailFolders`, method: 'GET' }, kind: '503', times: 1, retryAfterSeconds: 1 });
    const first = await graphFetch(emu, token, `/users/${diego}/mailFolders/inbox`);
    assert.equal(first.status, 503);
    assert.equal(first.headers.get('retry-after'), '1');
    assert.equal((await graphFetch(emu, token, `/users/${diego}/mailFolders/inbox`)).status, 200, 'times: 1');

    const shared = DEMO_USERS.shared.id;
    emu.faults.inject({ match: { mailbox: shared }, kind: '429', times: 2, retryAfterSeconds: 1 });
    const client = graphClient(emu, async () => token);
    emu.stats.reset();
    const inbox = await client.api(`/users/${shared}/mailFolders/inbox`).get() as { displayName: string };
    assert.equal(inbox.displayName, 'Inbox');
    assert.equal(emu.stats.requests({ mailbox: DEMO_USERS.shared.upn }), 3, 'two 429s retried by the SDK, then success');

    const room = DEMO_USERS.room.id;
    emu.faults.inject({ match: { pathIncludes: '/mailFolders/drafts' }, kind: '504' });
    assert.equal((await graphFetch(emu, token, `/users/${room}/mailFolders/drafts`)).status, 504);
    emu.faults.inject({ match: { pathIncludes: '/mailFolders/outbox' }, kind: 'drop' });
    await assert.rejects(graphFetch(emu, token, `/users/${room}/mailFolders/outbox`));
    emu.faults.inject({ match: { pathIncludes: '/mailFolders/archive' }, kind: 'slow', delayMs: 250 });
    const t0 = Date.now();
    assert.equal((await graphFetch(emu, token, `/users/${room}/mailFolders/archive`)).status, 200);
    assert.ok(Date.now() - t0 >= 240);
    emu.faults.inject({ match: { pathIncludes: '/mailFolders/junkemail' }, kind: '503', times: 5 });
    emu.faults.clear();
    assert.equal((await graphFetch(emu, token, `/users/${DEMO_USERS.admin.id}/mailFolders/junkemail`)).status, 200);
  });

  it('exposes faults, stats and message injection over HTTP under /_emulator', async () => {
    const inject = await fetch(`${emu.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ match: { pathIncludes: '/mailFolders/sentitems' }, kind: '503' }) });
    assert.equal(inject.status, 204);
    assert.equal((await graphFetch(emu, token, `/users/${megan}/mailFolders/sentitems`)).status, 503);
    const mime = 'From: a@fabrikam.example\r\nTo: megan.bowen@contoso.example\r\nSubject: Pushed during a crawl\r\n\r\nhello\r\n';
    const added = await fetch(`${emu.url}/_emulator/messages`, { method: 'POST', body: JSON.stringify({ user: DEMO_USERS.megan.upn, folder: 'inbox', mime }) });
    assert.equal(added.status, 201);
    const message = await added.json() as Message;
    assert.equal(message.subject, 'Pushed during a crawl');
    const stats = await (await fetch(`${emu.url}/_emulator/stats?mailbox=${encodeURIComponent(DEMO_USERS.megan.upn)}`)).json() as { requests: number };
    assert.equal(stats.requests, emu.stats.requests({ mailbox: megan }));
    assert.ok(stats.requests > 0);
  });
});

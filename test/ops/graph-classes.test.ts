import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { principalOf } from '../../backend/src/graph/mailbox-requests';
import { GraphMetricsHandler, classifyPrincipal } from '../../backend/src/metrics/graph';
import { graphRequests } from '../../backend/src/metrics';

test('a Graph URL names the user, group or team it addresses, in each syntax links use', () => {
  assert.equal(principalOf('https://graph.microsoft.com/v1.0/users/AbC-1/messages/delta?$select=id'), 'abc-1');
  assert.equal(principalOf('/users/adele%40contoso.com/mailFolders'), 'adele@contoso.com');
  assert.equal(principalOf("https://graph.microsoft.com/beta/users('X2')/messages/m1/$value"), 'x2');
  assert.equal(principalOf('/groups/g1/threads?$top=50'), 'g1');
  assert.equal(principalOf('teams/t1/channels'), 't1');
  assert.equal(principalOf('https://graph.microsoft.com/v1.0/users?$select=id'), null);
  assert.equal(principalOf('/organization'), null);
});

async function countedUnder(request: string, body?: unknown): Promise<string[]> {
  const handler = new GraphMetricsHandler();
  const http: Middleware = { execute: async (ctx) => void (ctx.response = new Response('{}', { status: 200 })) };
  handler.setNext(http);
  // prom-client hands out its live series: copy the counts before the request moves them.
  const counts = async () => new Map((await graphRequests.get()).values.map((v) => [`${v.labels.mailbox_class}|${v.labels.status}`, v.value]));
  const before = await counts();
  await handler.execute({ request, options: body ? { method: 'POST', body: JSON.stringify(body) } : {} } as Context);
  return [...(await counts())].filter(([k, n]) => n > (before.get(k) ?? 0)).map(([k]) => k.split('|')[0]!);
}

test('requests count under the kind of mailbox, group or user their job classed, the rest under tenant', async () => {
  classifyPrincipal('Shared-1', 'shared');
  classifyPrincipal('group-1', 'group');
  assert.deepEqual(await countedUnder('https://graph.microsoft.com/v1.0/users/shared-1/messages/m/$value'), ['shared']);
  assert.deepEqual(await countedUnder('https://graph.microsoft.com/v1.0/groups/GROUP-1/threads'), ['group']);
  assert.deepEqual(await countedUnder('https://graph.microsoft.com/v1.0/users?$select=id'), ['tenant']);
  assert.deepEqual(await countedUnder('https://graph.microsoft.com/v1.0/users/never-classed/mailboxSettings'), ['tenant']);
  const batch = { requests: [{ id: '1', method: 'GET', url: '/users/shared-1/mailFolders/a?$select=totalItemCount' }] };
  assert.deepEqual(await countedUnder('https://graph.microsoft.com/v1.0/$batch', batch), ['shared']);
});

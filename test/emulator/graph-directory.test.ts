import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PageIterator } from '@microsoft/microsoft-graph-client';
import type { Client, PageCollection } from '@microsoft/microsoft-graph-client';
import type { Group, User } from '@microsoft/microsoft-graph-types';
import { DEMO_USERS } from '../../emulator/src/index';
import type { EmulatorHandle } from '../../emulator/src/index';
import { appToken, emulator, graphClient, graphFetch } from './helpers';

describe('Graph directory: users, groups, mailbox settings', () => {
  let emu: EmulatorHandle;
  let client: Client;
  let token: string;
  before(async () => {
    emu = await emulator();
    token = await appToken(emu);
    client = graphClient(emu, async () => token);
  });
  after(() => emu.close());

  it('pages /users with $top through @odata.nextLink ($skiptoken) over at least three pages', async () => {
    const first = await client.api('/users').select('id,userPrincipalName,accountEnabled').top(3).get() as PageCollection;
    assert.equal(first.value.length, 3);
    assert.match(String(first['@odata.nextLink']), /\$skiptoken=/);
    assert.match(String(first['@odata.context']), /\$metadata#users\(id,userPrincipalName,accountEnabled\)$/);
    const seen: User[] = [];
    emu.stats.reset();
    await new PageIterator(client, first, (u: User) => {
      seen.push(u);
      return true;
    }).iterate();
    assert.ok(emu.stats.requests({ pathIncludes: '/users' }) >= 2, 'at least three pages in all');
    assert.equal(seen.length, emu.tenant.listUsers().length);
    assert.equal(new Set(seen.map((u) => u.id)).size, seen.length);
    assert.ok(seen.every((u) => Object.keys(u).sort().join() === 'accountEnabled,id,userPrincipalName'));
  });

  it('returns only the default properties without $select, as Graph v1.0 does', async () => {
    const user = await client.api(`/users/${DEMO_USERS.megan.upn}`).get() as User;
    assert.equal(user.id, DEMO_USERS.megan.id);
    assert.equal(user.accountEnabled, undefined);
    assert.equal(user.proxyAddresses, undefined);
    const full = await client.api(`/users/${DEMO_USERS.megan.id}`).select('proxyAddresses,assignedPlans,assignedLicenses,userType').get() as User;
    assert.ok(full.proxyAddresses!.includes(`SMTP:${DEMO_USERS.megan.upn}`));
    assert.ok(full.proxyAddresses!.some((p) => p.startsWith('smtp:')));
    assert.ok(full.assignedPlans!.some((p) => p.service === 'exchange' && p.capabilityStatus === 'Enabled'));
  });

  it('filters users with eq, startswith and proxyAddresses/any', async () => {
    const byMail = await client.api('/users').filter(`mail eq '${DEMO_USERS.lee.upn}'`).select('id').get() as PageCollection;
    assert.deepEqual(byMail.value.map((u: User) => u.id), [DEMO_USERS.lee.id]);
    const disabled = await client.api('/users').filter('accountEnabled eq false').select('userPrincipalName').get() as PageCollection;
    assert.deepEqual(disabled.value.map((u: User) => u.userPrincipalName).sort(), [DEMO_USERS.diego.upn, DEMO_USERS.shared.upn, DEMO_USERS.room.upn].sort());
    const starts = await client.api('/users').filter("startswith(displayName,'Conference')").select('id').get() as PageCollection;
    assert.deepEqual(starts.value.map((u: User) => u.id), [DEMO_USERS.room.id]);
    const alias = await client.api('/users').filter("proxyAddresses/any(p:p eq 'smtp:contact@contoso.example')").select('id').get() as PageCollection;
    assert.deepEqual(alias.value.map((u: User) => u.id), [DEMO_USERS.shared.id]);
    const ordered = await client.api('/users').orderby('displayName desc').select('displayName').top(2).get() as PageCollection;
    assert.deepEqual(ordered.value.map((u: User) => u.displayName), ['Pradeep Gupta (Fabrikam)', 'Megan Bowen']);
    const guests = await client.api('/users').filter("userType eq 'Guest'").select('id').get() as PageCollection;
    assert.deepEqual(guests.value.map((u: User) => u.id), [DEMO_USERS.guest.id]);
  });

  it('needs ConsistencyLevel: eventual and $count=true for assignedLicenses/$count', async () => {
    const plain = await graphFetch(emu, token, `/users?$filter=${encodeURIComponent('assignedLicenses/$count ne 0')}`);
    assert.equal(plain.status, 400);
    assert.equal((await plain.json() as { error: { code: string } }).error.code, 'Request_UnsupportedQuery');
    const advanced = await client.api('/users').header('ConsistencyLevel', 'eventual').query({ $count: 'true' })
      .filter('assignedLicenses/$count ne 0').select('userPrincipalName').get() as PageCollection;
    assert.equal(advanced['@odata.count'], 5);
    assert.ok(advanced.value.every((u: User) => !([DEMO_USERS.shared.upn, DEMO_USERS.guest.upn] as string[]).includes(u.userPrincipalName!)));
  });

  it('reports userPurpose for user, shared and room mailboxes and MailboxNotEnabledForRESTAPI without a mailbox', async () => {
    const purpose = async (upn: string) => ((await client.api(`/users/${upn}/mailboxSettings`).get()) as { userPurpose: string }).userPurpose;
    assert.equal(await purpose(DEMO_USERS.megan.upn), 'user');
    assert.equal(await purpose(DEMO_USERS.shared.upn), 'shared');
    assert.equal(await purpose(DEMO_USERS.room.upn), 'room');
    const guest = await graphFetch(emu, token, `/users/${DEMO_USERS.guest.id}/mailFolders`);
    assert.equal(guest.status, 404);
    assert.equal((await guest.json() as { error: { code: string } }).error.code, 'MailboxNotEnabledForRESTAPI');
    const unknown = await graphFetch(emu, token, '/users/nobody@contoso.example');
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json() as { error: { code: string } }).error.code, 'Request_ResourceNotFound');
  });

  it('lists groups, members, memberOf and the Microsoft 365 group conversations', async () => {
    const groups = (await client.api('/groups').get() as PageCollection).value as Group[];
    const unified = groups.find((g) => g.groupTypes?.includes('Unified'))!;
    assert.ok(unified && groups.some((g) => g.securityEnabled && !g.mailEnabled));
    const members = await client.api(`/groups/${unified.id}/members`).top(2).get() as PageCollection;
    assert.equal(members.value.length, 2);
    assert.ok(members['@odata.nextLink']);
    const memberOf = await client.api(`/users/${DEMO_USERS.admin.id}/memberOf`).get() as PageCollection;
    assert.equal(memberOf.value.length, 2);
    const threads = await client.api(`/groups/${unified.id}/threads`).get() as PageCollection;
    assert.ok(threads.value.length >= 2);
    const posts = await client.api(`/groups/${unified.id}/threads/${threads.value[0].id}/posts`).get() as PageCollection;
    assert.ok(posts.value.length >= 1 && posts.value[0].body.content);
  });

  it('tracks directory changes with /users/delta, deleted users as @removed', async () => {
    let page = await client.api('/users/delta').select('id,displayName,accountEnabled').header('Prefer', 'odata.maxpagesize=4').get() as PageCollection;
    const first: User[] = [];
    while (page['@odata.nextLink']) {
      first.push(...page.value);
      page = await client.api(page['@odata.nextLink']).get() as PageCollection;
    }
    first.push(...page.value);
    assert.equal(first.length, emu.tenant.listUsers().length);
    const deltaLink = page['@odata.deltaLink'] as string;
    const added = emu.tenant.addUser({ displayName: 'Nestor Wilke', userPrincipalName: 'nestor.wilke@contoso.example', licensed: true });
    emu.tenant.updateUser(DEMO_USERS.lee.id, { displayName: 'Lee Gu (Director)' });
    emu.tenant.removeUser(DEMO_USERS.service.upn);
    const next = await client.api(deltaLink).get() as PageCollection;
    const ids = next.value.map((u: User & { '@removed'?: unknown }) => [u.id, u['@removed'] ? 'removed' : u.displayName]);
    assert.deepEqual(ids, [[added.id, 'Nestor Wilke'], [DEMO_USERS.lee.id, 'Lee Gu (Director)'], [DEMO_USERS.service.id, 'removed']]);
  });

  it('answers CORS preflights and marks responses for browser callers', async () => {
    const pre = await fetch(`${emu.url}/v1.0/me`, { method: 'OPTIONS', headers: { origin: 'https://localhost:3000', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    const meta = await fetch(`${emu.authority}/v2.0/.well-known/openid-configuration`, { headers: { origin: 'https://localhost:3000' } });
    assert.equal(meta.headers.get('access-control-allow-origin'), '*');
  });
});

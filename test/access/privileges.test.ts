import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { archivesFor, requireArchive, type Right } from '../../backend/src/access';
import type { Caller, Role } from '../../backend/src/access/caller';
import { DEMO_USERS } from '../../emulator/src/index';
import { startStack, type Stack } from '../helpers/stack';

const ADMIN = DEMO_USERS.admin.upn;
const MEGAN = DEMO_USERS.megan.upn;
const SHARED = DEMO_USERS.shared;
let stack: Stack;

before(async () => {
  stack = await startStack({ seed: 'demo', workers: 0 });
  // Shared mailboxes are archive users only when unlicensed accounts are synchronised too.
  assert.equal((await stack.api(ADMIN, 'PUT', '/admin/directory/settings', { licensedOnly: false })).status, 200);
  const sync = await stack.api(ADMIN, 'POST', '/admin/directory/sync');
  assert.equal(sync.status, 200, JSON.stringify(sync.body));
});
after(async () => stack?.close());

function caller(user: keyof typeof DEMO_USERS, roles: Role[] = []): Caller {
  const { id, upn } = DEMO_USERS[user];
  return { oid: id, tenantId: stack.emulator.tenantId, upn, name: upn, roles: new Set(roles) };
}

/** The API as a user holding the given app roles (tokens of `stack.api` carry the user's own). */
async function apiWithRoles(upn: string, roles: string[], method: string, path: string): Promise<{ status: number; body: any }> {
  const token = await stack.emulator.issueUserToken(upn, { roles });
  const res = await fetch(`${stack.backend.url}/api${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function may(c: Caller, archiveId: string, right: Right): Promise<boolean> {
  return requireArchive(stack.store, c, archiveId, right).then(
    () => true,
    (err) => {
      assert.deepEqual([err.kind, err.code, err.message], ['not_found', 'not_found', 'Message not found']);
      return false;
    },
  );
}

async function auditEntries(query: string): Promise<any[]> {
  const res = await stack.api(ADMIN, 'GET', `/audit?${query}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.value;
}

test('a user reads, exports and restores their own archive and nothing else', async () => {
  const me = await stack.api(MEGAN, 'GET', '/me');
  assert.equal(me.body.oid, DEMO_USERS.megan.id, 'the archive id is the object id of the token');
  const megan = caller('megan');
  for (const right of ['read', 'export', 'restore'] as const) {
    assert.deepEqual(await archivesFor(stack.store, megan, right), [DEMO_USERS.megan.id]);
    assert.equal(await may(megan, DEMO_USERS.megan.id, right), true);
    assert.equal(await may(megan, DEMO_USERS.alex.id, right), false);
  }
  assert.equal(await may(megan, 'no-such-archive', 'read'), false, 'a missing archive and a denied one look the same');
  const archives = await stack.api(MEGAN, 'GET', '/archives');
  assert.equal(archives.status, 200);
  assert.deepEqual(archives.body.value, [
    { id: DEMO_USERS.megan.id, displayName: 'Megan Bowen', upn: MEGAN, mail: MEGAN, kind: 'user', status: 'active', own: true, onlineArchive: false, rights: ['read', 'export', 'restore'] },
  ]);
});

test('an administrator does not read other archives without a grant', async () => {
  const adele = caller('admin', ['admin']);
  assert.deepEqual(await archivesFor(stack.store, adele, 'read'), [DEMO_USERS.admin.id]);
  assert.equal(await may(adele, DEMO_USERS.megan.id, 'read'), false);
  assert.equal(await may(adele, SHARED.id, 'export'), false);
  const archives = await stack.api(ADMIN, 'GET', '/archives');
  assert.deepEqual(archives.body.value.map((a: any) => a.id), [DEMO_USERS.admin.id]);
});

test('a granted shared mailbox can be read by the grantee, within the granted rights, until revoked', async () => {
  const megan = caller('megan');
  const created = await stack.api(ADMIN, 'POST', '/admin/grants', { grantee: MEGAN, archive: 'info@contoso.example', rights: ['read'] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(created.body.grantee, { id: DEMO_USERS.megan.id, upn: MEGAN, displayName: 'Megan Bowen', kind: 'user' });
  assert.deepEqual(created.body.archive, { id: SHARED.id, upn: SHARED.upn, displayName: 'Contoso Info', kind: 'shared' });

  assert.deepEqual(await archivesFor(stack.store, megan, 'read'), [DEMO_USERS.megan.id, SHARED.id]);
  assert.deepEqual(await archivesFor(stack.store, megan, 'restore'), [DEMO_USERS.megan.id]);
  assert.equal(await may(megan, SHARED.id, 'read'), true);
  assert.equal(await may(megan, SHARED.id, 'restore'), false);
  assert.equal(await may(megan, SHARED.id, 'export'), false);
  const picker = (await stack.api(MEGAN, 'GET', '/archives')).body.value;
  assert.deepEqual(picker[1], { id: SHARED.id, displayName: 'Contoso Info', upn: SHARED.upn, mail: SHARED.upn, kind: 'shared', status: 'active', own: false, onlineArchive: false, rights: ['read'] });

  // By alias and object id, as well as by UPN; saving again replaces the rights.
  const widened = await stack.api(ADMIN, 'POST', '/admin/grants', { grantee: DEMO_USERS.megan.id, archive: 'contact@contoso.example', rights: ['export', 'read'] });
  assert.equal(widened.status, 200, JSON.stringify(widened.body));
  assert.deepEqual(widened.body.rights, ['read', 'export']);
  assert.equal(await may(megan, SHARED.id, 'export'), true);
  const listed = await stack.api(ADMIN, 'GET', `/admin/grants?grantee=${encodeURIComponent(MEGAN)}`);
  assert.deepEqual(listed.body.value.map((g: any) => [g.archive.upn, g.rights, g.grantedBy.upn]), [[SHARED.upn, ['read', 'export'], ADMIN]]);

  const revoked = await stack.api(ADMIN, 'DELETE', `/admin/grants?grantee=${encodeURIComponent(MEGAN)}&archive=${encodeURIComponent(SHARED.upn)}`);
  assert.equal(revoked.status, 204);
  assert.deepEqual(await archivesFor(stack.store, megan, 'read'), [DEMO_USERS.megan.id]);
  assert.equal(await may(megan, SHARED.id, 'read'), false);
  assert.equal((await stack.api(ADMIN, 'DELETE', '/admin/grants', { grantee: MEGAN, archive: SHARED.upn })).status, 404);

  const trail = await auditEntries('action=grant');
  assert.deepEqual(
    trail.slice(0, 2).map((e) => [e.actor.upn, e.archiveId, e.target, e.details.rights, e.details.previousRights]),
    [
      [ADMIN, SHARED.id, DEMO_USERS.megan.id, ['read', 'export'], ['read']],
      [ADMIN, SHARED.id, DEMO_USERS.megan.id, ['read'], []],
    ],
  );
  const [revoke] = await auditEntries('action=revoke');
  assert.deepEqual([revoke.actor.oid, revoke.archiveId, revoke.target, revoke.details.rights], [DEMO_USERS.admin.id, SHARED.id, DEMO_USERS.megan.id, ['read', 'export']]);
  assert.ok(revoke.ip && revoke.at && revoke.hash, 'entries say from where and when, and are chained');
});

test("an administrator who needs a user's mail grants it to themselves, visibly", async () => {
  const res = await stack.api(ADMIN, 'POST', '/admin/grants', { grantee: ADMIN, archive: MEGAN, rights: ['read'] });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(await may(caller('admin', ['admin']), DEMO_USERS.megan.id, 'read'), true);
  const [entry] = await auditEntries(`action=grant&actor=${encodeURIComponent(ADMIN)}`);
  assert.deepEqual([entry.details.self, entry.target, entry.archiveId], [true, DEMO_USERS.admin.id, DEMO_USERS.megan.id]);
  assert.equal((await stack.api(ADMIN, 'DELETE', '/admin/grants', { grantee: ADMIN, archive: MEGAN })).status, 204);
});

test('an auditor reads and exports every archive but restores only their own', async () => {
  const lee = caller('lee', ['auditor']);
  assert.equal(await archivesFor(stack.store, lee, 'read'), 'all');
  assert.equal(await archivesFor(stack.store, lee, 'export'), 'all');
  assert.deepEqual(await archivesFor(stack.store, lee, 'restore'), [DEMO_USERS.lee.id]);
  assert.equal(await may(lee, DEMO_USERS.megan.id, 'read'), true);
  assert.equal(await may(lee, DEMO_USERS.megan.id, 'restore'), false);

  const me = await apiWithRoles(DEMO_USERS.lee.upn, ['Archive.Auditor'], 'GET', '/me');
  assert.deepEqual(me.body.roles, ['auditor']);
  const picker = (await apiWithRoles(DEMO_USERS.lee.upn, ['Archive.Auditor'], 'GET', '/archives')).body.value;
  assert.equal(picker[0].id, DEMO_USERS.lee.id);
  assert.deepEqual(picker[0].rights, ['read', 'export', 'restore']);
  const shared = picker.find((a: any) => a.id === SHARED.id);
  assert.deepEqual(shared.rights, ['read', 'export']);
  assert.equal(picker.length, (await stack.api(ADMIN, 'GET', '/admin/directory/users')).body.value.length);

  const read = await apiWithRoles(DEMO_USERS.lee.upn, ['Archive.Auditor'], 'GET', '/audit?action=grant&limit=1');
  assert.equal(read.status, 200);
  assert.equal(read.body.value.length, 1);
  const [self] = await auditEntries('action=audit-read&limit=1');
  assert.deepEqual([self.actor.upn, self.actor.roles, self.details.query.action, self.details.returned], [DEMO_USERS.lee.upn, ['auditor'], 'grant', 1]);
  const verify = await apiWithRoles(DEMO_USERS.lee.upn, ['Archive.Auditor'], 'GET', '/audit/verify');
  assert.equal(verify.status, 200);
  assert.equal(verify.body.ok, true, JSON.stringify(verify.body));
  assert.equal((await apiWithRoles(DEMO_USERS.lee.upn, ['Archive.Auditor'], 'GET', '/admin/grants')).status, 403, 'auditing is not administering');
});

test('a departed user who still signs in keeps their own archive', async () => {
  const FALCON_GROUP = '1a2b3c4d-0000-4000-b000-000000000002';
  await stack.api(ADMIN, 'PUT', '/admin/directory/settings', { licensedOnly: false, includeGroups: [FALCON_GROUP] });
  await stack.api(ADMIN, 'POST', '/admin/directory/sync');
  try {
    const picker = await stack.api(DEMO_USERS.diego.upn, 'GET', '/archives');
    assert.deepEqual([picker.body.value[0].id, picker.body.value[0].status], [DEMO_USERS.diego.id, 'departed']);
    assert.equal(await may(caller('diego'), DEMO_USERS.diego.id, 'restore'), true);
  } finally {
    await stack.api(ADMIN, 'PUT', '/admin/directory/settings', { licensedOnly: false });
    await stack.api(ADMIN, 'POST', '/admin/directory/sync');
  }
});

test('grants and the audit trail are for administrators (and auditors), and invalid input names the field', async () => {
  for (const [method, body] of [['GET'], ['POST', { grantee: MEGAN, archive: SHARED.upn, rights: ['read'] }], ['DELETE', { grantee: MEGAN, archive: SHARED.upn }]] as const) {
    const res = await stack.api(MEGAN, method, '/admin/grants', body);
    assert.equal(res.status, 403, `${method} /admin/grants as a user`);
  }
  assert.equal((await stack.api(MEGAN, 'GET', '/audit')).status, 403);
  assert.equal((await stack.api(MEGAN, 'GET', '/audit/verify')).status, 403);

  const cases: [unknown, string][] = [
    [{ archive: SHARED.upn, rights: ['read'] }, 'grantee'],
    [{ grantee: MEGAN, rights: ['read'] }, 'archive'],
    [{ grantee: MEGAN, archive: SHARED.upn }, 'rights'],
    [{ grantee: MEGAN, archive: SHARED.upn, rights: [] }, 'rights'],
    [{ grantee: MEGAN, archive: SHARED.upn, rights: ['write'] }, 'rights.0'],
    [{ grantee: MEGAN, archive: SHARED.upn, rights: ['export'] }, 'rights'],
    [{ grantee: 'nobody@contoso.example', archive: SHARED.upn, rights: ['read'] }, 'grantee'],
    [{ grantee: MEGAN, archive: 'nothing@contoso.example', rights: ['read'] }, 'archive'],
    [{ grantee: SHARED.upn, archive: MEGAN, rights: ['read'] }, 'grantee'],
    [{ grantee: MEGAN, archive: 'mbowen@contoso.example', rights: ['read'] }, 'archive'],
    [{ grantee: MEGAN, archive: SHARED.upn, rights: ['read'], expires: 'never' }, 'body'],
  ];
  for (const [body, field] of cases) {
    const res = await stack.api(ADMIN, 'POST', '/admin/grants', body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.error.field, field, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
  }
  assert.equal((await stack.api(ADMIN, 'DELETE', '/admin/grants', { grantee: MEGAN })).body.error.field, 'archive');
  assert.equal((await stack.api(ADMIN, 'GET', '/admin/grants?archive=nothing')).body.error.field, 'archive');
  for (const [query, field] of [['from=yesterday', 'from'], ['limit=0', 'limit'], ['cursor=x', 'cursor'], ['from=2024-02-01&to=2024-01-01', 'to']]) {
    const res = await stack.api(ADMIN, 'GET', `/audit?${query}`);
    assert.deepEqual([res.status, res.body.error.field], [400, field], query);
  }
  assert.equal((await stack.api(ADMIN, 'GET', '/audit/verify?from=0')).body.error.field, 'from');
});

test('the audit trail pages newest first, filters, and still verifies after all of the above', async () => {
  const first = await stack.api(ADMIN, 'GET', '/audit?limit=2');
  assert.equal(first.body.value.length, 2);
  assert.ok(first.body.value[0].seq > first.body.value[1].seq);
  const second = await stack.api(ADMIN, 'GET', `/audit?limit=2&cursor=${first.body.nextCursor}`);
  assert.ok(second.body.value[0].seq < first.body.value[1].seq);
  const byMegan = await stack.api(ADMIN, 'GET', `/audit?actor=${DEMO_USERS.megan.id}`);
  assert.ok(byMegan.body.value.every((e: any) => e.actor.oid === DEMO_USERS.megan.id));
  const future = await stack.api(ADMIN, 'GET', '/audit?from=2999-01-01');
  assert.deepEqual(future.body.value, []);
  const verify = await stack.api(ADMIN, 'GET', '/audit/verify');
  assert.equal(verify.body.ok, true, JSON.stringify(verify.body));
  assert.ok(verify.body.checked >= 8);
  const [self] = await auditEntries('action=audit-verify&limit=1');
  assert.deepEqual([self.actor.upn, self.details.ok], [ADMIN, true]);
});

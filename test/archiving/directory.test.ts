import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_USERS } from '../../emulator/src/index';
import { startStack, type Stack } from '../helpers/stack';
import { ADMIN, createProfile } from './helpers';

let stack: Stack;
before(async () => {
  stack = await startStack({ seed: 'demo', workers: 0 });
});
after(async () => stack?.close());

const FALCON_GROUP = '1a2b3c4d-0000-4000-b000-000000000002';
const upns = (users: any[]) => users.map((u) => u.upn).sort();

test('by default only users licensed for Exchange Online are synchronised, with every alias', async () => {
  const sync = await stack.api(ADMIN, 'POST', '/admin/directory/sync');
  assert.equal(sync.status, 200, JSON.stringify(sync.body));
  const users = (await stack.api(ADMIN, 'GET', '/admin/directory/users')).body.value;
  assert.deepEqual(upns(users), ['adele.vance', 'alex.wilber', 'diego.siciliani', 'lee.gu', 'megan.bowen'].map((u) => `${u}@contoso.example`));
  assert.ok(sync.body.skipped.some((s: any) => s.upn === DEMO_USERS.shared.upn && /licen/.test(s.reason)));
  const megan = users.find((u: any) => u.upn === DEMO_USERS.megan.upn);
  const proxies = stack.emulator.tenant.getUser(DEMO_USERS.megan.upn)!.proxyAddresses!.map((p) => p.slice(5).toLowerCase());
  assert.deepEqual([...megan.addresses].sort(), [...new Set(proxies)].sort());
  const diego = users.find((u: any) => u.upn === DEMO_USERS.diego.upn);
  assert.equal(diego.accountEnabled, false, 'a disabled licensed user keeps an archive');
});

test('include and exclude by group', async () => {
  const members = stack.emulator.tenant.listUsers().length;
  assert.ok(members > 0);
  let res = await stack.api(ADMIN, 'PUT', '/admin/directory/settings', { includeGroups: [FALCON_GROUP] });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal((await stack.api(ADMIN, 'POST', '/admin/directory/sync')).status, 200);
  let active = (await stack.api(ADMIN, 'GET', '/admin/directory/users?status=active')).body.value;
  assert.deepEqual(upns(active), ['adele.vance', 'alex.wilber', 'lee.gu', 'megan.bowen'].map((u) => `${u}@contoso.example`));

  res = await stack.api(ADMIN, 'PUT', '/admin/directory/settings', { excludeGroups: [FALCON_GROUP] });
  await stack.api(ADMIN, 'POST', '/admin/directory/sync');
  active = (await stack.api(ADMIN, 'GET', '/admin/directory/users?status=active')).body.value;
  assert.deepEqual(upns(active), [DEMO_USERS.diego.upn]);
  const departed = (await stack.api(ADMIN, 'GET', '/admin/directory/users?status=departed')).body.value;
  assert.equal(departed.length, 4, 'users outside the selection are departed, never deleted');
  await stack.api(ADMIN, 'PUT', '/admin/directory/settings', {});
});

test('a group that does not exist makes the sync fail with a message naming the setting', async () => {
  await stack.api(ADMIN, 'PUT', '/admin/directory/settings', { includeGroups: ['00000000-0000-4000-8000-000000000000'] });
  const res = await stack.api(ADMIN, 'POST', '/admin/directory/sync');
  assert.equal(res.status, 409);
  assert.equal(res.body.error.field, 'includeGroups');
  await stack.api(ADMIN, 'PUT', '/admin/directory/settings', {});
});

test('invalid directory settings are refused naming the field', async () => {
  const res = await stack.api(ADMIN, 'PUT', '/admin/directory/settings', { includeGroups: ['falcon'] });
  assert.equal(res.status, 400);
  assert.equal(res.body.error.field, 'includeGroups.0');
  const cron = await stack.api(ADMIN, 'PUT', '/admin/directory/settings', { schedule: { kind: 'cron', expression: 'every day at noon' } });
  assert.equal(cron.status, 400);
  assert.equal(cron.body.error.field, 'schedule');
});

test('"test connection" opens the mailboxes with the app token and names those it cannot open', async () => {
  const good = await createProfile(stack, ADMIN, { name: 'Test Megan', source: { kind: 'single-mailbox', mailbox: DEMO_USERS.megan.upn } });
  const ok = await stack.api(ADMIN, 'POST', `/admin/profiles/${good}/test`);
  assert.equal(ok.status, 200);
  assert.equal(ok.body.ok, true, JSON.stringify(ok.body));
  assert.deepEqual(ok.body.checked.map((c: any) => c.upn), [DEMO_USERS.megan.upn]);

  const bad = await createProfile(stack, ADMIN, { name: 'Test nobody', source: { kind: 'single-mailbox', mailbox: 'nobody@contoso.example' } });
  const fail = await stack.api(ADMIN, 'POST', `/admin/profiles/${bad}/test`);
  assert.equal(fail.body.ok, false);
  assert.match(fail.body.error, /not found/);
});

test('"test connection" of a profile that selects no mailbox fails and says what is missing', async () => {
  const shared = await createProfile(stack, ADMIN, { name: 'Test shared', source: { kind: 'shared-mailboxes', mailboxes: [] } });
  const none = (await stack.api(ADMIN, 'POST', `/admin/profiles/${shared}/test`)).body;
  assert.equal(none.ok, false, JSON.stringify(none));
  assert.equal(none.mailboxCount, 0);
  assert.match(none.error, /licensed users only/);

  const nobody = await createProfile(stack, ADMIN, { name: 'Test only nobody', source: { kind: 'multiple-mailboxes', selection: 'only', mailboxes: ['nobody@contoso.example'] } });
  const empty = (await stack.api(ADMIN, 'POST', `/admin/profiles/${nobody}/test`)).body;
  assert.equal(empty.ok, false, JSON.stringify(empty));
  assert.match(empty.error, /selects no mailbox: synchronise the directory/);
});

test('an administrator can create an archive user by hand (e.g. a journal catch-all)', async () => {
  const res = await stack.api(ADMIN, 'POST', '/admin/directory/users', { upn: 'catchall@contoso.example', displayName: 'Journal catch-all', kind: 'catch-all' });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.kind, 'catch-all');
  const dup = await stack.api(ADMIN, 'POST', '/admin/directory/users', { upn: 'catchall@contoso.example', displayName: 'again' });
  assert.equal(dup.status, 400);
  assert.equal(dup.body.error.field, 'upn');
});

test('a user in the grace period of a lapsed licence (Warning) stays synchronised, and mailboxes are classified by userPurpose, not by licence', async () => {
  const tenant = stack.emulator.tenant;
  const lee = tenant.mustUser(DEMO_USERS.lee.upn);
  const alex = tenant.mustUser(DEMO_USERS.alex.upn);
  const plans = lee.user.assignedPlans!;
  try {
    tenant.updateUser(DEMO_USERS.lee.upn, { assignedPlans: plans.map((p) => (p.service === 'exchange' ? { ...p, capabilityStatus: 'Warning' } : p)) });
    // A licensed shared mailbox (large ones need a licence): the licence says nothing of its kind.
    alex.userPurpose = 'shared';
    const sync = await stack.api(ADMIN, 'POST', '/admin/directory/sync');
    assert.equal(sync.status, 200, JSON.stringify(sync.body));
    assert.ok(!sync.body.skipped.some((s: any) => s.upn === DEMO_USERS.lee.upn), JSON.stringify(sync.body.skipped));
    const users = (await stack.api(ADMIN, 'GET', '/admin/directory/users?status=active')).body.value;
    const kind = (upn: string) => users.find((u: any) => u.upn === upn)?.kind;
    assert.equal(kind(DEMO_USERS.lee.upn), 'user', 'still an active user, not departed');
    assert.equal(kind(DEMO_USERS.alex.upn), 'shared');
    assert.equal(kind(DEMO_USERS.megan.upn), 'user');
  } finally {
    tenant.updateUser(DEMO_USERS.lee.upn, { assignedPlans: plans });
    alex.userPurpose = 'user';
  }
});

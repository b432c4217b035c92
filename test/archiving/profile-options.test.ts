import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_USERS } from '../../emulator/src/index';
import { startStack, type Stack } from '../helpers/stack';
import { ADMIN, createProfile, itemCount, mailCount, runProfile } from './helpers';

let stack: Stack;
before(async () => {
  stack = await startStack({ seed: 'demo' });
});
after(async () => stack?.close());

const MEGAN = DEMO_USERS.megan.upn;
const LEE = DEMO_USERS.lee.upn;
const DIEGO = DEMO_USERS.diego.upn;
const ALEX = DEMO_USERS.alex.upn;

function newMessage(subject: string, date = new Date(), body = `Body of ${subject}`): Buffer {
  return Buffer.from(
    [`From: Someone <someone@fabrikam.example>`, `To: ${MEGAN}`, `Subject: ${subject}`, `Date: ${date.toUTCString()}`,
      `Message-ID: <${subject.replace(/\W/g, '')}.${Date.now()}@fabrikam.example>`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n'),
  );
}

test('incremental runs archive only what changed: added, moved, updated and deleted mail', async () => {
  const id = await createProfile(stack, ADMIN, { name: 'Megan', source: { kind: 'single-mailbox', mailbox: MEGAN } });
  const first = await runProfile(stack, id);
  assert.equal(first.status, 'succeeded');
  const archived = first.totals.archived;
  assert.equal(archived, await mailCount(stack, MEGAN));

  const tenant = stack.emulator.tenant;
  const inbox = await tenant.listMessages(MEGAN, 'inbox');
  await tenant.addMessage(MEGAN, 'inbox', newMessage('Fresh quarterly numbers'));
  await tenant.moveMessage(MEGAN, inbox[0]!.id!, 'archive');
  await tenant.updateMessage(MEGAN, inbox[1]!.id!, { isRead: !inbox[1]!.isRead });
  tenant.deleteMessage(MEGAN, inbox[2]!.id!);

  const second = await runProfile(stack, id);
  const m = second.mailboxes[0];
  assert.equal(second.status, 'succeeded');
  assert.equal(m.archived, 1, 'only the new message is downloaded as new');
  assert.equal(m.alreadyArchived, 2, 'the moved message (new id, same bytes) and the updated one');
  assert.equal(m.removedInMailbox, 2, 'moved-out and deleted come back as @removed');
  assert.equal(await itemCount(stack, { archiveId: DEMO_USERS.megan.id }), archived + 1, 'the deleted message stays archived; nothing duplicated');
});

test('byte-identical copies in one mailbox are stored once and counted once as archived, the others as already archived', async () => {
  const copy = newMessage('Same bytes twice', new Date('2024-03-01T10:00:00Z'));
  await stack.emulator.tenant.addMessage(ALEX, 'inbox', copy);
  await stack.emulator.tenant.addMessage(ALEX, 'inbox', copy);
  await stack.emulator.tenant.addMessage(ALEX, 'archive', copy);
  const id = await createProfile(stack, ADMIN, { name: 'Alex', source: { kind: 'single-mailbox', mailbox: ALEX } });
  const run = await runProfile(stack, id);
  const m = run.mailboxes[0];
  assert.equal(run.status, 'succeeded');
  const items = await itemCount(stack, { archiveId: DEMO_USERS.alex.id });
  assert.equal(m.archived, items, `the run's "archived" adds up to what the archive stores (${m.archived} counted, ${items} stored)`);
  assert.ok(m.alreadyArchived >= 2, 'the second and third copy are already archived');
  assert.equal(m.found, m.archived + m.alreadyArchived + m.filtered + m.failed);
});

test('folder include list, date range and size filters decide what is archived', async () => {
  // At least one message over the size limit, whatever mail the tenant was seeded with.
  await stack.emulator.tenant.addMessage(LEE, 'inbox', newMessage('Quarterly report (large)', new Date('2024-05-01'), `${'x'.repeat(60)}\r\n`.repeat(600)));
  const id = await createProfile(stack, ADMIN, {
    name: 'Lee inbox only',
    source: { kind: 'single-mailbox', mailbox: LEE },
    folders: { include: ['inbox'], exclude: ['Inbox/Projects'] },
    filters: { receivedAfter: '2000-01-01', maxSizeMB: 0.02 },
  });
  const run = await runProfile(stack, id);
  const m = run.mailboxes[0];
  assert.equal(run.status, 'succeeded');
  assert.equal(m.found, await mailCount(stack, LEE, { only: ['Inbox'], exclude: ['Inbox/Projects'] }));
  assert.ok(m.filtered > 0, 'messages over 20 KB are filtered');
  assert.equal(m.archived + m.filtered, m.found);
  assert.ok(m.skipCount > 0 && m.skipCount <= m.filtered, 'the messages the size limit skipped are named in the run (the date filter may skip more)');
  assert.ok(
    m.recentSkips.some((s: any) => s.folder === 'Inbox' && s.reason === `"Quarterly report (large)" not archived: larger than the profile's size limit of 0.02 MB`),
    JSON.stringify(m.recentSkips),
  );
  assert.equal(m.errorCount, 0, 'a skip is no error');
  const folders = await stack.store.db.collection('items').distinct('folder', { archiveId: DEMO_USERS.lee.id });
  assert.deepEqual(folders, ['Inbox']);
  const sizes = await stack.store.db.collection('items').find({ archiveId: DEMO_USERS.lee.id }).project({ size: 1 }).toArray();
  assert.ok(sizes.every((i) => i.size <= 0.02 * 1024 * 1024));
});

test('delete after archiving removes only old, verified messages from the mailbox and keeps them archived', async () => {
  const tenant = stack.emulator.tenant;
  await tenant.addMessage(DIEGO, 'archive', newMessage('Recent status'));
  const before = await tenant.listMessages(DIEGO, 'archive');
  // The demo dates its mail back from now: which messages are old enough is worked out, not assumed.
  const DAYS = 1;
  const cutoff = Date.now() - DAYS * 86_400_000;
  const young = before.filter((x) => Date.parse(x.receivedDateTime ?? "") > cutoff).map((x) => x.subject).sort();
  assert.ok(young.includes('Recent status') && young.length < before.length, 'the folder holds old and young mail');
  const id = await createProfile(stack, ADMIN, {
    name: 'Diego archive folder, delete after a day',
    source: { kind: 'single-mailbox', mailbox: DIEGO },
    folders: { include: ['archive'] },
    deletion: { mode: 'delete-after-archiving', olderThanDays: DAYS },
  });
  const run = await runProfile(stack, id);
  const m = run.mailboxes[0];
  assert.equal(run.status, 'succeeded', JSON.stringify(m.recentErrors));
  assert.equal(m.archived, before.length);
  assert.equal(m.deleted, before.length - young.length, 'everything older than the rule');
  const left = await tenant.listMessages(DIEGO, 'archive');
  assert.deepEqual(left.map((x) => x.subject).sort(), young);
  assert.equal(await itemCount(stack, { archiveId: DEMO_USERS.diego.id, folder: 'Archive' }), before.length);
  const pending = await stack.store.db.collection('pending_items').countDocuments({ kind: 'delete' });
  assert.equal(pending, young.length, 'the young messages are remembered for deletion once they are old enough');
});

test('a single-mailbox profile can target another archive', async () => {
  const id = await createProfile(stack, ADMIN, {
    name: 'Lee into Adele',
    source: { kind: 'single-mailbox', mailbox: LEE, targetArchive: ADMIN },
    folders: { include: ['sentitems'] },
  });
  const run = await runProfile(stack, id);
  assert.equal(run.mailboxes[0].archiveId, DEMO_USERS.admin.id);
  const n = await stack.store.db.collection('items').countDocuments({ archiveId: DEMO_USERS.admin.id, 'sources.mailboxId': DEMO_USERS.lee.id });
  assert.equal(n, run.mailboxes[0].archived);
  assert.ok(n > 0);
});

test('shared mailboxes are archived once directory sync includes unlicensed accounts', async () => {
  const settings = await stack.api(ADMIN, 'PUT', '/admin/directory/settings', { licensedOnly: false });
  assert.equal(settings.status, 200, JSON.stringify(settings.body));
  const sync = await stack.api(ADMIN, 'POST', '/admin/directory/sync');
  assert.equal(sync.status, 200);
  const users = (await stack.api(ADMIN, 'GET', '/admin/directory/users')).body.value;
  const shared = users.find((u: any) => u.upn === DEMO_USERS.shared.upn);
  assert.equal(shared.kind, 'shared');
  assert.ok(shared.addresses.includes('contact@contoso.example'), 'aliases come from proxyAddresses');

  const id = await createProfile(stack, ADMIN, { name: 'Shared', source: { kind: 'shared-mailboxes' } });
  const run = await runProfile(stack, id);
  assert.deepEqual(run.mailboxes.map((m: any) => m.upn), [DEMO_USERS.shared.upn]);
  assert.equal(run.mailboxes[0].archived, await mailCount(stack, DEMO_USERS.shared.upn));
});

test('a user who leaves the directory keeps their archive, marked departed', async () => {
  stack.emulator.tenant.removeUser(LEE);
  await stack.api(ADMIN, 'POST', '/admin/directory/sync');
  const departed = (await stack.api(ADMIN, 'GET', '/admin/directory/users?status=departed')).body.value;
  assert.deepEqual(departed.map((u: any) => u.upn), [LEE]);
  assert.ok((await itemCount(stack, { archiveId: DEMO_USERS.lee.id })) > 0);
});

test('invalid profiles are refused with a 400 naming the field', async () => {
  const cases: [unknown, string][] = [
    [{ source: { kind: 'single-mailbox', mailbox: MEGAN } }, 'name'],
    [{ name: 'x', source: { kind: 'every-mailbox' } }, 'source.kind'],
    [{ name: 'x', source: { kind: 'multiple-mailboxes', selection: 'some' } }, 'source.selection'],
    [{ name: 'x', source: { kind: 'single-mailbox', mailbox: MEGAN }, deletion: { mode: 'delete-after-archiving', olderThanDays: 0 } }, 'deletion.olderThanDays'],
    [{ name: 'x', source: { kind: 'single-mailbox', mailbox: MEGAN }, filters: { receivedAfter: 'yesterday' } }, 'filters.receivedAfter'],
    [{ name: 'x', source: { kind: 'single-mailbox', mailbox: MEGAN }, schedule: { kind: 'cron', expression: '61 * * * * *' } }, 'schedule'],
    [{ name: 'Megan', source: { kind: 'single-mailbox', mailbox: MEGAN } }, 'name'],
  ];
  for (const [body, field] of cases) {
    const res = await stack.api(ADMIN, 'POST', '/admin/profiles', body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.error.field, field, res.body.error.message);
  }
});

test('only administrators reach the archiving API', async () => {
  const res = await stack.api(MEGAN, 'GET', '/admin/profiles');
  assert.equal(res.status, 403);
  const anonymous = await fetch(`${stack.backend.url}/api/admin/profiles`);
  assert.equal(anonymous.status, 401);
});

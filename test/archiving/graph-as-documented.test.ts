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
const ALEX = DEMO_USERS.alex.upn;
const LEE = DEMO_USERS.lee.upn;

const mime = (subject: string) =>
  Buffer.from(`From: a@fabrikam.example\r\nTo: x@contoso.example\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@fabrikam.example>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n${subject}\r\n`);

test('a crawl uses only documented query options, and tells mail folders from calendar folders the documented way, also for folders created later', async () => {
  const id = await createProfile(stack, ADMIN, { name: 'Alex', source: { kind: 'single-mailbox', mailbox: ALEX } });
  stack.emulator.stats.reset();
  const first = await runProfile(stack, id);
  assert.equal(first.status, 'succeeded', JSON.stringify(first.mailboxes.map((m: any) => m.recentErrors)));
  assert.equal(first.totals.archived, await mailCount(stack, ALEX), 'every mail folder archived, calendar, contacts and tasks not');
  assert.equal(stack.emulator.stats.requests({ status: 400 }), 0, 'Graph refused nothing');

  const calendar = stack.emulator.tenant.addFolder(ALEX, 'msgfolderroot', 'Team calendar', { containerClass: 'IPF.Appointment' });
  await stack.emulator.tenant.addMessage(ALEX, calendar.id!, mime('Not mail at all'));
  const projects = stack.emulator.tenant.addFolder(ALEX, 'inbox', 'Projects 2027');
  await stack.emulator.tenant.addMessage(ALEX, projects.id!, mime('New project'));
  stack.emulator.stats.reset();
  const second = await runProfile(stack, id);
  assert.equal(second.status, 'succeeded');
  assert.equal(second.totals.archived, 1, 'the new mail folder is archived, the new calendar is not');
  assert.equal(stack.emulator.stats.requests({ pathIncludes: `/mailFolders/${calendar.id}/messages` }), 0);
});

test('a message moved to another folder keeps its id: the next run knows it without downloading it again', async () => {
  const id = await createProfile(stack, ADMIN, { name: 'Megan', source: { kind: 'single-mailbox', mailbox: MEGAN } });
  assert.equal((await runProfile(stack, id)).status, 'succeeded');
  const [message] = await stack.emulator.tenant.listMessages(MEGAN, 'inbox');
  await stack.emulator.tenant.moveMessage(MEGAN, message!.id!, 'archive');
  stack.emulator.stats.reset();
  const second = await runProfile(stack, id);
  assert.equal(second.status, 'succeeded');
  assert.equal(stack.emulator.stats.requests({ pathIncludes: '/$value' }), 0, 'no download');
  assert.equal(second.totals.alreadyArchived, 1);
  assert.equal(second.totals.removedInMailbox, 1, 'it left the Inbox');
  const report = await stack.api(ADMIN, 'GET', `/admin/runs/${second._id}/completeness`);
  assert.ok(report.body.rows.every((r: any) => r.verdict === 'complete'), JSON.stringify(report.body.rows.map((r: any) => r.statement)));
});

test('a mailbox at its storage quota, whose folder delta Graph refuses, is archived by walking its folders', async () => {
  stack.emulator.tenant.setOverQuota(LEE, true);
  try {
    const id = await createProfile(stack, ADMIN, { name: 'Lee (full mailbox)', source: { kind: 'single-mailbox', mailbox: LEE } });
    stack.emulator.stats.reset();
    const run = await runProfile(stack, id);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.mailboxes.map((m: any) => m.recentErrors)));
    assert.equal(stack.emulator.stats.requests({ mailbox: LEE, code: 'ErrorQuotaExceeded' }), 1);
    assert.ok(stack.emulator.stats.requests({ mailbox: LEE, pathIncludes: '/childFolders' }) > 0);
    assert.equal(await itemCount(stack, { archiveId: DEMO_USERS.lee.id }), await mailCount(stack, LEE));
  } finally {
    stack.emulator.tenant.setOverQuota(LEE, false);
  }
});

test('a folder rule naming Recoverable Items, which no folder walk reaches, is refused with a clear 400', async () => {
  for (const folders of [{ include: ['recoverableitemsdeletions'] }, { exclude: ['junkemail', 'RecoverableItemsDeletions'] }]) {
    const res = await stack.api(ADMIN, 'POST', '/admin/profiles', { name: `Deletions ${Object.keys(folders)[0]}`, source: { kind: 'single-mailbox', mailbox: MEGAN }, folders });
    assert.equal(res.status, 400);
    assert.match(res.body.error.field, /^folders\.(include\.0|exclude\.1)$/);
    assert.match(res.body.error.message, /Recoverable Items\) is not part of the mailbox's folder tree/);
  }
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getRun, listRunMailboxes } from '../../backend/src/store/runs';
import { startStack, waitFor, type Stack } from '../helpers/stack';
import { ADMIN as DEMO_ADMIN, createProfile, folderRun, itemCount, mailCount, runProfile } from './helpers';

let stack: Stack;
let ADMIN: string = DEMO_ADMIN;
const USERS = 2;
const PER_USER = 40;

before(async () => {
  // Retries fall due fast; a mailbox does not wait for them at its end (the next run takes them).
  stack = await startStack({
    seed: { users: USERS, messagesPerUser: PER_USER },
    env: { DOWNLOAD_RETRY_BASE_MS: '50', DOWNLOAD_RETRY_ATTEMPTS: '40', DOWNLOAD_RETRY_WAIT_MS: '0' },
  });
  ADMIN = stack.emulator.tenant.listUsers()[0]!.userPrincipalName!;
});
after(async () => stack?.close());

/** Ids (as the emulator lists them) of every `step`-th message in the users' mail folders. */
async function everyNth(step: number): Promise<string[]> {
  const ids: string[] = [];
  for (const user of stack.emulator.tenant.listUsers()) {
    for (const folder of stack.emulator.tenant.listFolders(user.userPrincipalName!)) {
      if (folder.containerClass !== 'IPF.Note') continue;
      for (const msg of await stack.emulator.tenant.listMessages(user.userPrincipalName!, folder.id!)) ids.push(msg.id!);
    }
  }
  return ids.filter((_, i) => i % step === 0);
}

async function expectedTotal(): Promise<number> {
  let n = 0;
  for (const u of stack.emulator.tenant.listUsers()) n += await mailCount(stack, u.userPrincipalName!);
  return n;
}

test('downloads failing for 5% of messages in the first run stay owed; after the faults stop every message is archived once and the report says complete', async () => {
  const failing = await everyNth(20);
  assert.ok(failing.length >= 4, `${failing.length} of ${USERS * PER_USER} messages fail`);
  stack.emulator.faults.inject({ match: { pathIncludes: '/$value', messageIds: failing }, kind: '504', forMs: 600_000 });
  const id = await createProfile(stack, ADMIN, { name: 'Everyone (owed)', source: { kind: 'multiple-mailboxes', selection: 'all' }, syncDirectoryFirst: true });
  const expected = await expectedTotal();

  const first = await runProfile(stack, id, ADMIN);
  assert.equal(first.status, 'partial', 'the run says something is missing');
  assert.equal(first.missing.owed, failing.length, JSON.stringify(first.missing));
  assert.equal(first.missing.failed, 0);
  assert.equal(await itemCount(stack), expected - failing.length);
  const owedReport = await stack.api(ADMIN, 'GET', `/admin/runs/${first._id}/completeness`);
  assert.equal(owedReport.status, 200);
  assert.equal(owedReport.body.rows.filter((r: any) => r.owed > 0).reduce((n: number, r: any) => n + r.owed, 0), failing.length);
  assert.ok(owedReport.body.rows.filter((r: any) => r.owed > 0).every((r: any) => r.verdict === 'catching-up'));

  stack.emulator.faults.clear();
  // The next run retries what is due by then; owed items back off (doubling from 50 ms here).
  const pending = stack.store.db.collection('pending_items');
  await waitFor('every owed download to fall due', async () => ((await pending.countDocuments({ state: 'retrying', dueAt: { $gt: new Date() } })) === 0 ? true : undefined), 30_000);
  const second = await runProfile(stack, id, ADMIN);
  assert.equal(second.status, 'succeeded', JSON.stringify(second.mailboxes.map((m: any) => [m.missing, m.recentErrors])));
  assert.deepEqual(second.missing, { owed: 0, failed: 0, incompleteFolders: 0, gapFolders: 0 });
  assert.equal(second.totals.recovered, failing.length, 'each owed message archived on its retry');
  assert.equal(await itemCount(stack), expected, 'nothing lost');
  const items = await stack.store.db.collection('items').find({}, { projection: { sources: 1 } }).toArray();
  const sources = items.flatMap((i) => i.sources.map((s: any) => s.messageId));
  assert.equal(new Set(sources).size, sources.length, 'nothing archived twice');
  assert.equal(await pending.countDocuments({ state: { $in: ['retrying', 'failed'] } }), 0, 'nothing owed');

  const report = await stack.api(ADMIN, 'GET', `/admin/completeness?profileId=${id}`);
  assert.equal(report.status, 200);
  assert.equal(report.body.run._id, second._id);
  assert.ok(report.body.rows.length >= USERS * 3, `${report.body.rows.length} folders reported`);
  for (const row of report.body.rows) {
    assert.equal(row.verdict, 'complete', row.statement);
    assert.equal(row.held + row.filtered, row.inMailbox);
  }
  assert.equal(report.body.rows.reduce((n: number, r: any) => n + r.held, 0), expected);
  assert.match(report.body.rows[0].statement, /^On \d{4}-\d\d-\d\d \d\d:\d\d UTC, mailbox \S+ folder ".+" held \d+ items?; the archive holds \d+\. Verdict: complete\.$/);
  assert.match(report.body.statement, new RegExp(`holding ${expected} items \\(Microsoft Graph\\); the archive holds ${expected} of them`));
});

test('a run whose downloads failed for a while (gateway timeouts, connections reset mid-body) retries them and ends succeeded, with the errors counted as recovered', async () => {
  const run = await folderRun(stack, 'flaky', 20, { config: { DOWNLOAD_RETRY_BASE_MS: 50, DOWNLOAD_RETRY_ATTEMPTS: 8, DOWNLOAD_RETRY_WAIT_MS: 60_000 } });
  const upn = stack.emulator.tenant.listUsers()[0]!.userPrincipalName!;
  const folder = stack.emulator.tenant.listFolders(upn).find((f) => f.path === 'Inbox/flaky')!;
  const ids = (await stack.emulator.tenant.listMessages(upn, folder.id!)).map((m) => m.id!);
  // Two messages: 504 on the download and on the client's one retry of it; one: its body breaks off half-way.
  stack.emulator.faults.inject({ match: { pathIncludes: '/$value', messageIds: ids.slice(0, 2) }, kind: '504', times: 4 });
  stack.emulator.faults.inject({ match: { pathIncludes: '/$value', messageIds: [ids[2]!] }, kind: 'reset', times: 1 });

  await run.attempt(new AbortController().signal);
  const [mailbox] = await listRunMailboxes(stack.store.conn, 'run-flaky');
  assert.deepEqual(await run.counts(), { status: 'done', found: 20, archived: 20, alreadyArchived: 0, failed: 0, items: 20, pending: 0, errors: [] });
  assert.equal(mailbox!.recovered, 3, 'three recovered errors, counted apart');
  assert.equal(mailbox!.deferred, 3);
  assert.deepEqual(mailbox!.missing, { owed: 0, failed: 0, incompleteFolders: 0, gapFolders: 0 });
  assert.equal((await getRun(stack.store.conn, 'run-flaky'))?.status, 'succeeded', 'nothing is missing');
});

test('a message whose download keeps failing is failed for good after the cap: named in the run, the dashboard and the report, and an administrator can retry it', async () => {
  const profileId = await createProfile(stack, ADMIN, { name: 'Broken item', source: { kind: 'single-mailbox', mailbox: ADMIN }, folders: { include: ['Inbox/broken'] } });
  const run = await folderRun(stack, 'broken', 6, { profileId, config: { DOWNLOAD_RETRY_BASE_MS: 20, DOWNLOAD_RETRY_ATTEMPTS: 2, DOWNLOAD_RETRY_WAIT_MS: 30_000 } });
  const folder = stack.emulator.tenant.listFolders(ADMIN).find((f) => f.path === 'Inbox/broken')!;
  const [broken] = await stack.emulator.tenant.listMessages(ADMIN, folder.id!);
  stack.emulator.faults.inject({ match: { pathIncludes: '/$value', messageIds: [broken!.id!] }, kind: '504', forMs: 600_000 });

  await run.attempt(new AbortController().signal);
  const [mailbox] = await listRunMailboxes(stack.store.conn, 'run-broken');
  assert.equal((await getRun(stack.store.conn, 'run-broken'))?.status, 'partial');
  assert.deepEqual(mailbox!.missing, { owed: 0, failed: 1, incompleteFolders: 0, gapFolders: 0 });
  const error = mailbox!.recentErrors.find((e) => e.messageId)!;
  assert.equal(error.folder, 'Inbox/broken');
  assert.equal(error.subject, broken!.subject);
  assert.match(error.reason, /failed for good after 2 attempts “broken message \d”: HTTP 504/);

  const dashboard = await stack.api(ADMIN, 'GET', '/admin/stats');
  const listed = dashboard.body.failedMessages.recent.find((f: any) => f.subject === broken!.subject);
  assert.ok(listed, JSON.stringify(dashboard.body.failedMessages));
  assert.deepEqual([listed.folder, listed.mailbox, listed.profileName, listed.attempts], ['Inbox/broken', ADMIN, 'Broken item', 2]);
  assert.match(listed.lastError, /HTTP 504/);
  const report = await stack.api(ADMIN, 'GET', '/admin/runs/run-broken/completeness');
  assert.deepEqual(report.body.rows.map((r: any) => [r.path, r.verdict, r.held, r.failed, r.inMailbox]), [['Inbox/broken', 'gaps', 5, 1, 6]]);
  assert.match(report.body.rows[0].statement, /held 6 items; the archive holds 5, 1 failed for good\. Verdict: gaps\./);

  stack.emulator.faults.clear();
  const retried = await stack.api(ADMIN, 'POST', `/admin/failed-messages/${encodeURIComponent(listed.id)}/retry`);
  assert.equal(retried.status, 202, JSON.stringify(retried.body));
  const again = await stack.api(ADMIN, 'POST', `/admin/failed-messages/${encodeURIComponent(listed.id)}/retry`);
  assert.equal(again.status, 404, 'it is no longer failed');
  const rerun = await waitForRunOf(retried.body.runId);
  assert.equal(rerun.status, 'succeeded', JSON.stringify(rerun.mailboxes.map((m: any) => m.recentErrors)));
  assert.equal(rerun.totals.recovered, 1);
  assert.equal((await stack.api(ADMIN, 'GET', '/admin/stats')).body.failedMessages.count, 0);
});

const waitForRunOf = (runId: string) => import('./helpers').then(({ waitForRun }) => waitForRun(stack, ADMIN, runId));

test('a folder whose delta page breaks off is crawled again before the mailbox ends: nothing is missing, the error counts as recovered', async () => {
  const run = await folderRun(stack, 'cut', 8);
  const upn = stack.emulator.tenant.listUsers()[0]!.userPrincipalName!;
  const folder = stack.emulator.tenant.listFolders(upn).find((f) => f.path === 'Inbox/cut')!;
  stack.emulator.faults.inject({ match: { pathIncludes: `/mailFolders/${folder.id}/messages/delta` }, kind: 'reset', times: 1 });
  await run.attempt(new AbortController().signal);
  const [mailbox] = await listRunMailboxes(stack.store.conn, 'run-cut');
  assert.equal((await getRun(stack.store.conn, 'run-cut'))?.status, 'succeeded');
  assert.equal(mailbox!.archived, 8);
  assert.deepEqual([mailbox!.errorCount, mailbox!.recoveredErrors], [0, 1]);
  assert.equal(mailbox!.recentErrors[0]!.folder, 'Inbox/cut');
  assert.equal(mailbox!.recentErrors[0]!.recovered, true);
});

// The database server is frozen and killed in the middle of a run, and started again a moment later
// on its own data: the crawls' commands in flight fail with network errors. Or it stays away for
// longer than the jobs' leases, so that no lease can be renewed. Neither is a fault of any mailbox:
// the run must still archive every message once, in this run, without spending a mailbox's attempts
// or giving a folder up until the next run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ownDatabase, type OwnDatabase } from '../helpers/own-database';
import { startStack, waitFor, type Stack } from '../helpers/stack';
import { createProfile, itemCount, mailCount, startRun, waitForRun } from './helpers';

const USERS = 3;
let stack: Stack;
let db: OwnDatabase;

before(async () => {
  db = await ownDatabase();
  stack = await startStack({ uri: db.uri, seed: { users: USERS, messagesPerUser: 120 }, workers: 4 });
});
after(async () => {
  await stack?.close();
  await db?.close();
});

const adminOf = (stack: Stack) => stack.emulator.tenant.listUsers()[0]!.userPrincipalName!;

/** Starts a run of every mailbox, with downloads slow enough that every mailbox is crawling when the database goes. */
async function runUnderway(stack: Stack, name: string): Promise<string> {
  stack.emulator.faults.inject({ match: { pathIncludes: '/$value' }, kind: 'slow', delayMs: 150, times: 100_000 });
  const profileId = await createProfile(stack, adminOf(stack), { name, source: { kind: 'multiple-mailboxes', selection: 'all' }, syncDirectoryFirst: true });
  const runId = await startRun(stack, adminOf(stack), profileId);
  await waitFor('messages of every mailbox being archived', async () => ((await itemCount(stack)) >= 60 ? true : undefined), 120_000, 50);
  return runId;
}

/** The run archived every message once, succeeded, on each mailbox's first attempt; `outage` says how the crawls noted the database's absence. */
async function assertWhole(stack: Stack, runId: string, outage: RegExp): Promise<void> {
  const run = await waitForRun(stack, adminOf(stack), runId);
  const mailboxes = run.mailboxes.map((m: any) => ({ upn: m.upn, status: m.status, attempts: m.attempts, errors: m.recentErrors?.map((e: any) => e.reason) }));
  let expected = 0;
  for (const u of stack.emulator.tenant.listUsers()) if (u.mail) expected += await mailCount(stack, u.userPrincipalName!);
  assert.equal(await itemCount(stack), expected, `every message archived in this run: ${JSON.stringify(mailboxes)}`);
  assert.equal(await itemCount(stack, { 'sources.1': { $exists: true } }), 0, 'none archived twice');
  assert.equal(run.status, 'succeeded', JSON.stringify(mailboxes));
  for (const m of run.mailboxes) assert.equal(m.attempts, 1, `${m.upn}: an outage is no attempt of the mailbox: ${JSON.stringify(mailboxes)}`);
  // What was put off says why, and counts as overcome once the mailbox is done.
  const noted = run.mailboxes.flatMap((m: any) => m.recentErrors ?? []).filter((e: any) => outage.test(e.reason));
  assert.ok(noted.length > 0, `the outage reached the crawls: ${JSON.stringify(mailboxes)}`);
  assert.ok(noted.every((e: any) => e.recovered), JSON.stringify(noted));
}

test('a database that goes away mid-run and comes back within the leases costs no attempt and loses no message of the run', { timeout: 240_000 }, async () => {
  const runId = await runUnderway(stack, 'Everyone (outage)');

  // Frozen, the database takes the crawls' commands and answers none; killed, it fails every one
  // in flight with a network error. The driver retries them once, waiting for a server for up to
  // 10 s (lease-renewal.ts `databaseWaitMs` of the 30 s leases): the database stays away longer,
  // so that the crawls see their commands fail, and comes back on the same data well within the
  // leases.
  db.signal('SIGSTOP');
  await sleep(1_500);
  db.signal('SIGKILL');
  await db.stop();
  await sleep(11_000);
  await db.start();
  stack.emulator.faults.clear();
  await assertWhole(stack, runId, /database was unavailable/i);
});

test('a database away for longer than the leases gives every crawl back uncounted, and the run completes', { timeout: 240_000 }, async () => {
  // A stack of its own, on a database of its own: 3 s leases, so that a 10 s outage outlasts them.
  const away = await ownDatabase();
  const short = await startStack({ uri: away.uri, seed: { users: USERS, messagesPerUser: 120 }, workers: 4, env: { JOB_LEASE_MS: '3000' } });
  try {
    const runId = await runUnderway(short, 'Everyone (long outage)');
    await away.stop();
    await sleep(10_000);
    await away.start();
    short.emulator.faults.clear();
    await assertWhole(short, runId, /database was unavailable/i);
  } finally {
    await short.close();
    await away.close();
  }
});

// The database server is frozen and killed in the middle of a run, and started again a moment later
// on its own data: the crawls' commands in flight fail with network errors. That is
// no fault of any mailbox: the run must still archive every message once, in this run, without
// spending a mailbox's attempts or giving a folder up until the next run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ownDatabase, type OwnDatabase } from '../helpers/own-database';
import { startStack, waitFor, type Stack } from '../helpers/stack';
import { createProfile, itemCount, mailCount, startRun, waitForRun } from './helpers';

const USERS = 3;
let stack: Stack;
let db: OwnDatabase;
let ADMIN = '';

before(async () => {
  db = await ownDatabase();
  stack = await startStack({ uri: db.uri, seed: { users: USERS, messagesPerUser: 120 }, workers: 4 });
  ADMIN = stack.emulator.tenant.listUsers()[0]!.userPrincipalName!;
});
after(async () => {
  await stack?.close();
  await db?.close();
});

test('a database that goes away mid-run and comes back costs no attempt and loses no message of the run', { timeout: 240_000 }, async () => {
  // Slow downloads keep every mailbox crawling when the database goes.
  stack.emulator.faults.inject({ match: { pathIncludes: '/$value' }, kind: 'slow', delayMs: 150, times: 100_000 });
  const profileId = await createProfile(stack, ADMIN, { name: 'Everyone (outage)', source: { kind: 'multiple-mailboxes', selection: 'all' }, syncDirectoryFirst: true });
  const runId = await startRun(stack, ADMIN, profileId);
  await waitFor('messages of every mailbox being archived', async () => ((await itemCount(stack)) >= 60 ? true : undefined), 120_000, 50);

  // Frozen, the database takes the crawls' commands and answers none; killed, it fails every one
  // in flight with a network error. It comes back a moment later on the same data.
  db.signal('SIGSTOP');
  await sleep(1_500);
  db.signal('SIGKILL');
  await db.stop();
  await sleep(1_000);
  await db.start();
  stack.emulator.faults.clear();

  const run = await waitForRun(stack, ADMIN, runId);
  const mailboxes = run.mailboxes.map((m: any) => ({ upn: m.upn, status: m.status, attempts: m.attempts, errors: m.recentErrors?.map((e: any) => e.reason) }));
  let expected = 0;
  for (const u of stack.emulator.tenant.listUsers()) if (u.mail) expected += await mailCount(stack, u.userPrincipalName!);
  assert.equal(await itemCount(stack), expected, `every message archived in this run: ${JSON.stringify(mailboxes)}`);
  assert.equal(await itemCount(stack, { 'sources.1': { $exists: true } }), 0, 'none archived twice');
  assert.equal(run.status, 'succeeded', JSON.stringify(mailboxes));
  for (const m of run.mailboxes) assert.equal(m.attempts, 1, `${m.upn}: an outage is no attempt of the mailbox: ${JSON.stringify(mailboxes)}`);
  // What was put off says why, and counts as overcome once the mailbox is done.
  const noted = run.mailboxes.flatMap((m: any) => m.recentErrors ?? []).filter((e: any) => /the database was unavailable/.test(e.reason));
  assert.ok(noted.length > 0, `the outage reached the crawls: ${JSON.stringify(mailboxes)}`);
  assert.ok(noted.every((e: any) => e.recovered), JSON.stringify(noted));
});

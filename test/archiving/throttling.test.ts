import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../helpers/stack';
import { createProfile, itemCount, mailCount, runProfile } from './helpers';

let stack: Stack;
let ADMIN = '';

before(async () => {
  // Exchange's per-mailbox limits, shrunk: 4 concurrent requests and 60 per (scaled) window.
  stack = await startStack({
    seed: { users: 3, messagesPerUser: 80 },
    throttle: { concurrency: 4, requestsPerWindow: 60, windowSeconds: 60 },
    timeScale: 0.02,
  });
  ADMIN = stack.emulator.tenant.listUsers()[0]!.userPrincipalName!;
});
after(async () => stack?.close());

test('throttling (429 + Retry-After), 503s, 504s and dropped connections are ridden out without losing a message', async () => {
  const { faults } = stack.emulator;
  faults.inject({ match: { pathIncludes: '/$value' }, kind: '503', times: 5 });
  faults.inject({ match: { pathIncludes: '/$value' }, kind: '504', times: 3 });
  faults.inject({ match: { pathIncludes: '/$value' }, kind: 'drop', times: 4 });
  faults.inject({ match: { pathIncludes: '/messages/delta' }, kind: '429', times: 3, retryAfterSeconds: 1 });
  faults.inject({ match: { pathIncludes: '/mailFolders/delta' }, kind: 'drop', times: 2 });
  stack.emulator.stats.reset();

  const id = await createProfile(stack, ADMIN, { name: 'Under pressure', source: { kind: 'multiple-mailboxes', selection: 'all' }, syncDirectoryFirst: true });
  const run = await runProfile(stack, id, ADMIN);
  assert.equal(run.status, 'succeeded', JSON.stringify(run.mailboxes.map((m: any) => m.recentErrors)));
  let expected = 0;
  for (const u of stack.emulator.tenant.listUsers()) expected += await mailCount(stack, u.userPrincipalName!);
  assert.equal(run.totals.failed, 0);
  assert.equal(await itemCount(stack), expected);
  // Each mailbox needed more requests than one window allows, and never more than 4 at once.
  for (const u of stack.emulator.tenant.listUsers()) assert.ok(stack.emulator.stats.requests({ mailbox: u.userPrincipalName! }) > 60);
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_USERS } from '../../emulator/src/index';
import { sendBatch } from '../../backend/src/graph/batch';
import { startStack, waitFor, type Stack } from '../helpers/stack';
import { ADMIN, archivingDeps, createProfile, startRun, waitForRun } from './helpers';

let stack: Stack;
const MEGAN = DEMO_USERS.megan.upn;
const throttled = () => stack.emulator.stats.requests({ mailbox: MEGAN, code: 'ApplicationThrottled' });

before(async () => {
  // Exchange's limit of 4 concurrent requests per app and mailbox; short leases so a deferred job looks again soon.
  stack = await startStack({ seed: 'demo', throttle: { concurrency: 4 }, env: { JOB_LEASE_MS: '3000' } });
});
after(async () => stack?.close());

test('a $batch takes as many of its mailbox\'s 4 slots as Exchange runs parts at once, and every Graph client of the process shares them', async () => {
  const clients = [(await archivingDeps(stack)).graph, (await archivingDeps(stack)).graph];
  stack.emulator.faults.inject({ match: { pathIncludes: '/mailFolders/inbox', mailbox: MEGAN }, kind: 'slow', delayMs: 150, forMs: 60_000 });
  stack.emulator.stats.reset();
  const parts = Array.from({ length: 8 }, (_, i) => ({ id: String(i), method: 'GET' as const, url: `/users/${DEMO_USERS.megan.id}/mailFolders/inbox?$select=id` }));
  const singles = clients.flatMap((graph) => Array.from({ length: 3 }, () => graph.api(`/users/${DEMO_USERS.megan.id}/mailFolders/inbox`).select('id').get()));
  const [answers] = await Promise.all([sendBatch(clients[0]!, parts), ...singles]);
  stack.emulator.faults.clear();
  assert.ok([...answers.values()].every((a) => a.status === 200));
  assert.equal(throttled(), 0, 'never over the MailboxConcurrency limit');
});

test('two profiles archiving one mailbox at once never crawl it at the same time', async () => {
  const ids = [
    await createProfile(stack, ADMIN, { name: 'Megan (legal)', source: { kind: 'single-mailbox', mailbox: MEGAN } }),
    await createProfile(stack, ADMIN, { name: 'Megan (backup)', source: { kind: 'single-mailbox', mailbox: MEGAN } }),
  ];
  // Slow pages make each crawl last long enough for the two to meet, if they could.
  stack.emulator.faults.inject({ match: { pathIncludes: '/messages/delta', mailbox: MEGAN }, kind: 'slow', delayMs: 100, forMs: 120_000 });
  stack.emulator.stats.reset();
  const runIds = await Promise.all(ids.map((id) => startRun(stack, ADMIN, id)));
  await waitFor('both runs to start on the mailbox', async () => {
    const runs = await Promise.all(runIds.map((id) => stack.api(ADMIN, 'GET', `/admin/runs/${id}`)));
    return runs.some((r) => r.body.mailboxes?.[0]?.status === 'running') ? true : undefined;
  }, 60_000, 50);
  const runs = await Promise.all(runIds.map((id) => waitForRun(stack, ADMIN, id)));
  stack.emulator.faults.clear();
  const [a, b] = runs.map((r) => r.mailboxes[0]).map((m: any) => ({ start: Date.parse(m.startedAt), end: Date.parse(m.finishedAt) }));
  assert.ok(runs.every((r) => r.status === 'succeeded'), JSON.stringify(runs.map((r) => r.status)));
  assert.ok(a!.end <= b!.start || b!.end <= a!.start, `the crawls overlapped: ${JSON.stringify([a, b])}`);
  assert.equal(throttled(), 0);
});

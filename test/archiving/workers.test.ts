import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, waitFor, type Stack } from '../helpers/stack';
import { spawnBackend, type BackendProcess } from '../helpers/process';
import { blobCount, createProfile, itemCount, mailCount, startRun, waitForRun } from './helpers';

let stack: Stack;
const processes: BackendProcess[] = [];
const USERS = 6;
/** The generated tenant's first user holds the Archive.Admin role. */
let ADMIN = '';

before(async () => {
  // The in-process backend serves the API only; the archiving is done by separate processes.
  stack = await startStack({ seed: { users: USERS, messagesPerUser: 60 }, workers: 0 });
  ADMIN = stack.emulator.tenant.listUsers()[0]!.userPrincipalName!;
});
after(async () => {
  for (const p of processes) await p.stop();
  await stack?.close();
});

async function expectedTotal(): Promise<number> {
  let total = 0;
  for (const u of stack.emulator.tenant.listUsers()) if (u.mail) total += await mailCount(stack, u.userPrincipalName!);
  return total;
}

async function archivedSoFar(runId: string): Promise<number> {
  const run = await stack.api(ADMIN, 'GET', `/admin/runs/${runId}`);
  return run.body.totals?.archived ?? 0;
}

test('a backend killed with SIGKILL mid-run is taken over; nothing is lost or archived twice', async () => {
  const lease = { JOB_LEASE_MS: '3000' };
  // Slow downloads so the kill lands mid-crawl.
  stack.emulator.faults.inject({ match: { pathIncludes: '/$value' }, kind: 'slow', delayMs: 40, times: 100_000 });
  const first = await spawnBackend(stack.config, { ...lease, WORKER_CONCURRENCY: '4' });
  processes.push(first);
  const id = await createProfile(stack, ADMIN, { name: 'Everyone (kill test)', source: { kind: 'multiple-mailboxes', selection: 'all' }, syncDirectoryFirst: true });
  const runId = await startRun(stack, ADMIN, id);
  await waitFor('some messages archived before the kill', async () => ((await archivedSoFar(runId)) >= 40 ? true : undefined), 120_000, 100);
  await first.kill9();
  const atKill = await archivedSoFar(runId);
  stack.emulator.faults.clear();

  processes.push(await spawnBackend(stack.config, { ...lease, WORKER_CONCURRENCY: '4' }));
  const run = await waitForRun(stack, ADMIN, runId);
  assert.equal(run.status, 'succeeded', JSON.stringify(run.mailboxes.map((m: any) => m.recentErrors)));
  const expected = await expectedTotal();
  assert.ok(atKill < expected, `the kill happened mid-run (${atKill} of ${expected})`);
  assert.equal(await itemCount(stack), expected, 'every message archived exactly once');
  assert.equal(run.totals.failed, 0);
  // The mailboxes the killed process was crawling were started again: the run says so, and why.
  const restarted = run.mailboxes.filter((m: any) => m.restartCount > 0);
  assert.ok(restarted.length >= 1 && restarted.length <= 4, `the 1–4 mailboxes crawled at the kill were restarted: ${JSON.stringify(run.mailboxes.map((m: any) => [m.upn, m.attempts, m.restartCount]))}`);
  for (const m of restarted) {
    assert.equal(m.attempts, 2, m.upn);
    assert.match(m.recentRestarts[0].reason, /^attempt 2 resumed from what was committed; attempt 1 ended: The worker running attempt 1 stopped renewing its lease/);
  }
  for (const m of run.mailboxes.filter((x: any) => x.restartCount === 0)) assert.equal(m.attempts, 1, `${m.upn} was crawled once`);
});

test('two backend processes share one run without doing a mailbox twice', async () => {
  for (const p of processes.splice(0)) await p.stop();
  const a = await spawnBackend(stack.config, { WORKER_CONCURRENCY: '2', JOB_LEASE_MS: '5000' });
  const b = await spawnBackend(stack.config, { WORKER_CONCURRENCY: '2', JOB_LEASE_MS: '5000' });
  processes.push(a, b);
  // A fresh profile has its own delta state, so every mailbox is crawled again from the start.
  // Its messages are all archived already (nothing is downloaded): slow delta pages make each
  // mailbox last long enough for both processes to claim some.
  stack.emulator.faults.inject({ match: { pathIncludes: '/messages/delta' }, kind: 'slow', delayMs: 300, times: 100_000 });
  const id = await createProfile(stack, ADMIN, { name: 'Everyone (two workers)', source: { kind: 'multiple-mailboxes', selection: 'all' } });
  const runId = await startRun(stack, ADMIN, id);
  const run = await waitForRun(stack, ADMIN, runId);
  stack.emulator.faults.clear();
  assert.equal(run.status, 'succeeded');
  assert.equal(run.mailboxes.length, USERS);
  // A run concludes once its jobs' active states have ended; each job's stored copy (read here)
  // takes its result a moment later.
  const jobs = await waitFor('every mailbox job to record its result', async () => {
    const found = await stack.store.db.collection('jobs').find({ type: 'archive-mailbox', 'payload.runId': runId }).toArray();
    return found.every((j) => j.status === 'succeeded' && j.result) ? found : undefined;
  });
  assert.equal(jobs.length, USERS, 'one job per mailbox');
  const workers = new Set(jobs.map((j) => j.result?.worker));
  assert.equal(workers.size, 2, `both processes worked: ${[...workers].join(', ')}`);
  for (const m of run.mailboxes) assert.equal(m.alreadyArchived, m.found, `${m.upn}: already archived by the first profile, nothing duplicated`);
  assert.ok((await blobCount(stack)) <= (await itemCount(stack)));
});

test('cancelling a run stops its mailboxes and marks it cancelled; the next run continues where it stopped', async () => {
  stack.emulator.faults.inject({ match: { pathIncludes: '/$value' }, kind: 'slow', delayMs: 60, times: 100_000 });
  const id = await createProfile(stack, ADMIN, { name: 'Everyone (cancel test)', source: { kind: 'multiple-mailboxes', selection: 'all' } });
  const runId = await startRun(stack, ADMIN, id);
  await waitFor('the run to start archiving', async () => {
    const run = await stack.api(ADMIN, 'GET', `/admin/runs/${runId}`);
    return run.body.mailboxes?.some((m: any) => m.status === 'running') ? true : undefined;
  }, 60_000, 100);
  const cancel = await stack.api(ADMIN, 'POST', `/admin/runs/${runId}/cancel`);
  assert.equal(cancel.status, 202);
  const run = await waitForRun(stack, ADMIN, runId);
  stack.emulator.faults.clear();
  assert.equal(run.status, 'cancelled');
  assert.ok(run.mailboxes.every((m: any) => ['cancelled', 'done'].includes(m.status)), JSON.stringify(run.mailboxes.map((m: any) => m.status)));
  const again = await waitForRun(stack, ADMIN, await startRun(stack, ADMIN, id));
  assert.equal(again.status, 'succeeded');
});

test('after a kill -9, the backend restarted on the same machine takes its dead predecessor\'s jobs over at once, not after their lease', async () => {
  for (const p of processes.splice(0)) await p.stop();
  // A lease far longer than the test may wait: only knowing the predecessor is dead can explain a quick takeover.
  const lease = { JOB_LEASE_MS: '300000', WORKER_CONCURRENCY: '4' };
  stack.emulator.faults.inject({ match: { pathIncludes: '/messages/delta' }, kind: 'slow', delayMs: 200, forMs: 600_000 });
  const first = await spawnBackend(stack.config, lease);
  processes.push(first);
  const id = await createProfile(stack, ADMIN, { name: 'Everyone (restart test)', source: { kind: 'multiple-mailboxes', selection: 'all' } });
  const runId = await startRun(stack, ADMIN, id);
  await waitFor('the run to be under way', async () => {
    const run = await stack.api(ADMIN, 'GET', `/admin/runs/${runId}`);
    return (run.body.totals?.found ?? 0) >= 5 ? true : undefined;
  }, 120_000, 100);
  await first.kill9();
  stack.emulator.faults.clear();
  const killedAt = Date.now();
  processes.push(await spawnBackend(stack.config, lease));
  const run = await waitForRun(stack, ADMIN, runId, 90_000);
  assert.equal(run.status, 'succeeded', JSON.stringify(run.mailboxes.map((m: any) => m.recentErrors)));
  assert.ok(Date.now() - killedAt < 90_000, 'taken over well within the 300 s lease');
  assert.equal(await itemCount(stack), await expectedTotal(), 'nothing lost or archived twice');
});

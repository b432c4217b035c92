import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { concludeIfSettled, mailboxJobKey, runJobKey } from '../../backend/src/archiving/conclude';
import { MAILBOX_JOB, RUN_JOB, mailboxHandler, runHandler, startRun } from '../../backend/src/archiving/runner';
import { startWorker, type JobHandler, type Worker } from '../../backend/src/jobs/worker';
import { claimNext, claimOf, complete, enqueue, fail, getJob } from '../../backend/src/store/jobs';
import { addRunMailbox, createRun, getRun, listRunMailboxes, setRunMailbox, setRunMailboxCounts, sumCounts, updateRun } from '../../backend/src/store/runs';
import { startStack, waitFor, type Stack } from '../helpers/stack';
import { archivingDeps, createProfile, mailCount } from './helpers';

let stack: Stack;
let worker: Worker | undefined;
const USERS = 3;
const LEASE_MS = 3000;

before(async () => {
  // API only: the test runs its own worker, whose mailbox jobs lose the run's conclusion.
  stack = await startStack({ seed: { users: USERS, messagesPerUser: 20 }, workers: 0 });
});
after(async () => {
  await worker?.stop();
  await stack?.close();
});

/** Conclusions the mailbox jobs made and then lost. */
let undone = 0;

/**
 * What the benchmark saw: every mailbox job ended, yet the run stayed "running" because the
 * last mailbox's conclusion was lost (on FerretDB an unlocked read-modify-write of the run
 * document by another writer undoes it; or the worker dies between the two steps). This
 * handler reproduces it: after each mailbox, the run document is back to "running".
 */
function losingTheConclusion(handler: JobHandler): JobHandler {
  return async (ctx) => {
    const result = await handler(ctx);
    const { runId } = ctx.job.payload as { runId: string };
    if ((await getRun(stack.store.conn, runId))?.status !== 'running') undone += 1;
    await updateRun(stack.store.conn, runId, { status: 'running', finishedAt: null });
    return result;
  };
}

test('a run whose conclusion was lost after its mailbox jobs ended is concluded by the periodic check, with its counts', async () => {
  // Short leases space the run's checks closely (2, 4, 8… leases apart), but a lease shorter than a
  // stall of the loaded machine (a slow FerretDB write, a GC pause) loses a mailbox lock mid-crawl:
  // 3 s keeps checks within a minute and outlasts such stalls.
  const deps = await archivingDeps(stack, { JOB_LEASE_MS: LEASE_MS });
  worker = startWorker({
    store: deps.store,
    concurrency: USERS + 1,
    leaseMs: LEASE_MS,
    pollMs: 100,
    handlers: { [RUN_JOB]: runHandler(deps), [MAILBOX_JOB]: losingTheConclusion(mailboxHandler(deps)) },
  });
  const admin = stack.emulator.tenant.listUsers()[0]!.userPrincipalName!;
  const profileId = await createProfile(stack, admin, { name: 'Everyone', source: { kind: 'multiple-mailboxes', selection: 'all' }, syncDirectoryFirst: true });
  const { _id: runId } = await startRun(deps, profileId, 'manual');

  // Once every mailbox job has ended, its handler's last word was "running": whoever concludes now is the check.
  const mailboxes = await waitFor('every mailbox job to end', async () => {
    const list = await listRunMailboxes(stack.store.conn, runId);
    if (list.length < USERS) return undefined;
    const jobs = await Promise.all(list.map((m) => getJob(stack.store, mailboxJobKey(runId, m.mailboxId))));
    return jobs.every((j) => j?.status === 'succeeded') ? list : undefined;
  }, 120_000);
  const run = await waitFor('the run to be concluded for good', async () => {
    const r = await getRun(stack.store.conn, runId);
    return r?.status !== 'running' && undone > 0 ? r : undefined;
  }, 150_000);
  assert.ok(undone >= 1, 'the last mailbox concluded the run, and that was lost');
  assert.equal(run?.status, 'succeeded');
  assert.ok(run?.finishedAt);
  let expected = 0;
  for (const m of mailboxes) expected += await mailCount(stack, m.upn);
  const totals = sumCounts(await listRunMailboxes(stack.store.conn, runId));
  assert.equal(totals.found, expected);
  assert.equal(totals.archived, expected);
  assert.equal(totals.failed, 0);
});

test('a mailbox whose worker died between its steps takes its job\'s outcome, and the run concludes from it', async () => {
  const { conn } = stack.store;
  const runId = 'run-with-a-dead-worker';
  // Jobs of a type no worker runs: only their outcome matters here.
  const type = 'test-ended';
  await createRun(conn, { _id: runId, profileId: 'p', profileName: 'p', trigger: 'manual', settings: {}, jobId: runJobKey(runId) });
  await updateRun(conn, runId, { status: 'running', startedAt: new Date(), mailboxCount: 2 });
  await endJob(type, runJobKey(runId), 'succeeded');
  const counts = { ...sumCounts([]), found: 5, archived: 5, bytes: 500 };
  for (const [mailboxId, outcome] of [['finished', 'succeeded'], ['died', 'failed']] as const) {
    await addRunMailbox(conn, { runId, mailboxId, upn: `${mailboxId}@example.com`, archiveId: mailboxId });
    await setRunMailboxCounts(conn, runId, mailboxId, counts);
    // The worker that died had said "running" and never got to say more; its job then failed.
    await setRunMailbox(conn, runId, mailboxId, { status: outcome === 'succeeded' ? 'done' : 'running' });
    await endJob(type, mailboxJobKey(runId, mailboxId), outcome);
  }

  assert.equal(await concludeIfSettled(stack.store, runId), true);
  const run = await getRun(conn, runId);
  const mailboxes = await listRunMailboxes(conn, runId);
  assert.equal(run?.status, 'partial');
  assert.deepEqual(mailboxes.map((m) => [m.mailboxId, m.status]), [['died', 'failed'], ['finished', 'done']]);
  assert.match(mailboxes[0]!.recentErrors[0]!.reason, /lease|died/);
  assert.deepEqual(sumCounts(mailboxes), sumCounts([counts, counts]), 'the counts are what the mailboxes committed');
  assert.equal(await concludeIfSettled(stack.store, runId), true, 'concluding again changes nothing');
  assert.equal((await getRun(conn, runId))?.finishedAt?.getTime(), run?.finishedAt?.getTime());
});

test('a run whose jobs are still at work is left open', async () => {
  const { conn } = stack.store;
  const runId = 'run-at-work';
  await createRun(conn, { _id: runId, profileId: 'p', profileName: 'p', trigger: 'manual', settings: {}, jobId: runJobKey(runId) });
  await updateRun(conn, runId, { status: 'running', startedAt: new Date(), mailboxCount: 1 });
  await endJob('test-ended', runJobKey(runId), 'succeeded');
  await addRunMailbox(conn, { runId, mailboxId: 'busy', upn: 'busy@example.com', archiveId: 'busy' });
  await enqueue(stack.store, { type: 'test-ended', key: mailboxJobKey(runId, 'busy'), payload: {} });
  assert.equal(await concludeIfSettled(stack.store, runId), false);
  assert.equal((await getRun(conn, runId))?.status, 'running');
});

async function endJob(type: string, key: string, outcome: 'succeeded' | 'failed'): Promise<void> {
  await enqueue(stack.store, { type, key, payload: {}, maxAttempts: 1 });
  const job = await claimNext(stack.store, 'test', [type], 60_000);
  assert.equal(job?._id, key);
  if (outcome === 'succeeded') await complete(stack.store, claimOf(job!), { status: 'done' });
  else await fail(stack.store, claimOf(job!), { message: 'The worker running this job stopped renewing its lease (it died)' });
}

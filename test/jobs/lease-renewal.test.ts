import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { keepRenewing, type LeaseLoss } from '../../backend/src/lease-renewal';

/** Renewals that answer from a script (ms to take, then held or a failure), recording what was asked. */
function scripted(leaseMs: number, script: readonly { takes: number; then: 'held' | 'taken' | 'fail' }[]) {
  const calls: number[] = [];
  const losses: LeaseLoss[] = [];
  const lossFailures: number[] = [];
  const failures: unknown[] = [];
  let inFlight = 0;
  let overlapped = false;
  const start = Date.now();
  const renewal = keepRenewing({
    leaseMs,
    renew: async () => {
      const step = script[Math.min(calls.length, script.length - 1)]!;
      calls.push(Date.now() - start);
      overlapped ||= inFlight > 0;
      inFlight += 1;
      await sleep(step.takes);
      inFlight -= 1;
      if (step.then === 'fail') throw new Error('database is locked (5) (SQLITE_BUSY)');
      return step.then === 'held';
    },
    lost: (why, failed) => {
      losses.push(why);
      lossFailures.push(failed.length);
    },
    failed: (err) => failures.push(err),
  });
  return { calls, losses, lossFailures, failures, stop: renewal.stop, overlapped: () => overlapped };
}

test('a renewal that fails slowly (a busy database) is tried again before the lease runs out, and the lease is kept', async () => {
  // Lease 600 ms, renewed at 200. The first renewal fails after 250 ms (at 450); at a third's spacing
  // the next would go out at 650, after the lease ran out. It goes out at once instead and holds.
  const r = scripted(600, [{ takes: 250, then: 'fail' }, { takes: 10, then: 'held' }]);
  await sleep(1000);
  r.stop();
  assert.deepEqual(r.losses, [], 'the lease was kept');
  assert.equal(r.failures.length, 1);
  assert.ok(r.calls.length >= 3, `renewed again after the failure and on schedule after that (calls at ${r.calls.join(', ')} ms)`);
  assert.ok(r.calls[1]! < 600, `the retry went out before the lease ran out (at ${r.calls[1]} ms)`);
});

test('a lease another holder took is reported once, and renewing stops', async () => {
  const r = scripted(300, [{ takes: 5, then: 'held' }, { takes: 5, then: 'taken' }]);
  await sleep(700);
  assert.deepEqual(r.losses, ['taken']);
  assert.equal(r.calls.length, 2, 'no renewal after the loss');
  r.stop();
});

test('a renewal that hangs past the lease ends it, without a second renewal overlapping the first', async () => {
  const r = scripted(300, [{ takes: 1000, then: 'held' }]);
  await sleep(500);
  assert.deepEqual(r.losses, ['expired'], 'lost at the end of the lease while the renewal still hangs');
  assert.deepEqual(r.lossFailures, [0], 'no renewal failed: the holder cannot tell a database that refused it');
  assert.equal(r.calls.length, 1);
  assert.equal(r.overlapped(), false);
  r.stop();
});

test('renewals that keep failing end the lease when it runs out, not before', async () => {
  const r = scripted(400, [{ takes: 5, then: 'fail' }]);
  await sleep(300);
  assert.deepEqual(r.losses, [], 'still within the lease');
  await sleep(250);
  assert.deepEqual(r.losses, ['expired']);
  assert.equal(r.lossFailures[0], r.calls.length, 'the loss carries every failed renewal, which tells the holder the database refused them');
  const count = r.calls.length;
  await sleep(150);
  assert.equal(r.calls.length, count, 'no renewal after the loss');
});

test('stopping ends renewals and reports no loss', async () => {
  const r = scripted(300, [{ takes: 5, then: 'held' }]);
  await sleep(250);
  r.stop();
  const count = r.calls.length;
  await sleep(500);
  assert.equal(r.calls.length, count);
  assert.deepEqual(r.losses, []);
});

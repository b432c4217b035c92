import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { latestRun, nextRun, startScheduler, validateSchedule, type ScheduledWork } from '../../backend/src/jobs/scheduler';
import type { Store } from '../../backend/src/store';
import { listJobs } from '../../backend/src/store/jobs';
import { testStore, type TestStore } from '../helpers/db';
import { secondConnection, waitFor } from './helpers';

let store: TestStore;
let other: Store;
before(async () => {
  store = await testStore();
  other = await secondConnection(store.dbName);
});
after(async () => {
  await other?.close();
  await store?.drop();
});

const at = (iso: string) => new Date(iso);
const MINUTE = 60_000;

test('interval slots are whole multiples of the period', () => {
  const every15 = { kind: 'interval', everyMinutes: 15 } as const;
  assert.deepEqual(nextRun(every15, at('2025-01-01T10:07:00Z')), at('2025-01-01T10:15:00Z'));
  assert.deepEqual(nextRun(every15, at('2025-01-01T10:15:00Z')), at('2025-01-01T10:30:00Z'), 'strictly after');
  assert.deepEqual(latestRun(every15, at('2025-01-01T10:29:59Z'), at('2025-01-01T10:00:00Z')), at('2025-01-01T10:15:00Z'));
  assert.equal(latestRun(every15, at('2025-01-01T10:14:00Z'), at('2025-01-01T10:00:00Z')), null);
  assert.equal(nextRun({ kind: 'manual' }, new Date()), null);
});

test('cron next runs follow the expression and its time zone, across daylight saving time', () => {
  const nightly = { kind: 'cron', expression: '0 2 * * *', timezone: 'Europe/Berlin' } as const;
  assert.deepEqual(nextRun(nightly, at('2025-01-01T00:00:00Z')), at('2025-01-01T01:00:00Z'), 'CET is UTC+1');
  assert.deepEqual(nextRun(nightly, at('2025-07-01T00:00:00Z')), at('2025-07-02T00:00:00Z'), 'CEST is UTC+2');
  const weekdays = { kind: 'cron', expression: '30 6 * * 1-5' } as const;
  assert.deepEqual(nextRun(weekdays, at('2025-01-03T07:00:00Z')), at('2025-01-06T06:30:00Z'), 'Friday after 06:30 → Monday');
  assert.deepEqual(nextRun({ kind: 'cron', expression: '@hourly' }, at('2025-01-01T10:20:00Z')), at('2025-01-01T11:00:00Z'));
});

test('the latest cron slot is found both for frequent and for rare expressions', () => {
  const every5 = { kind: 'cron', expression: '*/5 * * * *' } as const;
  assert.deepEqual(latestRun(every5, at('2025-03-01T12:07:00Z'), at('2025-01-01T00:00:00Z')), at('2025-03-01T12:05:00Z'));
  const yearly = { kind: 'cron', expression: '0 0 1 1 *' } as const;
  assert.deepEqual(latestRun(yearly, at('2025-03-01T12:07:00Z'), at('2020-01-01T00:00:00Z')), at('2025-01-01T00:00:00Z'));
  assert.equal(latestRun(yearly, at('2025-03-01T12:07:00Z'), at('2025-01-01T00:00:00Z')), null, 'nothing after `since`');
});

test('invalid schedules are refused with a message an administrator can act on', () => {
  assert.equal(validateSchedule({ kind: 'cron', expression: '0 2 * * *', timezone: 'Europe/Berlin' }), null);
  assert.equal(validateSchedule({ kind: 'cron', expression: '@daily' }), null);
  assert.equal(validateSchedule({ kind: 'interval', everyMinutes: 60 }), null);
  assert.equal(validateSchedule({ kind: 'manual' }), null);
  assert.match(validateSchedule({ kind: 'cron', expression: '* *' })!, /has 2 field\(s\); expected 5: minute hour day-of-month month day-of-week/);
  assert.match(validateSchedule({ kind: 'cron', expression: '0 0 2 * * *' })!, /has 6 field\(s\)/);
  assert.match(validateSchedule({ kind: 'cron', expression: '61 * * * *' })!, /^invalid cron expression "61 \* \* \* \*": Invalid value for minute: 61$/);
  assert.match(validateSchedule({ kind: 'cron', expression: 'at noon please x y' })!, /^invalid cron expression "at noon please x y": .*illegal characters/);
  assert.match(validateSchedule({ kind: 'cron', expression: '0 0 30 2 *' })!, /never fires/);
  assert.match(validateSchedule({ kind: 'cron', expression: '0 2 * * *', timezone: 'Mars/Olympus' })!, /unknown time zone "Mars\/Olympus"/);
  assert.match(validateSchedule({ kind: 'interval', everyMinutes: 0 })!, /at least 1/);
  assert.throws(() => nextRun({ kind: 'cron', expression: '* *' }, new Date()), /expected 5/);
});

test('two schedulers on one database enqueue every slot exactly once over many ticks', async () => {
  let clock = at('2025-01-01T00:00:30Z');
  const work: ScheduledWork[] = [
    { schedule: { id: 'every5', kind: 'interval', everyMinutes: 5 }, enqueue: { type: 'sched-test', payload: { which: 'every5' } } },
    { schedule: { id: 'even', kind: 'cron', expression: '*/2 * * * *' }, enqueue: { type: 'sched-test', payload: { which: 'even' } } },
    { schedule: { id: 'never', kind: 'manual' }, enqueue: { type: 'sched-test', payload: { which: 'never' } } },
    { schedule: { id: 'broken', kind: 'cron', expression: 'nope' }, enqueue: { type: 'sched-test', payload: { which: 'broken' } } },
  ];
  const options = { listSchedules: async () => work, tickMs: 3_600_000, now: () => clock };
  const one = startScheduler({ store, ...options });
  const two = startScheduler({ store: other, ...options });
  try {
    for (let minute = 1; minute <= 12; minute += 1) {
      clock = new Date(at('2025-01-01T00:00:30Z').getTime() + minute * MINUTE);
      await Promise.all([one.tick(), two.tick(), one.tick()]);
    }
    // Down for a while: only the latest missed slot of each schedule is caught up.
    clock = at('2025-01-01T00:40:30Z');
    await Promise.all([one.tick(), two.tick()]);
  } finally {
    await Promise.all([one.stop(), two.stop()]);
  }
  const jobs = await listJobs(store, { type: 'sched-test', limit: 100 });
  const keys = jobs.map((j) => j.key).sort();
  assert.equal(new Set(keys).size, keys.length, 'no slot twice');
  assert.deepEqual(keys, [
    'sched:even:2025-01-01T00:02:00.000Z',
    'sched:even:2025-01-01T00:04:00.000Z',
    'sched:even:2025-01-01T00:06:00.000Z',
    'sched:even:2025-01-01T00:08:00.000Z',
    'sched:even:2025-01-01T00:10:00.000Z',
    'sched:even:2025-01-01T00:12:00.000Z',
    'sched:even:2025-01-01T00:40:00.000Z',
    'sched:every5:2025-01-01T00:05:00.000Z',
    'sched:every5:2025-01-01T00:10:00.000Z',
    'sched:every5:2025-01-01T00:40:00.000Z',
  ]);
  const slot = jobs.find((j) => j.key === 'sched:every5:2025-01-01T00:05:00.000Z')!;
  assert.deepEqual(slot.payload, { which: 'every5' });
  assert.deepEqual(slot.runAt, at('2025-01-01T00:05:00Z'));
});

test('a running scheduler ticks on its own timer', async () => {
  let clock = at('2030-06-01T00:00:10Z');
  const scheduler = startScheduler({
    store,
    tickMs: 20,
    now: () => clock,
    listSchedules: async () => [{ schedule: { id: 'timer', kind: 'interval', everyMinutes: 1 }, enqueue: { type: 'sched-timer', payload: {} } }],
  });
  try {
    await waitFor('the first tick', async () => (await listJobs(store, { type: 'sched-timer' })).length === 0 && Date.now());
    clock = at('2030-06-01T00:01:10Z');
    const [job] = await waitFor('the slot to be enqueued', async () => {
      const jobs = await listJobs(store, { type: 'sched-timer' });
      return jobs.length > 0 ? jobs : null;
    });
    assert.equal(job!.key, 'sched:timer:2030-06-01T00:01:00.000Z');
  } finally {
    await scheduler.stop();
  }
});

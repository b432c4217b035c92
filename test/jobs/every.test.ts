import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { every } from '../../backend/src/jobs/every';
import { JOURNAL_MAINTENANCE_JOB } from '../../backend/src/journal/queue';
import { startJournalMaintenance } from '../../backend/src/journal/maintenance';
import { listJobs } from '../../backend/src/store/jobs';
import { testStore, type TestStore } from '../helpers/db';
import { secondConnection } from './helpers';

let store: TestStore;
before(async () => {
  store = await testStore();
});
after(async () => {
  await store?.drop();
});

/** A run that takes `ms` and records how many runs were under way at once. */
function slowWork(ms: number) {
  const seen = { runs: 0, finished: 0, atOnce: 0, most: 0 };
  const work = async () => {
    seen.runs += 1;
    seen.atOnce += 1;
    seen.most = Math.max(seen.most, seen.atOnce);
    await sleep(ms);
    seen.atOnce -= 1;
    seen.finished += 1;
  };
  return { seen, work };
}

test('periodic work runs one at a time, and stop waits for the run under way', async () => {
  const { seen, work } = slowWork(60);
  const runner = every(10, work, (err) => assert.fail(String(err)));
  await sleep(150);
  await runner.stop();
  assert.ok(seen.runs >= 2, `ran ${seen.runs} times`);
  assert.equal(seen.most, 1, 'a slow run delays the next instead of overlapping it');
  assert.equal(seen.finished, seen.runs, 'stop returned before a run had finished: the database would close under it');
  await sleep(50);
  assert.equal(seen.runs, seen.finished, 'nothing runs after stop');
});

test('the first run starts at once, and stop right after the start waits for it', async () => {
  const { seen, work: first } = slowWork(40);
  const runner = every(60_000, async () => assert.fail('no periodic run within a minute'), (err) => assert.fail(String(err)), first);
  await runner.stop();
  assert.deepEqual([seen.runs, seen.finished], [1, 1]);
});

test('a failed run is reported and does not end the runs after it', async () => {
  const failures: unknown[] = [];
  let calls = 0;
  const runner = every(
    10,
    async () => {
      calls += 1;
      if (calls === 1) throw new Error('database unreachable');
    },
    (err) => failures.push(err),
  );
  await sleep(80);
  await runner.stop();
  assert.equal(failures.length, 1);
  assert.match(String(failures[0]), /database unreachable/);
  assert.ok(calls >= 2, `the runs after the failure happened (${calls} calls)`);
});

test('stopping the journal sweep waits for its start-up request, so the store can close right after', async () => {
  const warnings: string[] = [];
  const log = pino({ level: 'warn' }, new Writable({ write: (line: Buffer, _e, cb) => (warnings.push(JSON.parse(line.toString()).msg as string), cb()) }));
  const own = await secondConnection(store.dbName);
  const maintenance = startJournalMaintenance(own, log);
  await maintenance.stop();
  await own.close();
  await sleep(100);
  assert.deepEqual(warnings, [], 'a request still under way failed on the closed store');
  const queued = await listJobs(store, { type: JOURNAL_MAINTENANCE_JOB });
  assert.equal(queued.length, 1, 'the start-up sweep was queued');
  assert.match(queued[0]!.key ?? '', /^journal-maintenance:start:/);
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createProfile, startRun, waitForRun, mailCount } from '../archiving/helpers';
import { freePort } from '../helpers/process';
import { scrapeMetrics, sampleValue as value, type Samples } from '../helpers/metrics';
import { startStack, waitFor, type Stack } from '../helpers/stack';

/**
 * Prometheus' view of an archiving run: scraped before, during and after it, the counters move
 * as the run does (messages and bytes, Graph requests, 429s and retries by mailbox class, runs by
 * status, jobs), and the process figures (RSS, event-loop delay, database commands) are there.
 */
const METRICS_TOKEN = 'metrics-test-token-0123';
const USERS = 3;
let stack: Stack;
let ADMIN = '';

before(async () => {
  stack = await startStack({ seed: { users: USERS, messagesPerUser: 40 }, workers: 4, env: { METRICS_TOKEN } });
  ADMIN = stack.emulator.tenant.listUsers()[0]!.userPrincipalName!;
});
after(() => stack?.close());

const scrape = () => scrapeMetrics(stack.backend.url, METRICS_TOKEN);
const sum = (s: Samples, prefix: string) => [...s].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);

test('the counters move with an archiving run, scraped before, during and after it', async () => {
  let expected = 0;
  for (const u of stack.emulator.tenant.listUsers()) if (u.mail) expected += await mailCount(stack, u.userPrincipalName!);
  const before = await scrape();
  // Slow downloads keep the run going long enough to be seen mid-way; throttled delta pages
  // show as 429s and retries of user mailboxes.
  stack.emulator.faults.inject({ match: { pathIncludes: '/$value' }, kind: 'slow', delayMs: 25, times: 100_000 });
  stack.emulator.faults.inject({ match: { pathIncludes: '/messages/delta' }, kind: '429', times: 2, retryAfterSeconds: 1 });
  const id = await createProfile(stack, ADMIN, { name: 'Everyone (metrics)', source: { kind: 'multiple-mailboxes', selection: 'all' }, syncDirectoryFirst: true });
  const runId = await startRun(stack, ADMIN, id);

  const during = await waitFor('a scrape mid-run', async () => {
    const s = await scrape();
    const archived = value(s, 'm365archive_messages_archived_total{source="graph"}') - value(before, 'm365archive_messages_archived_total{source="graph"}');
    return archived >= 10 && archived < expected - 10 ? s : undefined;
  }, 120_000, 100);
  assert.equal(value(during, 'm365archive_runs{status="running"}'), 1, 'the run is counted as running');
  assert.ok(value(during, 'm365archive_jobs{type="archive-mailbox",status="running"}') >= 1, 'mailbox jobs are running');

  const run = await waitForRun(stack, ADMIN, runId);
  stack.emulator.faults.clear();
  assert.equal(run.status, 'succeeded');
  const done = await scrape();
  const moved = (series: string) => value(done, series) - value(before, series);
  assert.equal(moved('m365archive_messages_archived_total{source="graph"}'), expected, 'every archived message counted once');
  assert.equal(moved('m365archive_archived_bytes_total{source="graph"}'), run.totals.bytes, 'bytes as the run counts them');
  assert.ok(value(during, 'm365archive_messages_archived_total{source="graph"}') < value(done, 'm365archive_messages_archived_total{source="graph"}'));
  assert.equal(value(done, 'm365archive_runs{status="succeeded"}'), 1);
  assert.equal(value(done, 'm365archive_runs{status="running"}'), 0);
  assert.equal(value(done, 'm365archive_jobs{type="archive-mailbox",status="running"}'), 0);
  assert.ok(moved('m365archive_graph_throttled_total{mailbox_class="user"}') >= 2, 'the 429s, for user mailboxes');
  assert.ok(moved('m365archive_graph_retries_total{mailbox_class="user"}') >= 2, 'and their retries');
  assert.ok(moved('m365archive_graph_requests_total{mailbox_class="user",status="200"}') >= expected, 'a download per message at least');
  assert.ok(moved('m365archive_graph_requests_total{mailbox_class="tenant",status="200"}') >= 1, 'the directory sync is no mailbox\'s');
  const inserts = (x: Samples) => sum(x, 'm365archive_db_command_duration_seconds_count{command="insert",');
  assert.ok(inserts(done) - inserts(before) > expected, 'database commands are timed');
  assert.ok(moved('m365archive_db_command_duration_seconds_count{command="insert",collection="items",outcome="ok"}') >= 1, 'by the collection they write');
  assert.ok(![...done.keys()].some((k) => /collection="sx_(?!\*)/.test(k)), 'the search index partitions are one label');
  assert.ok(value(done, 'process_resident_memory_bytes') > 10e6, 'RSS');
  // CPU by thread: the event loop's, the index worker's (its pool's name), the rest; together the process's.
  const cpu = (x: Samples, thread: string) => value(x, `m365archive_thread_cpu_seconds_total{thread="${thread}"}`);
  assert.ok(cpu(done, 'main') > cpu(before, 'main'), "the event loop's thread worked");
  assert.ok(cpu(done, 'index worker') > 0, 'so did the index worker');
  const threads = sum(done, 'm365archive_thread_cpu_seconds_total{') - sum(before, 'm365archive_thread_cpu_seconds_total{');
  const whole = moved('process_cpu_seconds_total');
  assert.ok(Math.abs(threads - whole) < 0.5, `during the run: threads ${threads} s, the process ${whole} s`);
  const heap = value(done, 'm365archive_worker_heap_bytes{pool="index worker"}');
  assert.ok(heap > 1e6 && heap <= value(done, 'm365archive_worker_heap_peak_bytes{pool="index worker"}'), `the index worker's heap: ${heap} bytes, no more than its peak`);
  assert.ok(done.has('nodejs_eventloop_lag_p99_seconds'), 'event-loop delay');
  assert.equal(sum(done, 'm365archive_job_queue_depth'), 0, 'nothing left waiting');
  assert.ok(value(done, 'm365archive_database_bytes{part="data"}') > 0, 'the database\'s size');
  // Reading the size visits every page of the database on FerretDB: later scrapes report the first read.
  const size = (x: Samples) => value(x, 'm365archive_database_bytes{part="data"}');
  assert.equal(size(done), size(before), 'read at most every few minutes, not at every scrape');

  const searches = value(done, 'm365archive_search_duration_seconds_count');
  assert.equal((await stack.api(ADMIN, 'GET', '/search?q=a')).status, 200);
  assert.equal(value(await scrape(), 'm365archive_search_duration_seconds_count'), searches + 1, 'a search is timed');
});

test('without the token the metrics are refused; without one the API port serves none, and METRICS_PORT serves them on its own loopback port', async () => {
  assert.equal((await fetch(`${stack.backend.url}/metrics`)).status, 401);
  assert.equal((await fetch(`${stack.backend.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status, 401);
  const port = await freePort();
  const bare = await startStack({ seed: 'empty', workers: 0, env: { METRICS_PORT: String(port) } });
  try {
    assert.equal((await fetch(`${bare.backend.url}/metrics`)).status, 404);
    const own = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(own.status, 200);
    assert.match(await own.text(), /^m365archive_messages_archived_total/m);
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/me`)).status, 404, 'nothing but the metrics there');
  } finally {
    await bare.close();
  }
});

// Scale-out as the README deploys it: three backend processes on one database. One serves the
// API only (WORKER_CONCURRENCY=0), two run workers, and the second of those is also the SMTP
// journal gateway. A multi-mailbox run and a burst of journal reports over real SMTP are shared
// by the two workers; one worker is killed with SIGKILL mid-run. Then every message must be
// archived exactly once and the run's counters must add up to what the archive holds.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { loadConfig, type Config } from '../../backend/src/config';
import { openStore, type Store } from '../../backend/src/store';
import { startEmulator, type EmulatorHandle } from '../../emulator/src/index';
import { createProfile, mailCount, startRun, waitForRun } from '../archiving/helpers';
import { sha256 } from '../journal/helpers';
import { scrapeMetrics, sampleValue, type Samples } from '../helpers/metrics';
import { freePort, spawnBackend, type BackendProcess } from '../helpers/process';
import { waitFor } from '../helpers/stack';
import { tenantEnv } from '../helpers/tenant-env';
import { dropDatabases } from '../helpers/db';

const USERS = 6;
const REPORTS = 60;
const METRICS_TOKEN = 'scale-out-metrics-token';
const GRAPH = 'm365archive_messages_archived_total{source="graph"}';
const JOURNAL = 'm365archive_messages_archived_total{source="journal"}';

let emulator: EmulatorHandle;
let store: Store;
let config: Config;
let smtpPort: number;
const processes: BackendProcess[] = [];

before(async () => {
  emulator = await startEmulator({ seed: { users: USERS, messagesPerUser: 30 }, timeScale: 0.01 });
  config = loadConfig({
    MONGODB_URI: process.env.MONGODB_URI!, MONGODB_DB: `test_scale_${randomUUID().slice(0, 8)}`, ...tenantEnv(emulator),
  });
  store = await openStore({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB });
  smtpPort = await freePort();
});
after(async () => {
  for (const p of processes) await p.stop();
  if (store) await dropDatabases(store).catch(() => undefined);
  await store?.close();
  await emulator?.close();
});

/** The API of one backend process, as the test helpers call it. */
function apiOf(url: string) {
  return {
    async api(user: string, method: string, path: string, body?: unknown) {
      const token = await emulator.issueUserToken(user);
      const res = await fetch(`${url}/api${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json().catch(() => null) };
    },
  };
}

/** Journal reports of mail among the tenant's users, three participants each; `archives` are their user ids. */
async function planReports(people: { upn: string; id: string }[]) {
  const planned = [];
  for (let i = 0; i < REPORTS; i++) {
    const at = (k: number) => people[(i + k) % people.length]!;
    const [from, to, bcc] = [at(0), at(1), at(3)];
    const mail = await emulator.journal.compose({ from: from.upn, to: [to.upn, 'partner@fabrikam.example'], bcc: [bcc.upn], subject: `Scale-out ${i}`, text: `Report ${i}, ${randomUUID()}` });
    planned.push({ report: mail.report, sha: sha256(mail.original), archives: [from.id, to.id, bcc.id] });
  }
  return planned;
}

/** Sends every report over four SMTP connections, retrying what got no 250 (as Exchange does). */
async function deliverAll(reports: Buffer[]): Promise<number> {
  const queue = [...reports];
  let retries = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const res = await emulator.journal.deliver(next).catch(() => ({ response: 'no answer' }));
      if (!res.response.startsWith('250')) {
        retries++;
        assert.ok(retries < REPORTS, `the gateway keeps refusing: ${res.response}`);
        queue.push(next);
      }
    }
  }));
  return retries;
}

/**
 * True when `worker` holds a mailbox of the run with more messages stored than its committed
 * counters say — or, with `midway`, with any stored: a page is now written in a few commands, so
 * the half-counted moment is short and a poll can miss it on a busy machine.
 */
async function halfArchived(runId: string, worker: BackendProcess, midway = false): Promise<boolean> {
  const jobs = await store.db.collection('jobs').find({ type: 'archive-mailbox', 'payload.runId': runId, status: 'running' }).toArray();
  for (const job of jobs.filter((j) => j.lease?.owner.split(':')[1] === String(worker.child.pid))) {
    const { mailboxId } = job.payload as { mailboxId: string };
    const counted = await store.db.collection('run_mailboxes').findOne({ runId, mailboxId });
    const stored = await store.db.collection('items').countDocuments({ 'sources.mailboxId': mailboxId });
    if (stored > (counted?.archived ?? 0) || (midway && stored > 0)) return true;
  }
  return false;
}

test('three processes on one database share a run and a journal burst; a worker killed mid-run loses nothing and nothing is done twice', { timeout: 180_000 }, async (t) => {
  // Three jobs at a time each, fewer than the run's six mailboxes: whichever worker plans the run
  // or polls first after it cannot take every mailbox, so both hold some when the kill comes.
  const common = { METRICS_TOKEN, JOB_LEASE_MS: '3000', WORKER_CONCURRENCY: '3' };
  const started = Date.now();
  const [api, workerA, workerB] = await Promise.all([
    spawnBackend(config, { ...common, WORKER_CONCURRENCY: '0' }),
    spawnBackend(config, common),
    spawnBackend(config, { ...common, SMTP_PORT: String(smtpPort), SMTP_ALLOWED_HOSTS: '127.0.0.1' }),
  ]);
  processes.push(api, workerA, workerB);
  t.diagnostic(`three processes up in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const users = emulator.tenant.listUsers().filter((u) => u.mail);
  const ADMIN = users[0]!.userPrincipalName!;
  const admin = apiOf(api.url);
  assert.equal((await admin.api(ADMIN, 'POST', '/admin/directory/sync')).status, 200);
  const mailbox = await admin.api(ADMIN, 'POST', '/admin/journal/mailboxes', { address: 'journal@archive.example' });
  assert.equal(mailbox.status, 201);
  assert.equal((await admin.api(ADMIN, 'POST', '/admin/journal/profiles', { name: 'Scale-out journal', mailbox: mailbox.body.address })).status, 201);
  emulator.journal.configure({ host: '127.0.0.1', port: smtpPort, journalAddress: mailbox.body.address, tls: 'none', connections: 4 });
  const planned = await planReports(users.map((u) => ({ upn: u.userPrincipalName!, id: u.id! })));
  let expectedGraph = 0;
  for (const u of users) expectedGraph += await mailCount({ emulator }, u.userPrincipalName!);

  // Slow downloads so that the kill lands mid-run, with work in both workers' hands.
  emulator.faults.inject({ match: { pathIncludes: '/$value' }, kind: 'slow', delayMs: 40, times: 100_000 });
  const profileId = await createProfile(admin, ADMIN, { name: 'Everyone (scale-out)', source: { kind: 'multiple-mailboxes', selection: 'all' } });
  const runStarted = Date.now();
  const runId = await startRun(admin, ADMIN, profileId);
  const burst = deliverAll(planned.map((p) => p.report));

  // The kill lands where it hurts most: A has archived pages and holds a page half archived
  // (stored, not yet committed). A's last scrape is all that is left of its counters after it.
  // After 20 s without catching that moment, a mailbox A holds midway will do.
  let lastOfA: Samples = new Map();
  const waitFrom = Date.now();
  await waitFor('worker A to hold a half-archived page', async () => {
    lastOfA = await scrapeMetrics(workerA.url, METRICS_TOKEN);
    return sampleValue(lastOfA, GRAPH) >= 10 && (await halfArchived(runId, workerA, Date.now() - waitFrom > 20_000)) ? true : undefined;
  }, 90_000, 50);
  await workerA.kill9();
  const killedAt = Date.now();
  const atKill = (await admin.api(ADMIN, 'GET', `/admin/runs/${runId}`)).body.totals?.archived ?? 0;
  assert.ok(atKill < expectedGraph, `the kill happened mid-run (${atKill} of ${expectedGraph} archived)`);
  emulator.faults.clear();

  const retries = await burst;
  const run = await waitForRun(admin, ADMIN, runId, 120_000);
  await waitFor('every journal report to be processed', async () =>
    (await store.db.collection('journal_reports').countDocuments()) >= REPORTS ? true : undefined, 120_000, 200);
  const doneAt = Date.now();

  // Exactly once: the mailbox copies, and each report filed once into each participant's archive.
  const items = await store.db.collection<{ _id: string; archiveId: string; sha256: string; sources: { kind: string }[] }>('items').find({}, { projection: { archiveId: 1, sha256: 1, sources: 1 } }).toArray();
  const keys = new Set(items.map((i) => `${i.archiveId}:${i.sha256}`));
  assert.equal(keys.size, items.length, 'no message twice in one archive');
  assert.ok(items.every((i) => i.sources.length === 1), 'each copy has one source: nothing was archived twice');
  const graphItems = items.filter((i) => i.sources[0]!.kind === 'graph').length;
  const journalItems = new Set(items.filter((i) => i.sources[0]!.kind === 'journal').map((i) => `${i.archiveId}:${i.sha256}`));
  const expectedJournal = new Set(planned.flatMap((p) => p.archives.map((a) => `${a}:${p.sha}`)));
  assert.equal(graphItems, expectedGraph, 'every mailbox message archived once');
  assert.deepEqual(journalItems, expectedJournal, 'every report filed once into each participant\'s archive');
  assert.equal(await store.db.collection('journal_reports').countDocuments(), REPORTS, 'one record per report');

  // The run's counters add up to what the archive holds, the kill notwithstanding.
  assert.equal(run.status, 'succeeded', JSON.stringify(run.mailboxes.map((m: any) => m.recentErrors)));
  assert.equal(run.mailboxes.length, users.length);
  assert.equal(run.totals.archived, expectedGraph, 'archived: each message counted once');
  assert.equal(run.totals.found, expectedGraph);
  assert.equal(run.totals.alreadyArchived, 0);
  assert.equal(run.totals.failed, 0);
  const sumOf = (k: string) => run.mailboxes.reduce((n: number, m: any) => n + m[k], 0);
  assert.equal(sumOf('archived'), run.totals.archived, 'the mailboxes add up to the run');

  // Shared: both workers archived mail and filed reports; the API-only process did neither.
  const [ofB, ofApi] = await Promise.all([scrapeMetrics(workerB.url, METRICS_TOKEN), scrapeMetrics(api.url, METRICS_TOKEN)]);
  const share = (s: Samples) => `${sampleValue(s, GRAPH)} mailbox messages, ${sampleValue(s, JOURNAL)} journal copies`;
  assert.ok(sampleValue(lastOfA, GRAPH) > 0 && sampleValue(ofB, GRAPH) > 0, 'both workers archived mailbox messages');
  assert.equal(sampleValue(ofApi, GRAPH) + sampleValue(ofApi, JOURNAL), 0, 'the API-only process archives nothing');

  t.diagnostic(`${expectedGraph} mailbox messages in ${users.length} mailboxes + ${REPORTS} journal reports (${expectedJournal.size} copies, ${retries} SMTP retries) = ${items.length} items`);
  t.diagnostic(`worker A (killed), at least (its last scrape): ${share(lastOfA)}; worker B + gateway: ${share(ofB)}; API-only: ${share(ofApi)}`);
  t.diagnostic(`killed ${((killedAt - runStarted) / 1000).toFixed(1)} s into the run at ${atKill}/${expectedGraph} archived; all done ${((doneAt - killedAt) / 1000).toFixed(1)} s after the kill`);
});

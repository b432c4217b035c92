// The gateway's promise under a crash: the backend runs as its own process, the emulator's journal
// rule blasts reports over 10 SMTP connections, the backend is killed with SIGKILL mid-burst and
// started again; the sender retries what it had no 250 for (as Exchange does). Then every report
// that got a 250 must be archived exactly once for each of its participants.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { loadConfig, type Config } from '../../backend/src/config';
import { openStore, type Store } from '../../backend/src/store';
import { DEMO_USERS, startEmulator, type EmulatorHandle } from '../../emulator/src/index';
import { freePort, spawnBackend, type BackendProcess } from '../helpers/process';
import { waitFor } from '../helpers/stack';
import { sha256 } from './helpers';
import { tenantEnv } from '../helpers/tenant-env';
import { dropDatabases } from '../helpers/db';

const PEOPLE = [DEMO_USERS.admin, DEMO_USERS.megan, DEMO_USERS.alex, DEMO_USERS.lee, DEMO_USERS.diego];
const REPORTS = 240;
const KILL_AFTER = 100;
/** The journal mailbox's address, with the random part the gateway adds. */
let MAILBOX: string;

let emulator: EmulatorHandle;
let store: Store;
let config: Config;
let env: Record<string, string>;
let backend: BackendProcess | undefined;

before(async () => {
  emulator = await startEmulator({ seed: 'demo', timeScale: 0.01 });
  const dbName = `test_journal_crash_${randomUUID().slice(0, 8)}`;
  config = loadConfig({
    MONGODB_URI: process.env.MONGODB_URI!, MONGODB_DB: dbName, ...tenantEnv(emulator),
  });
  env = { SMTP_PORT: String(await freePort()), SMTP_ALLOWED_HOSTS: '127.0.0.1', JOB_LEASE_MS: '3000', WORKER_CONCURRENCY: '8' };
  store = await openStore({ uri: config.MONGODB_URI, dbName });
});
after(async () => {
  await backend?.stop();
  if (store) await dropDatabases(store).catch(() => undefined);
  await store?.close();
  await emulator?.close();
});

async function api(url: string, method: string, path: string, body?: unknown) {
  const token = await emulator.issueUserToken(DEMO_USERS.admin.upn);
  const res = await fetch(`${url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

interface Planned {
  report: Buffer;
  original: Buffer;
  archives: string[];
}

async function plan(n: number): Promise<Planned[]> {
  const out: Planned[] = [];
  for (let i = 0; i < n; i++) {
    const from = PEOPLE[i % PEOPLE.length]!;
    const to = PEOPLE[(i + 1) % PEOPLE.length]!;
    const bcc = PEOPLE[(i + 3) % PEOPLE.length]!;
    const mail = await emulator.journal.compose({
      from: from.upn, to: [to.upn, 'partner@fabrikam.example'], bcc: [bcc.upn], subject: `Burst ${i}`, text: `Message ${i} of the burst, ${randomUUID()}`,
    });
    out.push({ report: mail.report, original: mail.original, archives: [from.id, to.id, bcc.id] });
  }
  return out;
}

/** Sends over the emulator's pooled connections until `stop()` says so; returns what got a 250. */
async function blast(reports: Planned[], stopWhen: (accepted: number) => boolean): Promise<{ accepted: Set<Planned>; unanswered: Planned[] }> {
  const accepted = new Set<Planned>();
  const unanswered: Planned[] = [];
  const queue = [...reports];
  let stopped = false;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        if (stopped) {
          unanswered.push(next);
          continue;
        }
        try {
          const res = await emulator.journal.deliver(next.report);
          if (res.response.startsWith('250')) accepted.add(next);
          else unanswered.push(next);
        } catch {
          unanswered.push(next);
        }
        if (!stopped && stopWhen(accepted.size)) stopped = true;
      }
    }),
  );
  return { accepted, unanswered };
}

test('kill -9 during a burst: every accepted report is archived exactly once per participant', { timeout: 600_000 }, async (t) => {
  backend = await spawnBackend(config, env);
  assert.equal((await api(backend.url, 'POST', '/admin/directory/sync')).status, 200);
  const mailbox = await api(backend.url, 'POST', '/admin/journal/mailboxes', { address: 'journal@archive.example' });
  assert.equal(mailbox.status, 201);
  MAILBOX = mailbox.body.address;
  assert.equal((await api(backend.url, 'POST', '/admin/journal/profiles', { name: 'Crash', mailbox: MAILBOX })).status, 201);
  emulator.journal.configure({ host: '127.0.0.1', port: Number(env.SMTP_PORT), journalAddress: MAILBOX, tls: 'none', connections: 10 });

  const reports = await plan(REPORTS);
  let killing: Promise<void> | undefined;
  const first = await blast(reports, (accepted) => {
    if (accepted >= KILL_AFTER) killing ??= backend!.kill9();
    return accepted >= KILL_AFTER;
  });
  await killing;
  assert.ok(first.accepted.size >= KILL_AFTER, `accepted ${first.accepted.size} before the kill`);

  // Restart on the same database; the sender retries everything it has no 250 for.
  backend = await spawnBackend(config, env);
  emulator.journal.configure({ host: '127.0.0.1', port: Number(env.SMTP_PORT), journalAddress: MAILBOX, tls: 'none', connections: 10 });
  const second = await blast(first.unanswered, () => false);
  assert.equal(second.unanswered.length, 0, 'after the restart every report is accepted');
  const acceptedAll = [...first.accepted, ...second.accepted];
  assert.equal(acceptedAll.length, REPORTS);

  // Processed means recorded and marked done; the sweep that deletes done reports from the spool
  // runs once a minute and is not what this test is about.
  const restarted = Date.now();
  let seen = '';
  await waitFor('every accepted report to be processed', async () => {
    const done = new Set((await store.db.collection<{ _id: string }>('journal_spool_done').find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
    const waiting = (await store.db.collection<{ _id: string }>('journal_spool').find({}, { projection: { _id: 1 } }).toArray()).filter((d) => !done.has(d._id)).length;
    const records = await store.db.collection('journal_reports').countDocuments();
    seen = `${records} records, ${waiting} spooled reports not done`;
    return records >= REPORTS && waiting === 0 ? true : undefined;
  }, 300_000, 500).catch(async (err: Error) => {
    const done = new Set((await store.db.collection<{ _id: string }>('journal_spool_done').find({}).toArray()).map((d) => d._id));
    const stuck = (await store.db.collection<{ _id: string; jobKey: string }>('journal_spool').find({}, { projection: { raw: 0 } }).toArray()).filter((d) => !done.has(d._id));
    const keys = [...new Set(stuck.map((d) => d.jobKey))];
    const jobs = await store.db.collection('jobs').find({ _id: { $in: keys as never[] } }, { projection: { payload: 0 } }).toArray();
    const active = await store.db.collection('job_active').find({ _id: { $in: keys as never[] } }).toArray();
    throw new Error(`${err.message}; last seen: ${seen}; their jobs: ${JSON.stringify({ keys, jobs, active })}`);
  });
  t.diagnostic(`all ${REPORTS} reports processed ${((Date.now() - restarted) / 1000).toFixed(1)} s after the restarted burst`);

  // Exactly once: one item per (archive, original), one source each, and nothing else in any archive.
  const expected = new Map<string, Set<string>>();
  for (const p of acceptedAll) for (const a of p.archives) (expected.get(a) ?? expected.set(a, new Set()).get(a)!).add(sha256(p.original));
  const items = await store.db.collection<{ _id: string; archiveId: string; sha256: string; sources: unknown[] }>('items').find({}).toArray();
  const found = new Map<string, string[]>();
  for (const item of items) (found.get(item.archiveId) ?? found.set(item.archiveId, []).get(item.archiveId)!).push(item.sha256);
  for (const [archiveId, shas] of expected) {
    const got = found.get(archiveId) ?? [];
    assert.equal(got.length, shas.size, `archive ${archiveId}: ${got.length} items for ${shas.size} messages`);
    assert.deepEqual(new Set(got), shas);
  }
  assert.equal(found.size, expected.size, 'no archive beyond the participants\'');
  assert.ok(items.every((i) => i.sources.length === 1), 'each copy has one source: no report was filed twice');
  assert.equal(await store.db.collection('journal_reports').countDocuments(), REPORTS, 'one record per report');
});

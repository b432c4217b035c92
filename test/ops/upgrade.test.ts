import '../helpers/no-corpus';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import type { mongo } from 'mongoose';
import { createLogger } from '../../backend/src/log';
import { verifyArchive } from '../../backend/src/operations/verify';
import { openStore } from '../../backend/src/store';
import { restoreStore } from '../../backend/src/store/backup';
import { claimNext, enqueue } from '../../backend/src/store/jobs';
import { CODE_SCHEMA, type Migration } from '../../backend/src/store/migrations';
import { registerProcess } from '../../backend/src/store/migrations/processes';
import { initSchema, readSchema, setUpgrading } from '../../backend/src/store/migrations/schema';
import { upgradeDatabase } from '../../backend/src/upgrade';
import { FIXTURE_PROFILE, FIXTURE_SEED } from '../fixtures/upgrade/make-fixture';
import { testStore } from '../helpers/db';
import { configEnv, SOURCE_MAIN, spawnBackend } from '../helpers/process';
import { startStack, waitFor, type Stack } from '../helpers/stack';
import { runProfile } from '../archiving/helpers';

const FIXTURE = new URL('../fixtures/upgrade/f701317', import.meta.url).pathname;
const log = createLogger('silent');
const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const done of cleanup.reverse()) await done().catch(() => undefined);
});

/** The previous release's database, restored under a fresh name. */
async function restoredFixture(): Promise<string> {
  const dbName = `test_upgrade_${randomUUID().slice(0, 8)}`;
  const store = await openStore({ uri: process.env.MONGODB_URI!, dbName });
  try {
    await restoreStore(store, FIXTURE);
  } finally {
    await store.close();
  }
  return dbName;
}

/**
 * The fixture's Graph was an emulator on a port of the day it was made; Graph's address does not
 * change in production, so the delta links the old release saved are pointed at today's emulator.
 * Their tokens were signed by that other emulator, so Graph answers 410 syncStateNotFound, which
 * makes the next run sync every folder again from the start, as after a reset in Exchange.
 */
async function pointSyncLinksAt(db: mongo.Db, graphBaseUrl: string): Promise<void> {
  const origin = new URL(graphBaseUrl).origin;
  const rebase = (link: unknown) => (typeof link === 'string' ? origin + link.slice(new URL(link).origin.length) : link);
  for (const [name, fields] of [['mailbox_sync', ['folderDeltaLink']], ['folder_sync', ['link']]] as const) {
    for (const doc of await db.collection(name).find({}).toArray()) {
      const set = Object.fromEntries(fields.map((f) => [f, rebase(doc[f])]));
      await db.collection(name).updateOne({ _id: doc._id }, { $set: set });
    }
  }
}

test('a database the previous release wrote is upgraded at start-up: version recorded, messages parsed again, nothing lost, runs go on', { timeout: 300_000 }, async () => {
  const dbName = await restoredFixture();
  const stack: Stack = await startStack({ seed: FIXTURE_SEED, dbName, workers: 2 });
  cleanup.push(() => stack.close());
  const admin = stack.emulator.tenant.listUsers()[0]!.userPrincipalName!;
  const db = stack.store.db;
  const items = await db.collection('items').countDocuments();
  assert.ok(items > 0);

  const schema = (await readSchema(db))!;
  assert.equal(schema.version, CODE_SCHEMA);
  assert.equal(schema.upgrading, null);
  assert.deepEqual(schema.history.map((h) => h.version), [1, 2, 3, 4, 5], 'found at version 1 (no version document), migrated to 2, 3, 4, then 5');
  if (stack.store.searchDb !== db) {
    const left = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => /^(sx|search)_/.test(n));
    assert.deepEqual(left, [], "version 4 moved FerretDB's search index into its own database");
  }
  // Version 2 queued a reindex: every message parsed again by today's parser.
  await waitFor('the reindex the upgrade queued', async () => {
    const status = (await stack.api(admin, 'GET', '/admin/reindex')).body.reindex;
    return status?.status === 'succeeded' ? status : undefined;
  }, 120_000);
  assert.equal(await db.collection('messages').countDocuments({ parserVersion: { $exists: false } }), 0);

  const verified = await verifyArchive(stack.store);
  assert.deepEqual([verified.checked, verified.damaged, verified.missing], [verified.blobs, [], []], 'every stored message reads back against its SHA-256');
  const grants = await stack.api(admin, 'GET', '/admin/grants');
  assert.equal(grants.body.value.length, 1, 'the grant made by the previous release holds');
  const subject = (await db.collection<{ subject: string }>('items').findOne({}))!.subject.split(/\W+/).find((w) => w.length > 4)!;
  const found = await stack.api(admin, 'GET', `/search?archive=all&q=${encodeURIComponent(subject)}`);
  assert.ok(found.body.value.length > 0, `a search finds "${subject}"`);

  await pointSyncLinksAt(db, stack.emulator.graphBaseUrl);
  const profile = (await stack.api(admin, 'GET', '/admin/profiles')).body.value.find((p: any) => p.name === FIXTURE_PROFILE);
  const run = await runProfile(stack, profile.id, admin);
  assert.equal(run.status, 'succeeded', JSON.stringify(run));
  assert.ok(run.totals.found > 0, 'the run walked the mailboxes again');
  assert.deepEqual([run.totals.archived, run.totals.alreadyArchived], [0, run.totals.found], 'and found everything archived already');
  assert.equal(await db.collection('items').countDocuments(), items, 'nothing archived twice');
});

test('an older process refuses a newer database at start, and a running one stops once a newer release begins to upgrade', { timeout: 120_000 }, async () => {
  const stack = await startStack({ seed: 'demo', workers: 0 });
  cleanup.push(() => stack.close());
  const db = stack.store.db;
  await setUpgrading(db, CODE_SCHEMA + 1);
  const refused = spawn(process.execPath, SOURCE_MAIN, { env: { ...process.env, ...configEnv(stack.config), PORT: '0', LOG_LEVEL: 'silent' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  refused.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => refused.once('exit', resolve));
  assert.equal(code, 3, stderr);
  assert.match(stderr, new RegExp(`schema ${CODE_SCHEMA + 1}.*knows schema ${CODE_SCHEMA}`));

  await setUpgrading(db, null);
  const running = await spawnBackend(stack.config, { WORKER_CONCURRENCY: '2' });
  cleanup.push(() => running.stop());
  const registered = await waitFor('the process to register', async () => (await db.collection('processes').findOne({ pid: running.child.pid })) ?? undefined);
  assert.equal(registered.schema, CODE_SCHEMA);
  const exited = new Promise<number | null>((resolve) => running.child.once('exit', resolve));
  await setUpgrading(db, CODE_SCHEMA + 1);
  assert.equal(await exited, 3, 'it stops on its own, with the exit code that says why');
  assert.equal(await db.collection('processes').countDocuments({ pid: running.child.pid }), 0, 'and leaves the registry');
});

/** Migrations that count their runs, the first failing once after saving its place. */
function countingMigrations(runs: Map<number, number>, seen: unknown[]): Migration[] {
  const step = (version: number, up: Migration['up']): Migration => ({ version, name: `test step ${version}`, up: async (ctx) => (runs.set(version, (runs.get(version) ?? 0) + 1), up(ctx)) });
  return [
    step(2, async (ctx) => {
      seen.push(ctx.saved.done);
      if (ctx.saved.done === undefined) {
        await ctx.progress({ done: 50 });
        throw new Error('the database went away half-way');
      }
    }),
    step(3, async () => undefined),
  ];
}

test('the upgrade waits for live older processes, runs each migration once across processes, and resumes where it failed', { timeout: 120_000 }, async () => {
  const store = await testStore();
  cleanup.push(() => store.drop());
  const { db } = store;
  await initSchema(db, 1, 'a test database', 'test');
  // A process of older code that is alive, and a job lease renewed by an owner that never registered (the first release).
  await registerProcess(db, { _id: 'old-host:1:aaaaaa', host: 'old-host', pid: 1, release: '0.0.9', schema: 1, roles: ['workers'] });
  await enqueue(store, { type: 'archive-mailbox', key: 'held-by-the-first-release' });
  await claimNext(store, 'first-release-host:2:bbbbbb', ['archive-mailbox'], 3_000);

  for (const id of ['new-a', 'new-b']) await registerProcess(db, { _id: id, host: 'new-host', pid: 2, release: 'next', schema: 3, roles: ['workers'] });
  const runs = new Map<number, number>();
  const seen: unknown[] = [];
  const migrations = countingMigrations(runs, seen);
  const opts = { store, log, migrations, leaseMs: 2_000, pollMs: 100, staleMs: 2_000 };
  const started = Date.now();
  const upgrades = Promise.all([upgradeDatabase({ ...opts, processId: 'new-a' }), upgradeDatabase({ ...opts, processId: 'new-b' })]);
  await waitFor('the upgrade to mark the database', async () => ((await readSchema(db))?.upgrading === 3 ? true : undefined));
  assert.equal(runs.size, 0, 'no migration while older processes live');
  const results = await upgrades;
  assert.ok(Date.now() - started >= 2_000, 'it waited for the old process to fall silent and the old lease to expire');
  assert.deepEqual(results, [{ from: 1, to: 3 }, { from: 1, to: 3 }]);
  assert.deepEqual([...runs], [[2, 2], [3, 1]], 'version 2 failed once and ran again, version 3 once, whichever process ran them');
  assert.deepEqual(seen, [undefined, 50], 'the second attempt resumed from the saved place');
  const schema = (await readSchema(db))!;
  assert.deepEqual([schema.version, schema.upgrading, schema.history.map((h) => h.version)], [3, null, [1, 2, 3]]);
});

test('a new, empty database starts at the current schema with no migration run', async () => {
  const store = await testStore();
  cleanup.push(() => store.drop());
  const done = await upgradeDatabase({ store, log, processId: 'fresh' });
  assert.deepEqual(done, { from: CODE_SCHEMA, to: CODE_SCHEMA });
  assert.equal((await readSchema(store.db))!.history.length, 1);
  assert.equal((await store.db.collection('jobs').countDocuments()), 0, 'no reindex queued for a database with nothing in it');
});

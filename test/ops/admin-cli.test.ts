import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { openStore, type Store } from '../../backend/src/store';
import { CODE_SCHEMA } from '../../backend/src/store/migrations';
import { dropDatabases } from '../helpers/db';

/**
 * The operator's procedure of README "Running in production", through `npm run admin` as an
 * operator types it: restore a backup into a new database, upgrade it, verify it, back it up and
 * restore that copy elsewhere. The backup restored first is the previous release's database
 * (test/fixtures/upgrade). None of these commands talks to Microsoft, so the tenant is a made-up one.
 */
const FIXTURE = new URL('../fixtures/upgrade/f701317', import.meta.url).pathname;
const root = path.resolve(import.meta.dirname, '../..');
const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const done of cleanup.reverse()) await done().catch(() => undefined);
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function admin(dbName: string, ...args: string[]): Promise<Result> {
  const env = {
    ...process.env,
    MONGODB_DB: dbName,
    TENANT_ID: randomUUID(),
    CLIENT_ID: randomUUID(),
    CLIENT_SECRET: 'not used by these commands',
    LOG_LEVEL: 'warn',
  };
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(root, 'backend/src/cli/admin.ts'), ...args], { env, cwd: root }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
    );
  });
}

async function database(): Promise<{ name: string; store: () => Promise<Store> }> {
  const name = `test_cli_${randomUUID().slice(0, 8)}`;
  let opened: Store | undefined;
  cleanup.push(async () => {
    const store = opened ?? (await openStore({ uri: process.env.MONGODB_URI!, dbName: name }));
    await dropDatabases(store);
    await store.close();
  });
  return { name, store: async () => (opened ??= await openStore({ uri: process.env.MONGODB_URI!, dbName: name })) };
}

/** Documents per collection, of the main database and the search index's: what a faithful copy must hold again. */
async function counts(store: Store): Promise<Record<string, number>> {
  const out: [string, number][] = [];
  for (const [label, db] of [['', store.db], ['search:', store.searchDb]] as const) {
    if (label && db === store.db) continue;
    for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) out.push([label + name, await db.collection(name).countDocuments()]);
  }
  return Object.fromEntries(out.sort(([a], [b]) => a.localeCompare(b)));
}

test('restore, migrate, verify, backup and restore again with the admin CLI: the copy holds every document and reads back whole', { timeout: 240_000 }, async () => {
  const first = await database();
  const restored = await admin(first.name, 'restore', FIXTURE);
  assert.equal(restored.code, 0, restored.stderr);

  const older = await admin(first.name, 'verify');
  assert.equal(older.code, 3, 'a command that reads the archive refuses a database of an older schema');
  assert.match(older.stderr, new RegExp(`schema 1 and this release needs ${CODE_SCHEMA}.*migrate`));

  const migrated = await admin(first.name, 'migrate');
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.match(migrated.stdout, new RegExp(`upgraded from schema 1 to ${CODE_SCHEMA}`));

  const verified = await admin(first.name, 'verify', '--json');
  assert.equal(verified.code, 0, verified.stderr);
  const report = JSON.parse(verified.stdout) as { blobs: number; checked: number; damaged: string[]; missing: string[] };
  assert.ok(report.blobs > 0);
  assert.deepEqual([report.checked, report.damaged, report.missing], [report.blobs, [], []], 'every stored message reads back against its SHA-256');

  const runs = await admin(first.name, 'runs', '--json');
  assert.deepEqual(JSON.parse(runs.stdout).map((r: { status: string }) => r.status), ['succeeded'], 'the old release\'s run is listed');

  const dir = await mkdtemp(path.join(tmpdir(), 'archive-backup-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const backedUp = await admin(first.name, 'backup', dir);
  assert.equal(backedUp.code, 0, backedUp.stderr);
  assert.match(backedUp.stdout, new RegExp(`\\(schema ${CODE_SCHEMA}\\)`));

  const source = await first.store();
  const indexPrefix = source.searchDb === source.db ? 'sx_' : 'search:sx_';
  assert.ok(Object.keys(await counts(source)).some((n) => n.startsWith(indexPrefix)), `the index is in ${indexPrefix === 'sx_' ? 'the database' : 'a database of its own'}, and so in the copy`);

  const second = await database();
  const again = await admin(second.name, 'restore', dir);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(await counts(await second.store()), await counts(await first.store()), 'the same documents in every collection');
  assert.equal((await admin(second.name, 'verify')).code, 0, 'the copy verifies');

  const over = await admin(second.name, 'restore', dir);
  assert.notEqual(over.code, 0, 'a restore never writes over an archive');
  assert.match(over.stderr, /not empty.*hold documents/);
});

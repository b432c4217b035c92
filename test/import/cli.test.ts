import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { DEMO_USERS } from '../../emulator/src/index';
import { corpusFiles, corpusDir } from '../helpers/corpus';
import { configEnv } from '../helpers/process';
import { startStack, waitFor, type Stack } from '../helpers/stack';
import { sha256, tempDir } from './helpers';

const root = resolve(import.meta.dirname, '../..');
const MEGAN = DEMO_USERS.megan;
let stack: Stack;

before(async () => {
  stack = await startStack({ seed: 'demo', workers: 0 });
  await stack.api(DEMO_USERS.admin.upn, 'POST', '/admin/directory/sync');
});
after(() => stack?.close());

function cli(args: string[]) {
  const env = { ...process.env, ...configEnv(stack.config), JOB_LEASE_MS: '1500' };
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'backend/src/import/cli.ts'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  const ended = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  // A CLI that never ends fails the test with what it printed, instead of hanging the run.
  const exited = Promise.race([
    ended,
    new Promise<never>((_, reject) => setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`the CLI did not finish:\n${output}`))), 120_000).unref()),
  ]);
  return { child, exited, output: () => output };
}

test('the CLI imports an mbox with a progress bar; killed half-way, --resume finishes it without importing anything twice', async (t) => {
  if (!corpusDir()) return t.skip('no corpus');
  const dir = tempDir(t);
  const messages = corpusFiles('lore-linux-s390').slice(300, 700).map((f) => readFileSync(f));
  writeFileSync(join(dir, 'list.mbox'), Buffer.concat(messages.map((m) => Buffer.concat([Buffer.from('From x@example.com Thu Jan  1 00:00:00 2004\n'), Buffer.from(m.toString('latin1').replace(/^(>*From )/gm, '>$1'), 'latin1'), Buffer.from('\n')]))));

  const first = cli(['--archive', MEGAN.upn, '--folder-prefix', 'Lists', join(dir, 'list.mbox')]);
  const id = await waitFor('the CLI to report its import id', async () => /import ([0-9a-f-]{36})/.exec(first.output())?.[1], 60_000);
  await waitFor('some messages to be imported', async () => ((await stack.store.db.collection('import_progress').findOne({ _id: id as never }))?.archived > 0 ? true : undefined), 60_000, 50);
  first.child.kill('SIGKILL');
  await first.exited;
  const atKill = (await stack.store.db.collection('import_progress').findOne({ _id: id as never }))!;
  assert.ok(atKill.archived < 400, 'killed before the end');

  const second = cli(['--resume', id]);
  assert.equal(await second.exited, 0, second.output());
  assert.match(second.output(), /\[#+\] 100% done 4\d\d archived|\[#{24}\] 100% done/);
  const done = (await stack.store.db.collection('import_progress').findOne({ _id: id as never }))!;
  assert.equal(done.state, 'done');
  assert.equal(done.archived + done.duplicate, 400);
  const distinct = new Set(messages.map(sha256)).size;
  assert.equal(await stack.store.db.collection('items').countDocuments({ archiveId: MEGAN.id, folder: 'Lists' }), distinct);
  assert.equal(done.archived, distinct, 'every message counted once as archived');
});

test('the CLI refuses an unknown archive and explains its usage', async () => {
  const usage = cli([]);
  assert.equal(await usage.exited, 2);
  assert.match(usage.output(), /usage: npm run import -- --archive/);
  const unknown = cli(['--archive', 'nobody@contoso.example', '/tmp']);
  assert.equal(await unknown.exited, 2);
  assert.match(unknown.output(), /no archive for "nobody@contoso.example"/);
});

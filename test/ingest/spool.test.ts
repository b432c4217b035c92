import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { spool } from '../../backend/src/ingest/spool';
import { ingestTempDir, sweepIngestTemp } from '../../backend/src/ingest/temp-files';
import { waitFor } from '../helpers/stack';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spool-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function chunks(count: number, size: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.alloc(size, i % 251));
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream as AsyncIterable<Buffer>) parts.push(part);
  return Buffer.concat(parts);
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

test('a small message is hashed, sized and re-readable from memory, without a temporary file', async () => {
  const parts = chunks(3, 1000);
  const s = await spool(Readable.from(parts), { tmpDir: dir });
  const whole = Buffer.concat(parts);
  assert.equal(s.sha256, sha256(whole));
  assert.equal(s.size, 3000);
  assert.deepEqual(await readAll(s.open()), whole);
  assert.deepEqual(await readAll(s.open()), whole, 'opens as often as needed');
  assert.deepEqual(await readdir(dir), []);
  await s.dispose();
});

test('a message above the memory limit spills to a file that dispose removes', async () => {
  const parts = chunks(40, 64 * 1024);
  const s = await spool(Readable.from(parts), { tmpDir: dir, memoryLimit: 256 * 1024 });
  const whole = Buffer.concat(parts);
  assert.equal(s.sha256, sha256(whole));
  assert.equal(s.size, whole.length);
  assert.equal((await readdir(dir)).length, 1);
  assert.deepEqual(await readAll(s.open()), whole);
  await s.dispose();
  assert.deepEqual(await readdir(dir), []);
});

test('an empty message has the SHA-256 of nothing', async () => {
  const s = await spool(Readable.from([]), { tmpDir: dir });
  assert.equal(s.size, 0);
  assert.equal(s.sha256, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal((await readAll(s.open())).length, 0);
  await s.dispose();
});

test('a message over maxBytes is refused with MESSAGE_TOO_LARGE and leaves no file behind', async () => {
  const input = Readable.from(chunks(40, 64 * 1024));
  await assert.rejects(spool(input, { tmpDir: dir, memoryLimit: 128 * 1024, maxBytes: 1024 * 1024 }), { code: 'MESSAGE_TOO_LARGE' });
  assert.ok(input.destroyed, 'the source is not read any further');
  assert.deepEqual(await readdir(dir), []);
});

test('a failing source fails the spool and leaves no file behind', async () => {
  async function* broken() {
    yield Buffer.alloc(300 * 1024);
    throw new Error('connection reset');
  }
  await assert.rejects(spool(Readable.from(broken()), { tmpDir: dir, memoryLimit: 128 * 1024 }), /connection reset/);
  assert.deepEqual(await readdir(dir), []);
});

test('a spill file left by a process killed with kill -9 is removed by the next start; a running process keeps its own', async () => {
  const root = await mkdtemp(join(dir, 'sweep-'));
  // A real process spooling a message larger than its memory limit, killed mid-download.
  const code = `
    import { PassThrough } from 'node:stream';
    import { spool } from ${JSON.stringify(resolve(import.meta.dirname, '../../backend/src/ingest/spool.ts'))};
    const input = new PassThrough();
    spool(input, { tmpDir: process.env.SPOOL_ROOT, memoryLimit: 1024 });
    input.write(Buffer.alloc(256 * 1024, 7));
    setInterval(() => undefined, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env: { ...process.env, SPOOL_ROOT: root }, stdio: 'inherit' });
  // The file, not just its folder: the folder is made first, and a kill between the two left no file (a flaky run).
  const spillFile = async () => {
    const [folder] = await readdir(root);
    return folder && (await readdir(join(root, folder))).includes('message.eml') ? folder : undefined;
  };
  const left = await waitFor('the spill file', spillFile, 30_000);
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.ok((await readdir(join(root, left))).includes('message.eml'), 'the killed process could not clean up');
  const mine = await ingestTempDir('message', root);

  assert.equal(await sweepIngestTemp(root), 1);
  assert.deepEqual(await readdir(root), [mine.slice(root.length + 1)]);
});

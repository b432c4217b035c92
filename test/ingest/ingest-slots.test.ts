import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { DEFAULT_INGEST_CONCURRENCY, ingestMessage, setIngestConcurrency } from '../../backend/src/ingest';
import { MemoryBudget, spool } from '../../backend/src/ingest/spool';
import type { BlobStore } from '../../backend/src/store/blobs';
import { testStore, type TestStore } from '../helpers/db';

let store: TestStore;
let dir: string;
before(async () => {
  store = await testStore();
  dir = await mkdtemp(join(tmpdir(), 'ingest-slots-'));
});
after(async () => {
  setIngestConcurrency(DEFAULT_INGEST_CONCURRENCY);
  await rm(dir, { recursive: true, force: true });
  await store?.drop();
});

test('ingests beyond the process limit wait for a slot instead of all writing at once', async () => {
  setIngestConcurrency(2);
  let active = 0;
  let peak = 0;
  // The real store's methods (a class: a spread would drop them), with encoding counted.
  const blobs: BlobStore = Object.assign(Object.create(store.blobs) as BlobStore, {
    encodeSmall: async (...args: Parameters<BlobStore['encodeSmall']>) => {
      peak = Math.max(peak, ++active);
      try {
        await sleep(30);
        return await store.blobs.encodeSmall(...args);
      } finally {
        active -= 1;
      }
    },
  });
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      ingestMessage({ ...store, blobs }, {
        archiveId: 'slots',
        folder: 'Inbox',
        source: { kind: 'import', file: `m${i}.eml` },
        content: Readable.from([Buffer.from(`Subject: slot ${i}\r\n\r\nbody ${i}\r\n`)]),
      }),
    ),
  );
  assert.deepEqual(results.map((r) => r.status), Array(8).fill('archived'));
  assert.equal(peak, 2);
  setIngestConcurrency(DEFAULT_INGEST_CONCURRENCY);
});

test('spools share one memory budget: past it they spill to disk, and give it back when disposed', async () => {
  const budget = new MemoryBudget(100 * 1024);
  const message = () => Readable.from([Buffer.alloc(40 * 1024, 1), Buffer.alloc(40 * 1024, 2)]);
  const first = await spool(message(), { tmpDir: dir, budget });
  assert.equal(budget.inUse, 80 * 1024);
  assert.deepEqual(await readdir(dir), [], 'the first fits in memory');
  const second = await spool(message(), { tmpDir: dir, budget });
  assert.equal((await readdir(dir)).length, 1, 'the second spills');
  assert.equal(budget.inUse, 80 * 1024, 'a spilled spool holds no budget');
  assert.equal(second.size, 80 * 1024);
  await first.dispose();
  await second.dispose();
  assert.equal(budget.inUse, 0);
  assert.deepEqual(await readdir(dir), []);
  const third = await spool(message(), { tmpDir: dir, budget });
  assert.deepEqual(await readdir(dir), [], 'memory again once the others are gone');
  await third.dispose();
});

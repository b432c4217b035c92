import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_INGEST_CONCURRENCY, setIngestConcurrency } from '../../backend/src/ingest';
import { startStack, waitFor, type Stack } from '../helpers/stack';
import { folderRun } from './helpers';

let stack: Stack;
before(async () => {
  stack = await startStack({ seed: { users: 1, messagesPerUser: 1 }, workers: 0 });
});
after(async () => {
  setIngestConcurrency(DEFAULT_INGEST_CONCURRENCY);
  await stack?.close();
});

test('a mailbox keeps downloading while its messages wait to be stored: the Graph slot covers the download only', async () => {
  const run = await folderRun(stack, 'slots', 20, { config: { INGEST_CONCURRENCY: 1 } });
  // Storing is stuck until released; the process stores one message at a time.
  let release = () => {};
  const stuck = new Promise<void>((resolve) => (release = resolve));
  let storing = 0;
  // A page's small messages are encoded one by one, then written together (store/blobs.ts encodeSmall).
  const { encodeSmall } = run.deps.store.blobs;
  run.deps.store.blobs.encodeSmall = async (...args) => {
    storing += 1;
    await stuck;
    return encodeSmall.apply(run.deps.store.blobs, args);
  };
  stack.emulator.stats.reset();
  const crawl = run.attempt(new AbortController().signal);
  // Four requests in flight per mailbox: with the slots held through storing, downloads would stop at four.
  await waitFor('downloads beyond the four Graph slots while storing is stuck', async () => (stack.emulator.stats.requests({ pathIncludes: '/$value' }) >= 8 ? true : undefined), 15_000, 50);
  assert.equal(storing, 1, 'one message is being stored (INGEST_CONCURRENCY 1)');
  release();
  await crawl;
  assert.deepEqual(await run.counts(), { status: 'done', found: 20, archived: 20, alreadyArchived: 0, failed: 0, items: 20, pending: 0, errors: [] });
});

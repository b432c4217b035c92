import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readIndexState, reserveBatch } from '../../backend/src/search/index-manifest';
import { clearIndexCache, compactIndex, indexBatch, indexCtx, type IndexEntry } from '../../backend/src/search/index-store';
import { getDoc, insertDoc, metaPart } from '../../backend/src/store/postings';
import { parseQuery } from '../../backend/src/search/query';
import { searchIndex } from '../../backend/src/search/service';
import { testStore, watchedStore, type TestStore, dropSearchIndex } from '../helpers/db';

/**
 * Batch numbers of an archive's index are reserved by insert (index-manifest.ts): they must stay
 * distinct and gapless (a reader finds batches by probing upwards until one is missing), whoever
 * reserves them and whatever a merge pruned meanwhile.
 */
const stores: TestStore[] = [];
after(async () => {
  for (const s of stores) await s.drop();
});

const pad = (n: number) => String(n).padStart(10, '0');

function entry(i: number): IndexEntry {
  return {
    sha256: i.toString(16).padStart(64, '0'), receivedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)), folder: 'Inbox', size: 100, hasAttachments: false,
    subject: `note ${i}`, from: { name: 'Megan', address: 'megan@contoso.com' }, moreFrom: [], to: [], attachmentNames: [], body: `body number ${i}`, alternativeText: '', attachmentText: [],
  };
}

async function assertGapless(store: TestStore, archiveId: string, numbers: number[]): Promise<void> {
  const ctx = await indexCtx(store, archiveId);
  const w = (await readIndexState(ctx, { exact: true })).manifest.w;
  const sorted = [...numbers].sort((a, b) => a - b);
  assert.equal(new Set(sorted).size, sorted.length, `distinct: ${sorted.join(', ')}`);
  for (const n of sorted) {
    assert.ok(n > w, `${n} is above the watermark ${w}`);
    const below = n - 1;
    assert.ok(below <= w || (await getDoc(store, metaPart(ctx.layout, ctx.key), `r|${pad(below)}`)), `the number below ${n} is reserved or merged`);
  }
}

test('batch numbers stay distinct and gapless when writers of one process race for them', async () => {
  const store = await testStore('index_reserve_race');
  stores.push(store);
  const ctx = await indexCtx(store, 'race');
  const first = await reserveBatch(ctx);
  const raced = await Promise.all(Array.from({ length: 12 }, () => reserveBatch(ctx)));
  assert.deepEqual([...raced].sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => first + 1 + i));
  await assertGapless(store, 'race', [first, ...raced]);
});

test('a number another process reserved after this one\'s last is skipped, without a gap', async () => {
  const store = await testStore('index_reserve_other');
  stores.push(store);
  const ctx = await indexCtx(store, 'other');
  const mine = await reserveBatch(ctx);
  const meta = metaPart(ctx.layout, ctx.key);
  // Another process's writers, which this process's hint does not know about.
  for (const n of [mine + 1, mine + 2, mine + 3]) assert.ok(await insertDoc(store, meta, { _id: `r|${pad(n)}`, at: new Date() }));
  const next = await reserveBatch(ctx);
  assert.equal(next, mine + 4);
  await assertGapless(store, 'other', [mine, mine + 1, mine + 2, mine + 3, next]);
});

test('an index dropped and rebuilt numbers its batches from 1 again, though this process knew higher numbers', async () => {
  const store = await testStore('index_reserve_dropped');
  stores.push(store);
  const ctx = await indexCtx(store, 'dropped');
  for (let n = 0; n < 4; n++) await reserveBatch(ctx);
  await dropSearchIndex(store);
  assert.equal(await reserveBatch(ctx), 1);
});

test('after merges folded in and pruned this process\'s last number, the next one is above the watermark', async () => {
  const store = await testStore('index_reserve_merged');
  stores.push(store);
  for (let round = 0; round < 3; round++) {
    await indexBatch(store, 'merged', [entry(round * 2), entry(round * 2 + 1)]);
    await compactIndex(store, 'merged', { force: true });
  }
  const ctx = await indexCtx(store, 'merged');
  const state = await readIndexState(ctx, { exact: true });
  assert.ok(state.manifest.w >= 3, `the watermark passed the batches: ${state.manifest.w}`);
  const next = await reserveBatch(ctx);
  await assertGapless(store, 'merged', [next]);
});

test('reserving the next number costs three commands (one read before the insert, one after), however many batches came before', async () => {
  const store = await testStore('index_reserve_cost');
  stores.push(store);
  const { store: watched, commands } = await watchedStore(store.dbName);
  try {
    const ctx = await indexCtx(watched, 'cost');
    for (let n = 0; n < 5; n++) await reserveBatch(ctx);
    commands.length = 0;
    await reserveBatch(ctx);
    assert.deepEqual(commands.map((c) => c.split(' ')[0]).sort(), ['find', 'find', 'insert']);
  } finally {
    await watched.close();
  }
});

test('the batches above the manifest are read in a few commands: none per batch its own process wrote, one per four elsewhere', async () => {
  const store = await testStore('index_state_cost');
  stores.push(store);
  for (let i = 0; i < 10; i++) await indexBatch(store, 'cost', [entry(i)]);
  const { store: watched, commands } = await watchedStore(store.dbName);
  try {
    const ctx = await indexCtx(watched, 'cost');
    const metaReads = async () => {
      commands.length = 0;
      assert.equal((await readIndexState(ctx, { exact: true })).batches.length, 10);
      return commands.filter((c) => /^find \S*_meta$/.test(c)).length;
    };
    // The writer's process knows its reservations and commits: the head, the next version, the next number.
    assert.equal(await metaReads(), 3);
    // Another process (nothing cached): reservations probed four at a time, the ten commits in one read.
    clearIndexCache();
    assert.ok((await metaReads()) <= 7, 'at most the head, the next version, four probes and the commits');
  } finally {
    await watched.close();
  }
});

test('searches of one archive at once share one read of its manifest, and still see what this process indexed just before', async () => {
  const store = await testStore('index_state_shared');
  stores.push(store);
  await indexBatch(store, 'shared', [entry(0), entry(1)]);
  const { store: watched, commands } = await watchedStore(store.dbName);
  try {
    await searchIndex(watched, ['shared'], parseQuery('body')); // warms the caches
    commands.length = 0;
    const results = await Promise.all(Array.from({ length: 12 }, () => searchIndex(watched, ['shared'], parseQuery('body'))));
    assert.ok(results.every((r) => r.total === 2));
    const metaReads = commands.filter((c) => /^find \S*_meta$/.test(c)).length;
    assert.ok(metaReads <= 3, `12 searches at once read the manifest ${metaReads} times`);

    // Searches keep running while messages are indexed one by one: each is found right after.
    let stop = false;
    const background = Array.from({ length: 4 }, async () => {
      while (!stop) await searchIndex(watched, ['shared'], parseQuery('body'));
    });
    try {
      for (let i = 2; i < 12; i++) {
        await indexBatch(watched, 'shared', [entry(i)]);
        assert.equal((await searchIndex(watched, ['shared'], parseQuery(`"number ${i}"`))).total, 1, `message ${i} is found once indexed`);
      }
    } finally {
      stop = true;
      await Promise.all(background);
    }
  } finally {
    await watched.close();
  }
});

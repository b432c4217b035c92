import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { PrefixTooBroadError } from '../../backend/src/search/index-bucketed';
import { readIndexState } from '../../backend/src/search/index-manifest';
import { compactIndex, indexBatch, indexCtx, type IndexEntry } from '../../backend/src/search/index-store';
import { parseQuery } from '../../backend/src/search/query';
import { searchIndex } from '../../backend/src/search/service';
import { testStore, type TestStore } from '../helpers/db';

/**
 * A prefix is refused as too broad by the number of words it stands for, the same at any archive
 * size: at a million messages the posting lists of a few hundred words fill hundreds of buckets,
 * and counting buckets refused there ('kvm*', 1,341 words of a kernel list) what it answered at 100k.
 */
const stores: TestStore[] = [];
after(async () => {
  for (const s of stores) await s.drop();
});

function message(i: number, body: string): IndexEntry {
  return {
    sha256: i.toString(16).padStart(64, '0'), receivedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)), folder: 'Inbox', size: 100, hasAttachments: false,
    subject: `note ${i}`, from: null, moreFrom: [], to: [], attachmentNames: [], body, alternativeText: '', attachmentText: [],
  };
}

async function oneSegment(name: string, entries: IndexEntry[]): Promise<TestStore> {
  const store = await testStore(name);
  stores.push(store);
  await indexBatch(store, 'a', entries);
  await compactIndex(store, 'a', { force: true });
  const state = await readIndexState(await indexCtx(store, 'a'), { exact: true });
  assert.deepEqual(state.manifest.segs.map((s) => s.kind), ['bucketed']);
  return store;
}

test('a prefix of 1,500 words whose postings fill dozens of buckets is answered', async () => {
  // Word j is in every other message: 1,500 words of 300 postings each, far more than 24 buckets.
  const words = (i: number) => Array.from({ length: 750 }, (_, k) => `kvmw${2 * k + (i % 2)}`).join(' ');
  const store = await oneSegment('index_prefix_postings', Array.from({ length: 600 }, (_, i) => message(i, words(i))));
  assert.equal((await searchIndex(store, ['a'], parseQuery('kvmw*'))).total, 600);
  assert.equal((await searchIndex(store, ['a'], parseQuery('kvmw1499*'))).total, 300);
  assert.equal((await searchIndex(store, ['a'], parseQuery('kvmw14*'))).total, 600);
});

test('a prefix of more than 4,096 words is refused even where they fit in a few buckets', async () => {
  const store = await oneSegment('index_prefix_words', Array.from({ length: 50 }, (_, i) => message(i, Array.from({ length: 100 }, (_, k) => `zed${i * 100 + k}`).join(' '))));
  await assert.rejects(searchIndex(store, ['a'], parseQuery('zed*')), PrefixTooBroadError);
  assert.equal((await searchIndex(store, ['a'], parseQuery('zed49*'))).total, 3, 'zed49, zed490…zed499 and zed4900…zed4999');
});

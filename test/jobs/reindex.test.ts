import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { ingestMessage } from '../../backend/src/ingest';
import { PARSER_VERSION } from '../../backend/src/ingest/parse';
import { REINDEX_ARCHIVE_JOB, reindexHandlers, reindexStatus, startReindex } from '../../backend/src/jobs/reindex';
import { startWorker } from '../../backend/src/jobs/worker';
import { clearIndexCache, entryFor, flushIndex, indexBatch } from '../../backend/src/search/index-store';
import { parseQuery } from '../../backend/src/search/query';
import { searchIndex } from '../../backend/src/search/service';
import { itemsAfter } from '../../backend/src/store/items';
import { listJobs } from '../../backend/src/store/jobs';
import { getMessageDoc } from '../../backend/src/store/messages';
import { testStore, type TestStore, dropSearchIndex } from '../helpers/db';
import { waitFor } from './helpers';

/**
 * The reindex job brings an archive written by an older parser up to the current one from the
 * stored blobs: here the older parser is played by message documents without the text of their
 * HTML alternative (what parsing before issue #22 stored) and an index built from them.
 */
let store: TestStore;
before(async () => {
  store = await testStore('reindex');
});
after(async () => store?.drop());

const MESSAGES = 20;
const newsletter = (i: number) =>
  Buffer.from(
    `From: news@shop.example\r\nTo: reader@contoso.example\r\nSubject: Issue ${i}\r\nDate: Tue, 17 Sep 2002 09:${String(i).padStart(2, '0')}:00 +0000\r\n` +
      'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n--alt\r\nContent-Type: text/plain\r\n\r\nView this email in your browser.\r\n' +
      `--alt\r\nContent-Type: text/html\r\n\r\n<p>This week: a hammock, number ${i}.</p>\r\n--alt--\r\n`,
  );
const count = async (q: string) => (await searchIndex(store, ['news'], parseQuery(q))).total;

test('an archive indexed by an older parser is brought up to date from its blobs, resuming where a stopped worker left off', async () => {
  for (let i = 0; i < MESSAGES; i++) {
    await ingestMessage(store, { archiveId: 'news', folder: 'Inbox', source: { kind: 'import', file: `n${i}` }, content: Readable.from([newsletter(i)]) });
  }
  await flushIndex(store);
  // What the older parser left: no HTML words in the documents, and an index built from them.
  await store.db.collection('messages').updateMany({}, { $set: { alternativeText: '' }, $unset: { parserVersion: '' } });
  await dropSearchIndex(store);
  clearIndexCache();
  const rows = await itemsAfter(store.conn, 'news', '', MESSAGES);
  await indexBatch(store, 'news', await Promise.all(rows.map(async (row) => entryFor(row, (await getMessageDoc(store.conn, row.sha256))!))));
  assert.equal(await count('hammock'), 0, 'the older index lacks the HTML words');

  const fast = { leaseMs: 2_000, pollMs: 20 };
  assert.ok(await startReindex(store, { batch: 1 }));
  const first = startWorker({ store, owner: 'first', handlers: reindexHandlers(store), ...fast });
  await waitFor('the first worker to be part-way', async () => {
    const [child] = await listJobs(store, { type: REINDEX_ARCHIVE_JOB });
    return ((child?.progress.done as number) ?? 0) >= 3;
  }, 30_000);
  await first.stop();
  const stopped = (await reindexStatus(store))!;
  assert.equal(stopped.status, 'running');
  assert.ok(stopped.done < MESSAGES, `stopped part-way (${stopped.done} of ${stopped.total})`);
  assert.equal(await startReindex(store), null, 'a second reindex is refused while one is running');
  // Marks what the first worker did: a resumed job does not parse those messages again.
  await store.db.collection('messages').updateMany({}, { $unset: { parserVersion: '' } });

  const second = startWorker({ store, owner: 'second', handlers: reindexHandlers(store), ...fast });
  try {
    const done = await waitFor('the reindex to finish', async () => {
      const s = await reindexStatus(store);
      return s?.status === 'succeeded' ? s : null;
    }, 60_000);
    assert.deepEqual([done.done, done.total, done.archives], [MESSAGES, MESSAGES, { total: 1, done: 1, failed: 0 }], 'every item once: the second worker went on from the saved place');
  } finally {
    await second.stop();
  }
  const versions = await store.db.collection('messages').find({}, { projection: { parserVersion: 1 } }).toArray();
  const redone = versions.filter((d) => d.parserVersion === PARSER_VERSION).length;
  assert.ok(redone <= MESSAGES - stopped.done + 1, `the second worker went on from the saved place (parsed ${redone}, ${stopped.done} were done)`);
  clearIndexCache();
  assert.equal(await count('hammock'), MESSAGES, 'every message is found by its HTML words, once');
  assert.equal(await count('browser'), MESSAGES);
  const doc = await getMessageDoc(store.conn, (await searchIndex(store, ['news'], parseQuery('"number 7"'))).value[0]!.id.split(':')[1]!);
  assert.match(doc?.alternativeText ?? '', /hammock, number 7/, 'the message document is parsed again too');
});

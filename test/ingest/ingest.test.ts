import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { ingestMessage, verifyArchived, type IngestResult, type Source } from '../../backend/src/ingest';
import { parseMessage } from '../../backend/src/ingest/parse';
import { countItems, findItemBySource, getItem, listItems, updateItemFolder } from '../../backend/src/store/items';
import { getMessageDoc, getMessageMeta, insertMessageDocs } from '../../backend/src/store/messages';
import { corpusDir, corpusFiles } from '../helpers/corpus';
import { testStore, type TestStore } from '../helpers/db';

let store: TestStore;
before(async () => {
  store = await testStore();
});
after(async () => {
  await store?.drop();
});

const corpus = corpusDir();
const skipWithoutCorpus = corpus ? false : 'real-mail corpus not found (see docs/CONVENTIONS.md)';
const inCorpus = (file: string) => join(corpus ?? '', file);

let nextId = 0;
function graph(mailboxId = 'mbx-1'): Source & { kind: 'graph' } {
  nextId += 1;
  return { kind: 'graph', mailboxId, folderId: 'inbox-id', messageId: `msg-${nextId}` };
}

function ingestBytes(archiveId: string, bytes: Buffer, source: Source = graph(), extra: { receivedAt?: Date; maxBytes?: number } = {}) {
  return ingestMessage(store, { archiveId, folder: 'Inbox', source, content: Readable.from([bytes]), ...extra });
}

function ingestFile(archiveId: string, file: string, source: Source = graph()): Promise<IngestResult> {
  return ingestMessage(store, { archiveId, folder: 'Inbox', source, content: createReadStream(file) });
}

async function storedBytes(sha256: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of store.blobs.open(sha256) as AsyncIterable<Buffer>) parts.push(part);
  return Buffer.concat(parts);
}

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const countDocs = (collection: string, filter: object = {}) => store.db.collection(collection).countDocuments(filter);

describe('archiving', { skip: skipWithoutCorpus }, () => {
  test('the stored blob is the file, byte for byte', async () => {
    const file = inCorpus('flanker/torture.eml');
    const bytes = await readFile(file);
    const result = await ingestFile('exact', file);
    assert.equal(result.status, 'archived');
    assert.equal(result.sha256, sha256Of(bytes));
    assert.equal(result.size, bytes.length);
    assert.ok((await storedBytes(result.sha256)).equals(bytes));
    assert.equal(await verifyArchived(store, result.sha256), true);
  });

  test('one message in three archives: one blob, one message document, three items', async () => {
    const file = inCorpus('zbateson-hunnysoft/m1005.txt');
    const results = [];
    for (const archiveId of ['alice', 'bob', 'carol']) results.push(await ingestFile(archiveId, file));
    const sha256 = results[0]!.sha256;
    assert.deepEqual(results.map((r) => [r.status, r.blobCreated]), [['archived', true], ['archived', false], ['archived', false]]);
    assert.equal(await countDocs('messages.files', { _id: sha256 }), 1);
    assert.equal(await countDocs('messages', { _id: sha256 }), 1);
    assert.equal(await countDocs('items', { sha256 }), 3);
    const doc = await getMessageDoc(store.conn, sha256);
    assert.equal(doc?.subject, 'Die Hasen und die Frösche (Netscape Messenger 4.7)');
    assert.deepEqual(doc?.attachments.map((a) => a.filename), ['C:TEMPnsmailEG.png', 'C:TEMPnsmail39.png', 'redball.png', 'greenball.png']);
    const item = await getItem(store.conn, 'bob', sha256);
    assert.equal(item?.subject, doc?.subject);
    assert.deepEqual(item?.from, { name: 'Doug Sauder', address: 'dwsauder@example.com' });
    assert.equal(item?.receivedAt.toISOString(), '2000-05-18T03:13:09.000Z', 'the Date header when the source gives no time');
    assert.equal(item?.hasAttachments, true);
  });

  test('ingesting the same message into the same archive again is a duplicate that only adds the new source', async () => {
    const file = inCorpus('spamassassin-easy_ham/00001.7c53336b37003a9286aba55d2945844c');
    const source = graph('mbx-a');
    const first = await ingestFile('dups', file, source);
    const counts = async () => [await countDocs('messages'), await countDocs('messages.files'), await countDocs('items')];
    const before = await counts();
    const again = await ingestFile('dups', file, source);
    const elsewhere = await ingestFile('dups', file, graph('mbx-b'));
    assert.deepEqual([first.status, again.status, elsewhere.status], ['archived', 'duplicate', 'duplicate']);
    assert.equal(again.blobCreated, false);
    assert.deepEqual(await counts(), before);
    const item = await getItem(store.conn, 'dups', first.sha256);
    assert.deepEqual(item?.sources.map((s) => s.kind === 'graph' && s.mailboxId), ['mbx-a', 'mbx-b']);
    assert.equal(await countItems(store.conn, 'dups'), 1);
  });

  test('malformed messages are archived byte-exact and their documents say what parsed', async (t) => {
    const files = [...corpusFiles('flanker'), ...corpusFiles('stalwart-malformed'), ...corpusFiles('ruby-mail')].filter((f) => !f.endsWith('COPYING'));
    const started = Date.now();
    for (const file of files) {
      const bytes = await readFile(file);
      const result = await ingestFile('malformed', file);
      assert.equal(result.sha256, sha256Of(bytes), file);
      assert.ok((await storedBytes(result.sha256)).equals(bytes), file);
      const doc = await getMessageMeta(store.conn, result.sha256);
      assert.deepEqual(doc?.parseErrors, result.parseErrors, file);
    }
    t.diagnostic(`${files.length} messages ingested and read back in ${Date.now() - started} ms`);
    const badDate = await ingestFile('malformed-dates', inCorpus('ruby-mail/raw_email_with_bad_date.eml'));
    const item = await getItem(store.conn, 'malformed-dates', badDate.sha256);
    const doc = await getMessageDoc(store.conn, badDate.sha256);
    // 'Pn, 29 paX 2007' is no date: the first Received header's date stands in, marked inferred.
    assert.equal(doc?.date?.toISOString(), '2007-11-05T09:17:37.000Z');
    assert.equal(doc?.dateInferred, true);
    assert.equal(item!.receivedAt.toISOString(), '2007-11-05T09:17:37.000Z', 'the item is ordered by the inferred date');
  });
});

describe('bad input', () => {
  test('NUL bytes and a broken charset: archived byte-exact, indexed without control characters', async () => {
    const bytes = Buffer.concat([
      Buffer.from('From: "Nul\0Sender" <Nul@Example.com>\r\nSubject: broken \0 =?x-bogus?Q?caf=E9?=\r\n'),
      Buffer.from('Content-Type: text/plain; charset=x-bogus\r\n\r\nbefore\0after '),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0x00, 0x0d, 0x0a]),
    ]);
    const result = await ingestBytes('nul', bytes);
    assert.ok((await storedBytes(result.sha256)).equals(bytes));
    const doc = await getMessageDoc(store.conn, result.sha256);
    assert.deepEqual(doc?.from, [{ name: 'NulSender', address: 'nul@example.com' }]);
    assert.match(doc?.subject ?? '', /^broken caf/);
    assert.match(doc?.bodyText ?? '', /^beforeafter /);
  });

  test('a parse error is recorded with the message and the run goes on', async () => {
    const bytes = Buffer.from(`Subject: huge\r\nX-Junk: ${'x'.repeat(1100 * 1024)}\r\n\r\nbody\r\n`);
    const result = await ingestBytes('errors', bytes);
    assert.equal(result.status, 'archived');
    assert.match(result.parseErrors.join(), /header size/i);
    assert.deepEqual((await getMessageDoc(store.conn, result.sha256))?.parseErrors, result.parseErrors);
    assert.ok((await storedBytes(result.sha256)).equals(bytes));
  });

  test('a message over maxBytes is refused before anything is stored', async () => {
    const bytes = Buffer.from(`Subject: big\r\n\r\n${'y'.repeat(64 * 1024)}\r\n`);
    await assert.rejects(ingestBytes('limits', bytes, graph(), { maxBytes: 16 * 1024 }), { code: 'MESSAGE_TOO_LARGE' });
    assert.equal(await countItems(store.conn, 'limits'), 0);
    assert.equal(await countDocs('messages', { _id: sha256Of(bytes) }), 0);
  });
});

describe('crash safety and concurrency', () => {
  const message = (n: string) => Buffer.from(`From: a@example.com\r\nSubject: crash ${n}\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody ${n}\r\n`);

  test('a crash after storing the blob: the retry completes with exactly one item', async () => {
    const bytes = message('blob-only');
    const sha256 = sha256Of(bytes);
    await store.blobs.put(sha256, bytes.length, () => Readable.from([bytes]));
    const result = await ingestBytes('crash', bytes);
    assert.deepEqual([result.status, result.blobCreated], ['archived', false]);
    assert.equal((await getMessageDoc(store.conn, sha256))?.subject, 'crash blob-only');
    assert.equal(await countDocs('items', { archiveId: 'crash', sha256 }), 1);
  });

  test('a crash after writing the message document: the retry keeps and uses the document written first', async () => {
    const bytes = message('doc-written');
    const sha256 = sha256Of(bytes);
    await store.blobs.put(sha256, bytes.length, () => Readable.from([bytes]));
    const parsed = await parseMessage(() => Readable.from([bytes]));
    // A marker only the stored document carries proves the retry used it rather than its own parse.
    await insertMessageDocs(store.conn, [{ ...parsed, subject: 'parsed by the first attempt', _id: sha256, size: bytes.length, storedAt: new Date() }]);
    const result = await ingestBytes('crash', bytes);
    assert.equal(result.status, 'archived');
    assert.equal((await getItem(store.conn, 'crash', sha256))?.subject, 'parsed by the first attempt');
    assert.equal(await countDocs('items', { archiveId: 'crash', sha256 }), 1);
  });

  test('workers ingesting the same message at once store it once and archive it once', async () => {
    const bytes = message('race');
    const sources = Array.from({ length: 8 }, (_, i) => graph(`mbx-${i}`));
    const results = await Promise.all(sources.map((source) => ingestBytes('race', bytes, source)));
    const sha256 = results[0]!.sha256;
    assert.equal(results.filter((r) => r.status === 'archived').length, 1);
    assert.equal(results.filter((r) => r.blobCreated).length, 1);
    assert.equal(await countDocs('items', { archiveId: 'race' }), 1);
    assert.equal(await countDocs('messages', { _id: sha256 }), 1);
    // FerretDB 1.24 applies concurrent updates of one document as read-modify-write, so some of
    // the simultaneous $addToSet may be lost there (MongoDB keeps all). A lost source costs one
    // download: the next run ingests that copy again and the duplicate adds the source back.
    for (const source of sources) assert.equal((await ingestBytes('race', bytes, source)).status, 'duplicate');
    assert.equal((await getItem(store.conn, 'race', sha256))?.sources.length, 8);
  });
});

describe('items', () => {
  test('the source time orders the archive; a mailbox message is found by its Graph id; folders follow moves', async () => {
    const receivedAt = new Date('2024-03-01T08:00:00Z');
    const source = graph('mbx-find');
    const bytes = Buffer.from('Subject: find me\r\nDate: Fri, 1 Mar 2024 07:59:00 +0000\r\n\r\nx\r\n');
    const { sha256 } = await ingestBytes('items', bytes, source, { receivedAt });
    const found = await findItemBySource(store.conn, 'items', 'mbx-find', source.messageId);
    assert.equal(found?.sha256, sha256);
    assert.equal(found?.receivedAt.toISOString(), receivedAt.toISOString());
    assert.equal(await findItemBySource(store.conn, 'other-archive', 'mbx-find', source.messageId), null);
    assert.equal(await findItemBySource(store.conn, 'items', 'mbx-other', source.messageId), null);
    assert.equal(await updateItemFolder(store.conn, 'items', sha256, 'Archive/2024'), true);
    assert.equal((await getItem(store.conn, 'items', sha256))?.folder, 'Archive/2024');
  });

  test('listing pages newest first without gaps or repeats, even for equal times', async () => {
    const same = new Date('2023-06-01T00:00:00Z');
    for (let i = 0; i < 7; i++) {
      const receivedAt = i < 4 ? same : new Date(same.getTime() + i * 60_000);
      await ingestBytes('paging', Buffer.from(`Subject: page ${i}\r\n\r\n${i}\r\n`), graph(), { receivedAt });
    }
    const seen: string[] = [];
    let before;
    for (;;) {
      const page = await listItems(store.conn, 'paging', { limit: 3, before });
      seen.push(...page.items.map((i) => i.subject));
      if (!page.next) break;
      before = page.next;
    }
    assert.equal(seen.length, 7);
    assert.deepEqual(seen.slice(0, 3), ['page 6', 'page 5', 'page 4']);
    assert.deepEqual(new Set(seen.slice(3)), new Set(['page 0', 'page 1', 'page 2', 'page 3']));
  });

  test('verification fails for a message that was never archived', async () => {
    assert.equal(await verifyArchived(store, sha256Of(Buffer.from('never stored'))), false);
  });
});

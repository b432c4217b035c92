// The worker side of the gateway processes a job's reports together: every distinct original is
// stored once, and each archive gets the job's copies in one index batch, rather than a round of
// database commands per copy (the database's commands are what bounds the gateway on FerretDB).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { journalReportHandler } from '../../backend/src/journal/process';
import { buildJournalReport } from '../../backend/src/journal/report';
import { createLogger } from '../../backend/src/log';
import { readIndexState } from '../../backend/src/search/index-manifest';
import { flushIndex, indexCtx } from '../../backend/src/search/index-store';
import { parseQuery } from '../../backend/src/search/query';
import { searchIndex } from '../../backend/src/search/service';
import { createManualUser } from '../../backend/src/store/directory';
import { createJournalProfile } from '../../backend/src/store/journal';
import { insertSpoolBatch, type SpoolDoc } from '../../backend/src/store/journal-spool';
import { testStore, watchedStore, type TestStore } from '../helpers/db';
import { handlerContext } from '../jobs/helpers';

const MAILBOX = 'journal@archive.example';
const smtp = { sessionId: 's', remoteAddress: '127.0.0.1', clientHostname: 'x', helo: 'x', mailFrom: '', rcptTo: [MAILBOX], secure: false, user: null };
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const log = createLogger('silent');

let store: TestStore;
before(async () => {
  store = await testStore();
  for (const name of ['adele', 'megan']) {
    await createManualUser(store.conn, { _id: `u-${name}`, upn: `${name}@contoso.example`, displayName: name, mail: `${name}@contoso.example`, addresses: [`${name}@contoso.example`], kind: 'user' });
  }
  await createJournalProfile(store.conn, {
    name: 'Batch', mailbox: MAILBOX, unknownAddresses: 'ignore', catchAllArchiveId: null, syncDirectoryFirst: false, internalDomains: [], enabled: true,
  });
});
after(async () => {
  await flushIndex(store);
  await store?.drop();
});

function original(i: number): Buffer {
  return Buffer.from(
    [
      'From: Adele <adele@contoso.example>',
      'To: Megan <megan@contoso.example>, partner@fabrikam.example',
      `Subject: Quarterly figures ${i}`,
      'Date: Mon, 6 Oct 2025 09:15:02 +0000',
      `Message-ID: <${randomUUID()}@contoso.example>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      `The figures of quarter ${i} are attached to nothing at all.`,
      '',
    ].join('\r\n'),
  );
}

function report(orig: Buffer, date = new Date()): Buffer {
  return buildJournalReport({
    envelope: {
      sender: 'adele@contoso.example', subject: 'Quarterly figures', messageId: `<${randomUUID()}@contoso.example>`,
      recipients: [{ address: 'megan@contoso.example', type: 'to' }, { address: 'partner@fabrikam.example', type: 'to' }],
    },
    original: orig,
    journalRecipient: MAILBOX,
    date,
  });
}

async function spool(reports: Buffer[]): Promise<string[]> {
  const docs: SpoolDoc[] = reports.map((raw) => ({ _id: randomUUID(), mailbox: MAILBOX, receivedAt: new Date(), sha256: sha256(raw), size: raw.length, raw, smtp, jobKey: 'journal:test' }));
  await insertSpoolBatch(store.conn, docs);
  return docs.map((d) => d._id);
}

const context = (spoolIds: string[], attempts: number) => handlerContext({ _id: `journal:${randomUUID()}`, attempts, maxAttempts: 10, payload: { spoolIds } }, undefined, log);

test("a job's reports are filed together: one index batch per archive, each original stored once", async () => {
  const originals = Array.from({ length: 11 }, (_, i) => original(i));
  const ids = await spool(originals.map((o) => report(o)));
  const handler = journalReportHandler({ store, graph: undefined as never, log });

  const result = await handler(context(ids, 1));
  assert.deepEqual(result, { reports: 11, archived: 11 });
  for (const archiveId of ['u-adele', 'u-megan']) {
    const items = await store.db.collection<{ sha256: string }>('items').find({ archiveId }).toArray();
    assert.deepEqual(new Set(items.map((i) => i.sha256)), new Set(originals.map(sha256)), `${archiveId}: every original once`);
    const state = await readIndexState(await indexCtx(store, archiveId));
    assert.equal(state.batches.length, 1, `${archiveId}: the job's copies went into one index batch`);
    assert.equal(state.batches[0]!.seg.n, 11);
    assert.equal((await searchIndex(store, [archiveId], parseQuery('quarterly'), { limit: 50 })).total, 11);
  }
  assert.equal(await store.db.collection('messages.files').countDocuments(), 11, 'one blob per original');
  assert.equal(await store.db.collection('journal_reports').countDocuments(), 11);
  assert.equal(await store.db.collection('journal_spool_done').countDocuments({ _id: { $in: ids } } as never), 11);

  // A retry of the same job (its first attempt died before it could say so) finds everything done.
  assert.deepEqual(await handler(context(ids, 2)), { reports: 11, gone: 11 });
  assert.equal(await store.db.collection('items').countDocuments(), 22);
});

test('a message journaled twice in one job is one copy per archive that names both reports', async () => {
  const orig = original(100);
  const reports = [report(orig), report(orig, new Date(Date.now() - 60_000))];
  const ids = await spool(reports);
  assert.deepEqual(await journalReportHandler({ store, graph: undefined as never, log })(context(ids, 1)), { reports: 2, archived: 2 });
  for (const archiveId of ['u-adele', 'u-megan']) {
    const items = await store.db.collection<{ sources: { reportId: string }[] }>('items').find({ archiveId, sha256: sha256(orig) }).toArray();
    assert.equal(items.length, 1);
    assert.deepEqual(new Set(items[0]!.sources.map((s) => s.reportId)), new Set(reports.map(sha256)));
    assert.equal((await searchIndex(store, [archiveId], parseQuery('"quarter 100"'), { limit: 50 })).total, 1);
  }
  const records = await store.db.collection<{ _id: string; archives: { status: string }[] }>('journal_reports').find({ _id: { $in: reports.map(sha256) } } as never).toArray();
  assert.deepEqual(records.flatMap((r) => r.archives.map((a) => a.status)).sort(), ['archived', 'archived', 'duplicate', 'duplicate']);
});

test('reports a process spooled itself are read from its memory; those of another process from the spool', async () => {
  const watched = await watchedStore(store.dbName);
  try {
    const handler = journalReportHandler({ store: watched.store, graph: undefined as never, log });
    // Spooled by this test's connection: to the watched one, another process.
    const theirs = await spool([200, 201, 202].map((i) => report(original(i))));
    assert.deepEqual(await handler(context(theirs, 1)), { reports: 3, archived: 3 });
    assert.ok(watched.commands.includes('find journal_spool'), 'read from the spool');

    const docs: SpoolDoc[] = [203, 204, 205].map((i) => report(original(i))).map((raw) => ({ _id: randomUUID(), mailbox: MAILBOX, receivedAt: new Date(), sha256: sha256(raw), size: raw.length, raw, smtp, jobKey: 'journal:test' }));
    await insertSpoolBatch(watched.store.conn, docs);
    watched.commands.length = 0;
    assert.deepEqual(await handler(context(docs.map((d) => d._id), 1)), { reports: 3, archived: 3 });
    assert.ok(!watched.commands.includes('find journal_spool'), `no read of the spool: ${watched.commands.join(', ')}`);
    for (const i of [200, 205]) assert.equal((await searchIndex(store, ['u-megan'], parseQuery(`"quarter ${i}"`), { limit: 5 })).total, 1);
  } finally {
    await flushIndex(watched.store);
    await watched.store.close();
  }
});

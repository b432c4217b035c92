// Under encryption at rest the journal gateway keys a report like any blob: the database holds
// neither the report's SHA-256 nor its original's, and a resent report is still filed once.
import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { FileKms } from '../../backend/src/integrity/keys';
import { setEncryption } from '../../backend/src/integrity/service';
import { receive, spoolReport, SpoolWriter } from '../../backend/src/journal/gateway-receive';
import { journalReportHandler, reportBytes } from '../../backend/src/journal/process';
import { buildJournalReport } from '../../backend/src/journal/report';
import { createLogger } from '../../backend/src/log';
import { createManualUser } from '../../backend/src/store/directory';
import { createJournalProfile } from '../../backend/src/store/journal';
import { INLINE_LIMIT, type StoredBytes } from '../../backend/src/store/journal-spool';
import { ADMIN, createJournal, gatewayCertificate, journalTo, processedReport, startJournalStack, syncDirectory } from '../journal/helpers';
import { waitFor } from '../helpers/stack';
import { handlerContext } from '../jobs/helpers';
import { closeTsa, fixture } from './helpers';

const MAILBOX = 'journal@archive.example';
const smtp = { sessionId: 's', remoteAddress: '127.0.0.1', clientHostname: 'x', helo: 'x', mailFrom: '', rcptTo: [MAILBOX], secure: false, user: null };
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const log = createLogger('silent');

after(closeTsa);

/** A report above the spool's inline limit, so that the gateway puts it in the blob store. */
function largeReport(): { report: Buffer; original: Buffer } {
  const attachment = randomBytes(Math.ceil((INLINE_LIMIT * 3) / 4) + 64 * 1024).toString('base64').replace(/.{76}/g, '$&\r\n');
  const original = Buffer.from(
    [
      'From: Adele <adele@contoso.example>', 'To: Megan <megan@contoso.example>', 'Subject: Drawings', 'Date: Mon, 6 Oct 2025 09:15:02 +0000',
      `Message-ID: <${randomUUID()}@contoso.example>`, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"', '',
      '--b1', 'Content-Type: text/plain; charset=us-ascii', '', 'The drawings.', '--b1',
      'Content-Type: application/octet-stream; name="d.bin"', 'Content-Transfer-Encoding: base64', '', attachment, '--b1--', '',
    ].join('\r\n'),
  );
  const envelope = { sender: 'adele@contoso.example', subject: 'Drawings', messageId: `<${randomUUID()}@contoso.example>`, recipients: [{ address: 'megan@contoso.example', type: 'to' as const }] };
  return { report: buildJournalReport({ envelope, original, journalRecipient: MAILBOX }), original };
}

const context = (spoolIds: string[]) => handlerContext({ _id: `journal:${randomUUID()}`, payload: { spoolIds } }, undefined, log);

/** A store under encryption at rest with a journal profile, and Adele and Megan as users. */
async function encryptedJournal() {
  const f = await fixture({ tsa: false, kms: { current: new FileKms(randomBytes(32)), previous: null } });
  await setEncryption(f.store, f.settings, true);
  for (const name of ['adele', 'megan']) {
    await createManualUser(f.store.conn, { _id: `u-${name}`, upn: `${name}@contoso.example`, displayName: name, mail: `${name}@contoso.example`, addresses: [`${name}@contoso.example`], kind: 'user' });
  }
  await createJournalProfile(f.store.conn, { name: 'J', mailbox: MAILBOX, unknownAddresses: 'ignore', catchAllArchiveId: null, syncDirectoryFirst: false, internalDomains: [], enabled: true });
  return f;
}

test('a large report resent under encryption is spooled under a keyed id and filed once; no document holds its SHA-256', async () => {
  const f = await encryptedJournal();
  const { store } = f;
  try {
    const { report, original } = largeReport();
    assert.ok(report.length > INLINE_LIMIT);
    const writer = new SpoolWriter(store, log);
    const handler = journalReportHandler({ store, graph: undefined as never, log });
    // Delivered twice: the sender never saw our 250 the first time.
    for (let delivery = 0; delivery < 2; delivery += 1) {
      const received = await receive(Readable.from([report]), 64 * 1024 * 1024);
      assert.equal(received.kind, 'spooled');
      if (received.kind !== 'spooled') return;
      const ids = await spoolReport(store, writer, received.spool, [MAILBOX], smtp);
      await received.spool.dispose();
      writer.close();
      assert.deepEqual(await handler(context(ids)), { reports: 1, archived: 1 });
    }

    const spooled = await store.db.collection<{ sha256: string }>('journal_spool').find({}).toArray();
    assert.equal(spooled.length, 2);
    const spoolId = spooled[0]!.sha256;
    assert.equal(spooled[1]!.sha256, spoolId, 'both deliveries name the same blob');
    assert.notEqual(spoolId, sha256(report), 'the spool id is not the plain hash');
    assert.equal(spoolId, store.blobs.identify(sha256(report)).id);
    assert.ok(await store.blobs.has(spoolId), 'the report is in the blob store under its keyed id');

    assert.equal(await store.db.collection('journal_reports').countDocuments(), 1, 'one record for the resent report');
    for (const archiveId of ['u-adele', 'u-megan']) {
      const items = await store.db.collection<{ sources: unknown[] }>('items').find({ archiveId }).toArray();
      assert.equal(items.length, 1, `${archiveId}: filed once`);
      assert.equal(items[0]!.sources.length, 1, `${archiveId}: one source, the report`);
    }

    // Nothing in the database gives away what the report or its original hash to.
    const plain = [sha256(report), sha256(original)];
    for (const { name } of await store.db.listCollections().toArray()) {
      if (name.endsWith('.chunks')) continue; // encrypted bytes
      const docs = JSON.stringify(await store.db.collection(name).find({}, { projection: { raw: 0, data: 0 } }).toArray());
      for (const hash of plain) assert.ok(!docs.includes(hash), `${name} holds the plain hash ${hash.slice(0, 12)}`);
    }
  } finally {
    await f.close();
  }
});

test('a small report under encryption waits sealed in the spool and the quarantine: no byte in clear, filed as usual, read back byte-exact', async () => {
  const f = await encryptedJournal();
  const { store } = f;
  try {
    const secret = 'Merger terms: Fabrikam at 41 per share';
    const original = Buffer.from(['From: Adele <adele@contoso.example>', 'To: Megan <megan@contoso.example>', 'Subject: Terms', `Message-ID: <${randomUUID()}@contoso.example>`, 'Date: Mon, 6 Oct 2025 09:15:02 +0000', '', secret, ''].join('\r\n'));
    const envelope = { sender: 'adele@contoso.example', subject: 'Terms', messageId: `<${randomUUID()}@contoso.example>`, recipients: [{ address: 'megan@contoso.example', type: 'to' as const }] };
    const report = buildJournalReport({ envelope, original, journalRecipient: MAILBOX });
    const notAReport = Buffer.from(['From: Mallory <m@fabrikam.example>', 'To: journal@archive.example', 'Subject: Hello', '', `Not a journal report. ${secret}`, ''].join('\r\n'));
    const writer = new SpoolWriter(store, log);
    const handler = journalReportHandler({ store, graph: undefined as never, log });
    const spool = async (bytes: Buffer) => {
      const received = await receive(Readable.from([bytes]), 64 * 1024 * 1024);
      assert.equal(received.kind, 'spooled');
      if (received.kind !== 'spooled') throw new Error('not spooled');
      const ids = await spoolReport(store, writer, received.spool, [MAILBOX], smtp);
      await received.spool.dispose();
      writer.close();
      return ids;
    };
    const ids = [...(await spool(report)), ...(await spool(notAReport))];

    /** Whether any document of the collection holds the secret, in its bytes or in any other field. */
    const inClear = async (name: string) =>
      (await store.db.collection(name).find({}, { promoteBuffers: true }).toArray()).some(
        ({ raw, sealed, ...rest }) => [raw, sealed].some((b) => Buffer.isBuffer(b) && b.includes(secret)) || JSON.stringify(rest).includes(secret),
      );
    assert.equal(await store.db.collection('journal_spool').countDocuments({ sealed: { $type: 'binData' } }), 2, 'both reports wait sealed');
    assert.equal(await inClear('journal_spool'), false, 'the spool holds no clear text of them');

    assert.deepEqual(await handler(context(ids.slice(0, 1))), { reports: 1, archived: 1 });
    await handler(context(ids.slice(1)));
    const items = await store.db.collection<{ sha256: string }>('items').find({ archiveId: 'u-megan' }).toArray();
    assert.equal(items.length, 1, 'the sealed report was read and its original filed');
    assert.deepEqual(await buffer(store.blobs.open(items[0]!.sha256)), original);

    const quarantined = await store.db.collection<StoredBytes>('journal_quarantine').find({}, { promoteBuffers: true }).toArray();
    assert.equal(quarantined.length, 1);
    assert.equal(quarantined[0]!.raw, null);
    assert.equal(await inClear('journal_quarantine'), false, 'the quarantine holds no clear text either');
    assert.deepEqual(await reportBytes(store, quarantined[0]!), notAReport, 'the quarantined report reads back byte-exact');
  } finally {
    await f.close();
  }
});

test('end to end under encryption: a report delivered twice by SMTP is one record, found by the SHA-256 its sender knows', async () => {
  const stack = await startJournalStack({ ...(await gatewayCertificate()), ENCRYPTION_MASTER_KEY: randomBytes(32).toString('hex') });
  try {
    assert.equal((await stack.api(ADMIN, 'PUT', '/admin/integrity/encryption', { enabled: true })).status, 200);
    await syncDirectory(stack);
    journalTo(stack, (await createJournal(stack, 'journal@archive.example')).address);
    const { report } = await stack.emulator.journal.compose({ from: 'megan.bowen@contoso.example', to: ['alex.wilber@contoso.example'], subject: 'Twice', text: 'z' });
    await stack.emulator.journal.deliver(report);
    const first = await processedReport(stack, report);
    await stack.emulator.journal.deliver(report);
    await waitFor('the second copy to leave the spool', async () => ((await stack.api(ADMIN, 'GET', '/admin/journal/status')).body.backlog === 0 ? true : undefined));
    assert.notEqual(first._id, sha256(report), 'the record is keyed, not the plain hash');
    assert.equal((await stack.api(ADMIN, 'GET', `/admin/journal/reports/${first._id}`)).body.spoolId, first.spoolId, 'found by its id too');
    assert.equal((await stack.api(ADMIN, 'GET', '/admin/journal/reports')).body.value.length, 1, 'one record per report');
  } finally {
    await stack.close();
  }
});

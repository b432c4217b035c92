// End to end: the emulator's journal rule sends Exchange-format journal reports by SMTP
// (nodemailer, STARTTLS against the gateway's certificate) to the backend's gateway, whose
// workers file the original into every internal participant's archive.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_USERS } from '../../emulator/src/index';
import { randomUUID } from 'node:crypto';
import { runJournalMaintenance } from '../../backend/src/journal/maintenance';
import { createLogger } from '../../backend/src/log';
import { insertSpoolBatch } from '../../backend/src/store/journal-spool';
import { waitFor } from '../helpers/stack';
import {
  ADMIN, archivedBytes, createJournal, gatewayCertificate, hasMessage, journalTo, plainMail, processedReport, quarantined,
  sha256, smtpSend, startJournalStack, syncDirectory, type JournalStack,
} from './helpers';

const D = 'contoso.example';
const ids = { adele: DEMO_USERS.admin.id, megan: DEMO_USERS.megan.id, alex: DEMO_USERS.alex.id, lee: DEMO_USERS.lee.id, diego: DEMO_USERS.diego.id };
let MAIN: string;

let stack: JournalStack;

before(async () => {
  stack = await startJournalStack({ ...(await gatewayCertificate()) });
  await syncDirectory(stack);
  MAIN = (await createJournal(stack, 'journal@archive.example')).address;
});
after(async () => {
  await stack?.close();
});

describe('journaled mail is filed into every internal participant', () => {
  test('sender, To and Bcc recipients get the original byte for byte; Bcc stays out of its headers', async () => {
    journalTo(stack, MAIN);
    const sent = await stack.emulator.journal.sendInternalMail({
      from: `megan.bowen@${D}`, to: [`alex.wilber@${D}`], bcc: [`lee.gu@${D}`], subject: 'Budget draft (Bcc Lee)', text: 'Numbers attached.',
    });
    assert.match(sent.delivery!.response, /^250 /);
    assert.ok(!sent.original.toString('latin1').toLowerCase().includes('lee.gu@'), 'Bcc is not in the original headers');
    assert.match(sent.report.toString('latin1'), /\r\nBcc: lee\.gu@contoso\.example\r\n/);
    const record = await processedReport(stack, sent.report);
    assert.deepEqual(record.archives.map((a: any) => a.archiveId).sort(), [ids.megan, ids.alex, ids.lee].sort());
    for (const id of [ids.megan, ids.alex, ids.lee]) assert.ok(await hasMessage(stack.store, id, sent.original), `archive ${id}`);
    assert.equal(await hasMessage(stack.store, ids.adele, sent.original), false);
    assert.ok((await archivedBytes(stack.store, sent.original)).equals(sent.original), 'archived byte-exact');
  });

  test('members of a distribution list the message was sent to get it', async () => {
    journalTo(stack, MAIN);
    const sent = await stack.emulator.journal.sendInternalMail({ from: `diego.siciliani@${D}`, to: [`falcon@${D}`], subject: 'Falcon launch date', text: 'The 20th.' });
    assert.match(sent.report.toString('latin1'), /\r\nTo: adele\.vance@contoso\.example, Expanded: falcon@contoso\.example\r\n/);
    const record = await processedReport(stack, sent.report);
    const members = [ids.adele, ids.megan, ids.alex, ids.lee];
    assert.deepEqual(record.archives.map((a: any) => a.archiveId).sort(), [ids.diego, ...members].sort());
    for (const id of members) assert.ok(await hasMessage(stack.store, id, sent.original));
    assert.ok(!record.unknown.some((u: any) => u.address === `falcon@${D}`), 'the list itself is no participant');
  });

  test('aliases from the directory resolve to their owner', async () => {
    journalTo(stack, MAIN);
    const sent = await stack.emulator.journal.sendInternalMail({
      from: `lee.gu@${D}`, to: [`mbowen@${D}`], cc: ['alex.wilber@contosodemo.onmicrosoft.com'], subject: 'Aliases', text: 'x',
    });
    const record = await processedReport(stack, sent.report);
    const megan = record.archives.find((a: any) => a.archiveId === ids.megan);
    assert.deepEqual(megan?.addresses, [`mbowen@${D}`]);
    assert.ok(record.archives.some((a: any) => a.archiveId === ids.alex));
    assert.deepEqual(record.unknown, []);
  });

  test('mail from and to other organisations is filed only for the tenant\'s people', async () => {
    journalTo(stack, MAIN);
    const sent = await stack.emulator.journal.sendInternalMail({ from: `alex.wilber@${D}`, to: ['buyer@fabrikam.example'], subject: 'Offer', text: 'y' });
    const record = await processedReport(stack, sent.report);
    assert.deepEqual(record.archives.map((a: any) => a.archiveId), [ids.alex]);
    assert.equal(record.external, 1);
  });

  test('a report delivered twice is archived once per participant', async () => {
    journalTo(stack, MAIN);
    const { report, original } = await stack.emulator.journal.compose({ from: `megan.bowen@${D}`, to: [`alex.wilber@${D}`], subject: 'Twice', text: 'z' });
    await stack.emulator.journal.deliver(report);
    const first = await processedReport(stack, report);
    await stack.emulator.journal.deliver(report);
    await waitFor('the second copy to leave the spool', async () => ((await stack.api(ADMIN, 'GET', '/admin/journal/status')).body.backlog === 0 ? true : undefined));
    const again = await processedReport(stack, report);
    assert.equal(again.spoolId, first.spoolId, 'one record per report');
    const item = await stack.store.conn.collection('items').findOne({ _id: `${ids.alex}:${sha256(original)}` } as any);
    assert.equal(item?.sources.length, 1);
  });
});

describe('unknown addresses follow the profile', () => {
  test('ignore: known participants get the message, the unknown address is recorded', async () => {
    const { address } = await createJournal(stack, 'journal-ignore@archive.example', { unknownAddresses: 'ignore' });
    journalTo(stack, address);
    const sent = await stack.emulator.journal.sendInternalMail({ from: `megan.bowen@${D}`, to: [`nobody.yet@${D}`], subject: 'To a newcomer', text: 'a' });
    const record = await processedReport(stack, sent.report);
    assert.deepEqual(record.unknown, [{ address: `nobody.yet@${D}`, action: 'ignored' }]);
    assert.deepEqual(record.archives.map((a: any) => a.archiveId), [ids.megan]);
  });

  test('catch-all: the catch-all archive gets messages with unknown internal addresses and unassigned ones', async () => {
    const user = await stack.api(ADMIN, 'POST', '/admin/directory/users', { upn: `journal-catchall@${D}`, displayName: 'Journal catch-all', kind: 'catch-all' });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    const { address } = await createJournal(stack, 'journal-catchall@archive.example', { unknownAddresses: 'catch-all', catchAllArchiveId: user.body._id });
    journalTo(stack, address);
    const unknown = await stack.emulator.journal.sendInternalMail({ from: `megan.bowen@${D}`, to: [`stranger@${D}`], subject: 'Unknown', text: 'b' });
    const outside = await stack.emulator.journal.sendInternalMail({ from: 'a@fabrikam.example', to: ['b@fabrikam.example'], subject: 'Outside', text: 'c' });
    const first = await processedReport(stack, unknown.report);
    assert.deepEqual(first.unknown, [{ address: `stranger@${D}`, action: 'catch-all' }]);
    assert.ok(await hasMessage(stack.store, user.body._id, unknown.original));
    assert.ok(await hasMessage(stack.store, ids.megan, unknown.original));
    await processedReport(stack, outside.report);
    assert.ok(await hasMessage(stack.store, user.body._id, outside.original));
  });

  test('create-at-sync: the message waits for the next directory sync and is then filed for the new user', async () => {
    const { address } = await createJournal(stack, 'journal-create@archive.example', { unknownAddresses: 'create-at-sync' });
    journalTo(stack, address);
    const sent = await stack.emulator.journal.sendInternalMail({ from: `lee.gu@${D}`, to: [`nina.new@${D}`], subject: 'Welcome Nina', text: 'd' });
    const record = await processedReport(stack, sent.report);
    assert.deepEqual(record.unknown, [{ address: `nina.new@${D}`, action: 'pending' }]);
    assert.equal((await stack.api(ADMIN, 'GET', '/admin/journal/status')).body.pending, 1);

    const nina = stack.emulator.tenant.addUser({ userPrincipalName: `nina.new@${D}`, displayName: 'Nina New', licensed: true });
    await syncDirectory(stack);
    const swept = await runJournalMaintenance(stack.store, createLogger('silent'));
    assert.equal(swept.pendingArchived, 1);
    assert.ok(await hasMessage(stack.store, nina.id!, sent.original));
    assert.equal((await stack.api(ADMIN, 'GET', '/admin/journal/status')).body.pending, 0);
  });

  test('"sync directory before archiving" finds a user created in Entra ID since the last sync', async () => {
    const { address } = await createJournal(stack, 'journal-sync@archive.example', { unknownAddresses: 'ignore', syncDirectoryFirst: true });
    journalTo(stack, address);
    const omar = stack.emulator.tenant.addUser({ userPrincipalName: `omar.sync@${D}`, displayName: 'Omar Sync', licensed: true });
    const sent = await stack.emulator.journal.sendInternalMail({ from: `megan.bowen@${D}`, to: [`omar.sync@${D}`], subject: 'Hello Omar', text: 'e' });
    const record = await processedReport(stack, sent.report);
    assert.deepEqual(record.unknown, []);
    assert.ok(await hasMessage(stack.store, omar.id!, sent.original));
  });
});

describe('what is not a readable journal report is quarantined for administrators', () => {
  test('ordinary mail sent to a journal mailbox', async () => {
    const mail = plainMail('Hello journal', MAIN);
    assert.match(await smtpSend({ port: stack.smtpPort }, MAIN, mail), /^250 /);
    const q = await quarantined(stack, mail);
    assert.equal(q.kind, 'not-journal');
    assert.equal(q.subject, 'Hello journal');
    assert.match(q.reason, /no X-MS-Journal-Report header/);
    const listed = await stack.api(ADMIN, 'GET', '/admin/journal/quarantine?kind=not-journal');
    assert.ok(listed.body.value.some((d: any) => d._id === sha256(mail) && d.raw === undefined));
  });

  test('a malformed report is kept byte for byte with the reason', async () => {
    const { report } = await stack.emulator.journal.compose({ from: `megan.bowen@${D}`, to: [`alex.wilber@${D}`], subject: 'Cut', text: 'f' });
    // Cut after the original's last line: the closing boundary is lost, as in a report truncated in transit.
    const cut = report.subarray(0, report.lastIndexOf('\r\n--') + 2);
    journalTo(stack, MAIN);
    await stack.emulator.journal.deliver(cut);
    const q = await quarantined(stack, cut);
    assert.equal(q.kind, 'malformed');
    assert.match(q.reason, /truncated/);
    const token = await stack.emulator.issueUserToken(ADMIN);
    const readRaw = () => fetch(`${stack.backend.url}/api/admin/journal/quarantine/${sha256(cut)}/raw`, { headers: { authorization: `Bearer ${token}` } });
    await withQuarantineGrant(async () => {
      const raw = await readRaw();
      assert.equal(raw.headers.get('content-type'), 'message/rfc822');
      assert.ok(Buffer.from(await raw.arrayBuffer()).equals(cut));
    });
    assert.deepEqual((await stack.api(ADMIN, 'GET', '/admin/journal/status')).body.quarantine, { 'not-journal': 1, malformed: 1 });
  });
});

/** Runs `work` while the administrator holds the quarantine's read grant, given and taken back through the API. */
async function withQuarantineGrant(work: () => Promise<void>): Promise<void> {
  const grant = { grantee: ADMIN, archive: 'journal-quarantine' };
  assert.equal((await stack.api(ADMIN, 'POST', '/admin/grants', { ...grant, rights: ['read'] })).status, 201);
  try {
    await work();
  } finally {
    await stack.api(ADMIN, 'DELETE', `/admin/grants?grantee=${encodeURIComponent(ADMIN)}&archive=${grant.archive}`);
  }
}

describe('quarantined mail is read only with a grant, like an archive', () => {
  test('an administrator without the grant lists the quarantine (audited) but cannot open a report; with it, can, audited', async () => {
    const mail = plainMail('Private matter', MAIN);
    assert.match(await smtpSend({ port: stack.smtpPort }, MAIN, mail), /^250 /);
    await quarantined(stack, mail);
    const id = sha256(mail);
    const lists = await stack.store.db.collection('audit').find({ action: 'journal-quarantine-list', 'actor.upn': ADMIN }).toArray();
    assert.ok(lists.length > 0, 'listing the quarantine is in the audit trail');

    const detail = await stack.api(ADMIN, 'GET', `/admin/journal/quarantine/${id}`);
    assert.equal(detail.status, 403);
    assert.match(detail.body.error.message, /grant of read on the archive "journal-quarantine"/);
    assert.equal((await stack.api(ADMIN, 'GET', `/admin/journal/quarantine/${id}/raw`)).status, 403);

    await withQuarantineGrant(async () => {
      const granted = await stack.api(ADMIN, 'GET', `/admin/journal/quarantine/${id}`);
      assert.equal(granted.status, 200);
      assert.equal(granted.body.subject, 'Private matter');
      assert.equal((await stack.api(ADMIN, 'GET', `/admin/journal/quarantine/${id}/raw`)).status, 200);
    });
    const trail = await stack.store.db.collection('audit').find({ archiveId: 'journal-quarantine' }).toArray();
    assert.ok(trail.some((e) => e.action === 'grant'), 'the grant is audited');
    assert.ok(trail.some((e) => e.action === 'view' && e.target === `journal-quarantine:${id}`), 'the view is audited');
    assert.ok(trail.some((e) => e.action === 'download' && e.target === `journal-quarantine:${id}`), 'the download is audited');
    assert.equal((await stack.api(ADMIN, 'GET', `/admin/journal/quarantine/${id}`)).status, 403, 'and the revoked grant is gone');
  });
});

describe('the maintenance sweep', () => {
  test('a spooled report whose job was never queued (a crash after the insert) is found and archived', async () => {
    const { report, original } = await stack.emulator.journal.compose({ from: `megan.bowen@${D}`, to: [`lee.gu@${D}`], subject: 'Orphan', text: 'h' });
    const smtp = { sessionId: 's', remoteAddress: '127.0.0.1', clientHostname: '[127.0.0.1]', helo: 'x', mailFrom: '', rcptTo: [MAIN], secure: false, user: null };
    await insertSpoolBatch(stack.store.conn, [{
      _id: randomUUID(), mailbox: MAIN, receivedAt: new Date(), sha256: sha256(report), size: report.length, raw: report, smtp, jobKey: `journal:${randomUUID()}`,
    }]);
    const later = new Date(Date.now() + 120_000);
    const swept = await runJournalMaintenance(stack.store, createLogger('silent'), later);
    assert.equal(swept.requeued, 1);
    await processedReport(stack, report);
    assert.ok(await hasMessage(stack.store, ids.lee, original));
  });

  test('a report whose job lost its claimable state (the enqueuer died between its two inserts) is archived', async () => {
    const { report, original } = await stack.emulator.journal.compose({ from: `lee.gu@${D}`, to: [`megan.bowen@${D}`], subject: 'Half-queued', text: 'h' });
    const smtp = { sessionId: 's', remoteAddress: '127.0.0.1', clientHostname: '[127.0.0.1]', helo: 'x', mailFrom: '', rcptTo: [MAIN], secure: false, user: null };
    const spoolId = randomUUID();
    const jobKey = `journal:${randomUUID()}`;
    await insertSpoolBatch(stack.store.conn, [{ _id: spoolId, mailbox: MAIN, receivedAt: new Date(), sha256: sha256(report), size: report.length, raw: report, smtp, jobKey }]);
    // What the enqueuer had written when it died: the job, not yet its active state.
    await stack.store.db.collection('jobs').insertOne({
      _id: jobKey as never, type: 'journal-report', key: jobKey, payload: { spoolIds: [spoolId] }, status: 'queued', runAt: new Date(), priority: 0,
      attempts: 0, maxAttempts: 10, seq: 0, lease: null, cancelRequested: false, progress: {}, result: null, error: null, parentId: null,
      createdAt: new Date(), startedAt: null, finishedAt: null, heartbeatAt: null,
    });
    const swept = await runJournalMaintenance(stack.store, createLogger('silent'), new Date(Date.now() + 120_000));
    assert.equal(swept.requeued, 0, 'the job exists; it was only repaired');
    await processedReport(stack, report);
    assert.ok(await hasMessage(stack.store, ids.megan, original));
  });

  test('processed reports leave the spool in bulk', async () => {
    await waitFor('the backlog to drain', async () => ((await stack.api(ADMIN, 'GET', '/admin/journal/status')).body.backlog === 0 ? true : undefined));
    const before = await stack.store.db.collection('journal_spool').countDocuments();
    const swept = await runJournalMaintenance(stack.store, createLogger('silent'));
    assert.ok(swept.purged > 0 || before === 0);
    assert.equal(await stack.store.db.collection('journal_spool').countDocuments(), 0);
    assert.equal(await stack.store.db.collection('journal_spool_done').countDocuments(), 0);
  });
});

describe('the emulator\'s control routes drive the journal rule over HTTP', () => {
  test('POST /_emulator/journal/rule and /send journal a message to the gateway', async () => {
    const control = (path: string, body: unknown) =>
      fetch(`${stack.emulator.url}/_emulator/journal/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await control('rule', { port: stack.smtpPort, journalAddress: MAIN })).status, 204);
    const res = await control('send', { from: `alex.wilber@${D}`, to: [`lee.gu@${D}`], subject: 'Over HTTP', text: 'i' });
    const sent = (await res.json()) as any;
    assert.equal(res.status, 200, JSON.stringify(sent));
    assert.match(sent.delivery.response, /^250 /);
    await waitFor('the message in Lee\'s archive', async () => {
      const items = await stack.store.db.collection('items').find({ archiveId: ids.lee, subject: 'Over HTTP' }).toArray();
      return items.length === 1 ? true : undefined;
    });
  });
});

describe('profiles and mailboxes', () => {
  test('reports of a mailbox without an enabled profile are held, and archived once it is enabled', async () => {
    const { profileId, address } = await createJournal(stack, 'journal-held@archive.example', { enabled: false });
    journalTo(stack, address);
    const sent = await stack.emulator.journal.sendInternalMail({ from: `megan.bowen@${D}`, to: [`alex.wilber@${D}`], subject: 'Held', text: 'g' });
    await waitFor('the report to be held', async () => ((await stack.api(ADMIN, 'GET', '/admin/journal/spool?held=true')).body.value.length === 1 ? true : undefined));
    const enabled = await stack.api(ADMIN, 'PATCH', `/admin/journal/profiles/${profileId}`, { enabled: true });
    assert.equal(enabled.body.released, 1);
    await processedReport(stack, sent.report);
    assert.ok(await hasMessage(stack.store, ids.alex, sent.original));
  });

  test('the admin API validates input, names the field and hides secrets', async () => {
    const bad = await stack.api(ADMIN, 'POST', '/admin/journal/mailboxes', { address: 'not an address' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'address');
    const noMailbox = await stack.api(ADMIN, 'POST', '/admin/journal/profiles', { name: 'X', mailbox: 'missing@archive.example' });
    assert.equal(noMailbox.body.error.field, 'mailbox');
    const made = await stack.api(ADMIN, 'POST', '/admin/journal/mailboxes', { address: 'journal-x@archive.example' });
    assert.match(made.body.address, /^journal-x-[a-z2-7]{13}@archive\.example$/, 'a random part nobody can guess');
    const noCatchAll = await stack.api(ADMIN, 'POST', '/admin/journal/profiles', { name: 'X', mailbox: made.body.address, unknownAddresses: 'catch-all' });
    assert.equal(noCatchAll.body.error.field, 'catchAllArchiveId');
    const list = await stack.api(ADMIN, 'GET', '/admin/journal/mailboxes');
    assert.ok(list.body.value.every((m: any) => m.secret === undefined && m.secretHash === undefined));
    assert.equal((await stack.api(ADMIN, 'GET', '/admin/journal/profiles/nope')).status, 404);
    assert.equal((await stack.api(ADMIN, 'GET', `/admin/journal/reports/${'0'.repeat(64)}`)).status, 404);
    assert.equal((await stack.api(ADMIN, 'DELETE', `/admin/journal/mailboxes/${MAIN}`)).status, 409);
    assert.equal((await stack.api(`megan.bowen@${D}`, 'GET', '/admin/journal/mailboxes')).status, 403);
  });
});

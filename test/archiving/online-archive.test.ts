import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { DEMO_USERS } from '../../emulator/src/index';
import { betaGraph } from '../../backend/src/graph/client';
import { startStack, type Stack } from '../helpers/stack';
import { rawApi } from '../retrieval/helpers';
import { ADMIN, archivingDeps, createProfile, runProfile } from './helpers';

let stack: Stack;
before(async () => {
  stack = await startStack({ seed: 'demo' });
});
after(async () => stack?.close());

const MEGAN = DEMO_USERS.megan;

function mime(subject: string, attachment?: { name: string; text: string }): Buffer {
  const head = [`From: someone@fabrikam.example`, `To: ${MEGAN.upn}`, `Subject: ${subject}`, `Date: Tue, 2 Jan 2018 10:00:00 +0000`,
    `Message-ID: <${subject.replace(/\W/g, '')}@fabrikam.example>`];
  const body = attachment
    ? ['MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', `Body of ${subject}`, '--b',
        `Content-Type: text/plain; name="${attachment.name}"`, `Content-Disposition: attachment; filename="${attachment.name}"`, '', attachment.text, '--b--']
    : ['', `Body of ${subject}`];
  return Buffer.from([...head, ...body, ''].join('\r\n'));
}

/** Megan's online archive as the first test archived it: its id and its expanded Inbox/2016. */
let megansArchive: { id: string; auxiliaryId: string; expanded: string } | undefined;

const folderOf = async (subject: string) => (await stack.store.db.collection('items').findOne({ archiveId: MEGAN.id, subject }))?.folder;

test('with "include online archives", a run archives the online archive too, an expanded folder behind a 308 included, and the next run only what changed', async () => {
  const tenant = stack.emulator.tenant;
  const archiveId = tenant.enableArchive(MEGAN.upn);
  await tenant.addMessage(archiveId, 'Inbox', mime('Archived invoice 2017', { name: 'invoice.txt', text: 'Amount due: 120 EUR' }));
  const expanded = tenant.addFolder(archiveId, 'Inbox', '2016').id!;
  const auxiliaryId = tenant.expandArchiveFolder(archiveId, expanded);
  megansArchive = { id: archiveId, auxiliaryId, expanded };
  await tenant.addMessage(auxiliaryId, expanded, mime('Old contract 2016'));
  await tenant.addMessage(auxiliaryId, expanded, mime('Old offer 2016'));

  const id = await createProfile(stack, ADMIN, {
    name: 'Megan with archive', syncDirectoryFirst: true, includeOnlineArchives: true,
    source: { kind: 'multiple-mailboxes', selection: 'only', mailboxes: [MEGAN.upn] },
    folders: { include: ['Inbox'] },
  });
  const first = await runProfile(stack, id);
  assert.equal(first.status, 'succeeded', JSON.stringify(first.mailboxes.map((m: any) => m.recentErrors)));
  const user = await stack.store.db.collection('archive_users').findOne({ _id: MEGAN.id as never });
  assert.equal(user?.onlineArchiveId, archiveId, 'the directory sync recorded the id settings/exchange reported');
  const online = first.mailboxes.find((m: any) => m.onlineArchiveOf);
  assert.ok(online, 'the online archive is a mailbox of the run');
  assert.equal(online.mailboxId, archiveId);
  assert.equal(online.onlineArchiveOf, MEGAN.id);
  assert.equal(online.archiveId, MEGAN.id, "into the owner's own archive");
  assert.equal(online.archived, 3, 'the archive Inbox message and both messages of the expanded folder');
  assert.equal(await folderOf('Archived invoice 2017'), 'Online Archive/Inbox');
  assert.equal(await folderOf('Old contract 2016'), 'Online Archive/Inbox/2016', 'content of the auxiliary archive, reached through the 308');
  const completeness = await stack.api(ADMIN, 'GET', `/admin/runs/${first._id}/completeness`);
  const expandedReport = JSON.stringify(completeness.body).includes('Online Archive/Inbox/2016') ? findFolder(completeness.body, 'Online Archive/Inbox/2016') : undefined;
  assert.equal(expandedReport?.verdict, 'complete', `the expanded folder's item count is read through the 308 too: ${JSON.stringify(expandedReport)}`);

  const link = await stack.store.db.collection('folder_sync').findOne({ profileId: id, mailboxId: archiveId, folderId: expanded });
  assert.match(String(link?.link), new RegExp(`/beta/users/${auxiliaryId}/`), "the delta link is kept as Graph returned it: on the auxiliary archive");

  await tenant.addMessage(auxiliaryId, expanded, mime('Late addition 2016'));
  stack.emulator.stats.reset();
  const second = await runProfile(stack, id);
  const again = second.mailboxes.find((m: any) => m.onlineArchiveOf);
  assert.equal(second.status, 'succeeded');
  assert.equal(again.archived, 1, 'only the new message');
  assert.equal(again.alreadyArchived, 0);
  assert.equal(await folderOf('Late addition 2016'), 'Online Archive/Inbox/2016');
  assert.equal(stack.emulator.stats.requests({ pathIncludes: `/users/${archiveId}/mailFolders/${expanded}/messages/delta` }), 0, 'the second round goes straight to the auxiliary archive');
});

test('messages archived from the online archive are found, read, exported and restored, into the mailbox or back into the online archive', async (t) => {
  if (!megansArchive) return t.skip('needs the first test\'s run');
  const found = await stack.api(MEGAN.upn, 'GET', `/search?q=${encodeURIComponent('folder:"Online Archive" contract')}`);
  assert.equal(found.status, 200, JSON.stringify(found.body));
  assert.deepEqual(found.body.value.map((h: any) => [h.subject, h.folder]), [['Old contract 2016', 'Online Archive/Inbox/2016']], "the add-in's folder filter reaches the online archive's folders");
  const id = found.body.value[0].id as string;
  const read = await stack.api(MEGAN.upn, 'GET', `/messages/${encodeURIComponent(id)}`);
  assert.equal(read.status, 200);
  assert.match(JSON.stringify(read.body), /Body of Old contract 2016/);
  const exported = await rawApi(stack, MEGAN.upn, 'POST', '/export', { archive: MEGAN.id, items: [id], format: 'zip' });
  assert.equal(exported.status, 200);
  assert.match(exported.bytes.toString('latin1'), /Online Archive\/Inbox\/2016\/[^\0]*Old contract 2016\.eml/, 'the export keeps the online archive folder');
  const archives = await stack.api(MEGAN.upn, 'GET', '/archives');
  assert.equal(archives.body.value.find((a: any) => a.own).onlineArchive, true, 'the add-in learns that Megan has an online archive');

  const restore = (body: unknown) => stack.api(MEGAN.upn, 'POST', `/messages/${encodeURIComponent(id)}/restore`, body);
  const wellKnown = await restore({ onlineArchive: true, folder: 'inbox' });
  assert.equal(wellKnown.status, 400);
  assert.equal(wellKnown.body.error.field, 'folder', 'well-known names are refused in an online archive, as Graph refuses them');
  assert.equal((await restore({ onlineArchive: true, folderPath: 'Inbox/Nowhere' })).body.error.field, 'folderPath');
  const invoice = (await stack.api(MEGAN.upn, 'GET', `/search?q=${encodeURIComponent('folder:"Online Archive/Inbox" invoice')}`)).body.value[0].id as string;
  const into = await stack.api(MEGAN.upn, 'POST', `/messages/${encodeURIComponent(invoice)}/restore`, { onlineArchive: true, folderPath: 'inbox' });
  assert.equal(into.status, 201, JSON.stringify(into.body));
  const inbox = [...stack.emulator.tenant.archives.get(megansArchive.id)!.mb.folders.values()].find((f) => f.displayName === 'Inbox')!;
  assert.ok(inbox.items.has(into.body.restoredMessageId), "the copy is in the online archive's Inbox");
  const audited = await stack.store.db.collection('audit').findOne({ action: 'restore', 'details.restoredMessageId': into.body.restoredMessageId });
  assert.deepEqual([audited?.details.mailbox, audited?.details.onlineArchive, audited?.details.folderPath], [megansArchive.id, true, 'inbox'], 'audited with where it went');
  const copy = await simpleParser(await stack.emulator.tenant.getMessageMime(megansArchive.id, into.body.restoredMessageId));
  assert.deepEqual(copy.attachments.map((a) => [a.filename, a.content.toString()]), [['invoice.txt', 'Amount due: 120 EUR']], 'with its attachment');
  const toMailbox = await restore({});
  assert.equal(toMailbox.status, 201, 'the primary mailbox is still the default target');
  assert.ok((await stack.emulator.tenant.listMessages(MEGAN.upn, 'inbox')).some((m) => m.subject === 'Old contract 2016'));

  const users = stack.store.db.collection('archive_users');
  await users.updateOne({ _id: MEGAN.id as never }, { $set: { onlineArchiveId: null } });
  try {
    const none = await restore({ onlineArchive: true, folderPath: 'Inbox' });
    assert.deepEqual([none.status, none.body.error.field], [400, 'onlineArchive'], 'no online archive as the directory sync found: a clear 400');
  } finally {
    await users.updateOne({ _id: MEGAN.id as never }, { $set: { onlineArchiveId: megansArchive.id } });
  }
});

/** A folder's completeness entry, wherever the report nests it. */
function findFolder(report: unknown, path: string): any {
  if (Array.isArray(report)) return report.map((r) => findFolder(r, path)).find(Boolean);
  if (report && typeof report === 'object') {
    if ((report as any).path === path && 'verdict' in report) return report;
    return Object.values(report).map((v) => findFolder(v, path)).find(Boolean);
  }
  return undefined;
}

test('"delete after archiving" leaves the online archive alone unless the profile chooses it; the demo tenant seeds one', async () => {
  const diego = DEMO_USERS.diego;
  const before = (await stack.emulator.tenant.listMessages(diego.upn, 'inbox')).length;
  assert.ok(before > 0);
  const id = await createProfile(stack, ADMIN, {
    name: 'Diego deleting', includeOnlineArchives: true, source: { kind: 'single-mailbox', mailbox: diego.upn },
    folders: { include: ['Inbox'] }, deletion: { mode: 'delete-after-archiving', olderThanDays: 1 },
  });
  const run = await runProfile(stack, id);
  assert.equal(run.status, 'succeeded', JSON.stringify(run.mailboxes.map((m: any) => m.recentErrors)));
  const online = run.mailboxes.find((m: any) => m.onlineArchiveOf);
  assert.equal(online.archived, 4, "Diego's seeded archive: two messages in its Inbox, two in the expanded Inbox/2019");
  // The generated demo's mail is dated back from now: the rule (older than a day) keeps only the newest.
  const kept = await stack.emulator.tenant.listMessages(diego.upn, 'inbox');
  assert.ok(kept.length < before, 'the rule deleted from the primary Inbox');
  assert.ok(kept.every((m) => Date.parse(m.receivedDateTime!) > Date.now() - 86_400_000), 'only mail younger than a day is left in the primary Inbox');
  const main = stack.emulator.tenant.archives.get(online.mailboxId)!;
  const left = [...stack.emulator.tenant.archives.values()].filter((a) => a.ownerId === diego.id).reduce((n, a) => n + [...a.mb.folders.values()].reduce((k, f) => k + f.items.size, 0), 0);
  assert.equal(main.kind, 'main');
  assert.equal(left, 4, 'nothing was deleted from the online archive');
});

test('archive mailboxes refuse well-known folder names and answer on the beta API only', async () => {
  const deps = await archivingDeps(stack);
  const archiveId = stack.emulator.tenant.enableArchive(DEMO_USERS.lee.upn);
  await assert.rejects(betaGraph(deps.graph).api(`/users/${archiveId}/mailFolders/inbox`).get(), (err: any) => err.statusCode === 400);
  await assert.rejects(deps.graph.api(`/users/${archiveId}/mailFolders`).get(), (err: any) => err.statusCode === 404);
  const folders = await betaGraph(deps.graph).api(`/users/${archiveId}/mailFolders`).get();
  assert.deepEqual(folders.value.map((f: any) => f.displayName).sort(), ['Deleted Items', 'Inbox', 'Sent Items']);
});

test('an online archive at its storage quota, whose folder delta Graph refuses, is walked without well-known names and archived', async () => {
  const tenant = stack.emulator.tenant;
  const lee = DEMO_USERS.lee;
  const archiveId = tenant.enableArchive(lee.upn);
  await tenant.addMessage(archiveId, 'Sent Items', mime('Sent long ago'));
  tenant.setOverQuota(archiveId, true);
  const id = await createProfile(stack, ADMIN, {
    name: 'Lee full archive', includeOnlineArchives: true, source: { kind: 'single-mailbox', mailbox: lee.upn }, folders: { include: ['Sent Items'] },
  });
  const run = await runProfile(stack, id);
  assert.equal(run.status, 'succeeded', JSON.stringify(run.mailboxes.map((m: any) => m.recentErrors)));
  assert.equal(run.mailboxes.find((m: any) => m.onlineArchiveOf)?.archived, 1);
});

test('a redirect away from the Graph host is refused: nothing is sent there, least of all the token', async () => {
  const seen: string[] = [];
  const foreign = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    res.end('{"value":[]}');
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  try {
    const location = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/beta/users/x/mailFolders`;
    stack.emulator.faults.inject({ match: { pathIncludes: '/mailFolders', mailbox: MEGAN.upn }, kind: 'redirect', location });
    const deps = await archivingDeps(stack);
    await assert.rejects(deps.graph.api(`/users/${MEGAN.id}/mailFolders`).get(), (err: any) => err.code === 'ForeignRedirectRefused' && /127\.0\.0\.1/.test(err.message));
    assert.deepEqual(seen, [], 'the foreign host got no request');
  } finally {
    stack.emulator.faults.clear();
    foreign.close();
  }
});

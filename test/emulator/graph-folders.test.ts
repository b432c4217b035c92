import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client, PageCollection } from '@microsoft/microsoft-graph-client';
import type { MailFolder } from '@microsoft/microsoft-graph-types';
import { DEMO_USERS } from '../../emulator/src/index';
import type { EmulatorHandle } from '../../emulator/src/index';
import { appToken, emulator, graphClient, graphFetch } from './helpers';

const CLASS = "singleValueExtendedProperties($filter=id eq 'String 0x3613')";
const classOf = (f: MailFolder) => f.singleValueExtendedProperties?.find((p) => p.id === 'String 0x3613')?.value;

describe('Graph mail folders', () => {
  let emu: EmulatorHandle;
  let client: Client;
  let token: string;
  const megan = DEMO_USERS.megan.id;
  before(async () => {
    emu = await emulator();
    token = await appToken(emu);
    client = graphClient(emu, async () => token);
  });
  after(() => emu.close());

  async function allTopFolders(query = ''): Promise<MailFolder[]> {
    const out: MailFolder[] = [];
    let page = await client.api(`/users/${megan}/mailFolders${query}`).expand(CLASS).get() as PageCollection;
    for (;;) {
      out.push(...page.value);
      if (!page['@odata.nextLink']) return out;
      page = await client.api(page['@odata.nextLink']).get() as PageCollection;
    }
  }

  it('lists only the top level, ten per page, hiding hidden folders unless asked', async () => {
    const first = await client.api(`/users/${megan}/mailFolders`).get() as PageCollection;
    assert.equal(first.value.length, 10);
    assert.ok(first['@odata.nextLink']);
    const visible = await allTopFolders();
    const names = visible.map((f) => f.displayName);
    for (const n of ['Inbox', 'Sent Items', 'Drafts', 'Deleted Items', 'Junk Email', 'Archive', 'Outbox', 'Conversation History']) assert.ok(names.includes(n), n);
    assert.ok(!names.includes('Projects'), 'child folders are not top level');
    assert.ok(visible.every((f) => f.isHidden === false));
    const withHidden = await allTopFolders('?includeHiddenFolders=true');
    assert.equal(withHidden.length, visible.length + 1);
  });

  it('tells mail folders from Calendar, Contacts, Tasks and Notes by PR_CONTAINER_CLASS', async () => {
    const folders = await allTopFolders();
    const byName = new Map(folders.map((f) => [f.displayName, classOf(f)]));
    assert.equal(byName.get('Inbox'), 'IPF.Note');
    assert.equal(byName.get('Calendar'), 'IPF.Appointment');
    assert.equal(byName.get('Contacts'), 'IPF.Contact');
    assert.equal(byName.get('Tasks'), 'IPF.Task');
    assert.equal(byName.get('Notes'), 'IPF.StickyNote');
    const calendar = folders.find((f) => f.displayName === 'Calendar')!;
    assert.ok(calendar.totalItemCount! > 0, 'non-mail folders hold items, which must not be archived');
  });

  it('resolves well-known names in any case and in every route', async () => {
    const inbox = await client.api(`/users/${megan}/mailFolders/Inbox`).get() as MailFolder;
    assert.equal(inbox.displayName, 'Inbox');
    const lower = await client.api(`/users/${DEMO_USERS.megan.upn}/mailFolders/inbox`).get() as MailFolder;
    assert.equal(lower.id, inbox.id);
    const children = await client.api(`/users/${megan}/mailFolders/inbox/childFolders`).get() as PageCollection;
    assert.deepEqual(children.value.map((f: MailFolder) => f.displayName), ['Projects']);
    const projects = children.value[0] as MailFolder;
    assert.equal(projects.parentFolderId, inbox.id);
    const msgs = await client.api(`/users/${megan}/mailFolders/inbox/childFolders/${projects.id}/messages`).top(2).get() as PageCollection;
    assert.equal(msgs.value.length, 2);
    const deletions = await client.api(`/users/${megan}/mailFolders/recoverableitemsdeletions`).get() as MailFolder;
    assert.equal(deletions.displayName, 'Deletions');
    for (const name of ['sentitems', 'DeletedItems', 'junkemail', 'archive', 'drafts', 'msgfolderroot']) {
      const res = await graphFetch(emu, token, `/users/${megan}/mailFolders/${name}`);
      assert.equal(res.status, 200, name);
    }
    const bad = await graphFetch(emu, token, `/users/${megan}/mailFolders/Calendar`);
    assert.equal(bad.status, 400, "'calendar' is not a well-known mail folder name");
  });

  it('tracks the folder tree with mailFolders/delta', async () => {
    let page = await client.api(`/users/${megan}/mailFolders/delta`).header('Prefer', 'odata.maxpagesize=5').get() as PageCollection;
    const all: MailFolder[] = [];
    while (page['@odata.nextLink']) {
      all.push(...page.value);
      page = await client.api(page['@odata.nextLink']).header('Prefer', 'odata.maxpagesize=5').get() as PageCollection;
    }
    all.push(...page.value);
    assert.ok(all.some((f) => f.displayName === 'Projects'), 'delta covers the whole tree');
    const deltaLink = page['@odata.deltaLink'] as string;
    assert.ok(deltaLink);
    const falcon = emu.tenant.addFolder(megan, 'Inbox/Projects', 'Falcon');
    const next = await client.api(deltaLink).get() as PageCollection;
    assert.deepEqual(next.value.map((f: MailFolder) => f.displayName), ['Falcon']);

    emu.tenant.updateFolder(megan, falcon.id!, { displayName: 'Falcon 2024', parent: 'archive' });
    const gone = emu.tenant.addFolder(megan, 'inbox', 'Short-lived');
    const del = await graphFetch(emu, token, `/users/${megan}/mailFolders/${gone.id}`, { method: 'DELETE' });
    assert.equal(del.status, 204);
    const third = await client.api(next['@odata.deltaLink'] as string).get() as PageCollection;
    const changes = third.value.map((f: MailFolder & { '@removed'?: unknown }) => f['@removed'] ? `removed ${f.id}` : `${f.displayName} in ${f.parentFolderId}`);
    const archiveId = (await client.api(`/users/${megan}/mailFolders/archive`).get() as MailFolder).id;
    assert.deepEqual(changes, [`Falcon 2024 in ${archiveId}`, `removed ${gone.id}`]);
    const deltaOfGone = await graphFetch(emu, token, `/users/${megan}/mailFolders/${gone.id}/messages/delta`);
    assert.equal(deltaOfGone.status, 404);
    assert.equal((await graphFetch(emu, token, `/users/${megan}/mailFolders/inbox`, { method: 'DELETE' })).status, 400);
  });

  it('refuses query options that change tracking does not document with Graph\'s 400 (ErrorInvalidUrlQuery)', async () => {
    const expand = await graphFetch(emu, token, `/users/${megan}/mailFolders/delta?$select=displayName&$expand=${encodeURIComponent(CLASS)}`);
    assert.equal(expand.status, 400);
    const body = await expand.json() as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'ErrorInvalidUrlQuery');
    assert.match(body.error.message, /not supported with change tracking over the 'Folders' resource: '\$expand'/);
    assert.equal((await graphFetch(emu, token, `/users/${megan}/mailFolders/inbox/messages/delta?$search=budget`)).status, 400);
    assert.equal((await graphFetch(emu, token, `/users/${megan}/mailFolders/delta?$select=displayName`)).status, 200);
    // The documented way to read a folder's container class: a GET of that folder with $expand.
    const one = await client.api(`/users/${megan}/mailFolders/inbox`).select('id').expand(CLASS).get() as MailFolder;
    assert.equal(classOf(one), 'IPF.Note');
  });

  it('a mailbox over its storage quota refuses folder delta (403 ErrorQuotaExceeded) while its folders can still be listed', async () => {
    emu.tenant.setOverQuota(megan, true);
    try {
      const delta = await graphFetch(emu, token, `/users/${megan}/mailFolders/delta`);
      assert.equal(delta.status, 403);
      assert.equal((await delta.json() as { error: { code: string } }).error.code, 'ErrorQuotaExceeded');
      const children = await client.api(`/users/${megan}/mailFolders/msgfolderroot/childFolders?includeHiddenFolders=true`).get() as PageCollection;
      assert.ok(children.value.some((f: MailFolder) => f.displayName === 'Inbox'));
      const control = await fetch(`${emu.url}/_emulator/quota`, { method: 'POST', body: JSON.stringify({ user: megan, overQuota: false }) });
      assert.equal(control.status, 204);
      assert.equal((await graphFetch(emu, token, `/users/${megan}/mailFolders/delta`)).status, 200);
    } finally {
      emu.tenant.setOverQuota(megan, false);
    }
  });
});

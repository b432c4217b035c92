import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ResponseType } from '@microsoft/microsoft-graph-client';
import type { Client, PageCollection } from '@microsoft/microsoft-graph-client';
import type { Message } from '@microsoft/microsoft-graph-types';
import { ALL_HANDS_MESSAGE_ID, DEMO_USERS } from '../../emulator/src/index';
import type { EmulatorHandle } from '../../emulator/src/index';
import { appToken, emulator, graphClient, graphFetch } from './helpers';

type DeltaItem = Message & { '@removed'?: { reason: string } };

const MIME = (subject: string) => Buffer.from([
  'From: Partner <partner@fabrikam.example>', `To: ${DEMO_USERS.alex.upn}`, `Subject: ${subject}`,
  'Date: Tue, 5 Mar 2024 10:00:00 +0000', `Message-ID: <${subject.replace(/\W/g, '')}@fabrikam.example>`,
  'MIME-Version: 1.0', 'Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: 8bit', '',
  'Gr\xfc\xdfe aus K\xf6ln', '',
].join('\r\n'), 'latin1');

describe('Graph messages', () => {
  let emu: EmulatorHandle;
  let client: Client;
  let token: string;
  const alex = DEMO_USERS.alex.id;
  before(async () => {
    emu = await emulator();
    token = await appToken(emu);
    client = graphClient(emu, async () => token);
  });
  after(() => emu.close());

  /** One delta round: follows nextLinks to the deltaLink. */
  async function round(url: string, pageSize = 7): Promise<{ items: DeltaItem[]; deltaLink: string; pages: number }> {
    const items: DeltaItem[] = [];
    let pages = 0;
    for (;;) {
      const page = await client.api(url).header('Prefer', `odata.maxpagesize=${pageSize}`).get() as PageCollection;
      pages++;
      assert.ok(page.value.length <= pageSize);
      items.push(...page.value);
      if (page['@odata.deltaLink']) return { items, deltaLink: page['@odata.deltaLink'] as string, pages };
      assert.match(String(page['@odata.nextLink']), /\$skiptoken=/);
      url = page['@odata.nextLink'] as string;
    }
  }

  it('syncs a folder with delta, then returns only created, updated, moved and deleted messages', async () => {
    const inbox = `/users/${alex}/mailFolders/inbox/messages/delta?$select=subject,isRead,parentFolderId`;
    const first = await round(inbox, 2);
    const inboxCount = (await emu.tenant.listMessages(alex, 'inbox')).length;
    assert.equal(first.items.length, inboxCount);
    assert.ok(first.pages >= 3);
    assert.ok(first.items.every((m) => m.subject !== undefined && m.body === undefined), '$select is kept across pages');
    assert.match(first.deltaLink, /\$deltatoken=/);
    const idle = await round(first.deltaLink);
    assert.equal(idle.items.length, 0);

    const [a, b, c] = first.items;
    const added = await emu.tenant.addMessage(alex, 'inbox', MIME('Fresh news'));
    await emu.tenant.updateMessage(alex, a!.id!, { isRead: !a!.isRead });
    const moved = await emu.tenant.moveMessage(alex, b!.id!, 'archive');
    emu.tenant.deleteMessage(alex, c!.id!);
    const second = await round(idle.deltaLink);
    const byId = new Map(second.items.map((m) => [m.id, m]));
    assert.equal(second.items.length, 4);
    assert.equal(byId.get(added.id)!.subject, 'Fresh news');
    assert.equal(byId.get(a!.id)!.isRead, !a!.isRead);
    assert.deepEqual(byId.get(b!.id)!['@removed'], { reason: 'deleted' });
    assert.deepEqual(byId.get(c!.id)!['@removed'], { reason: 'deleted' });
    assert.equal(byId.get(c!.id)!['@odata.type' as keyof DeltaItem], '#microsoft.graph.message');
    assert.notEqual(moved.id, b!.id, 'a moved message gets a new id');

    const archive = await round(`/users/${alex}/mailFolders/archive/messages/delta`);
    assert.ok(archive.items.some((m) => m.id === moved.id), 'moved-in messages appear as new in the target folder');
  });

  it('filters delta by changeType and receivedDateTime, carrying the options in the links', async () => {
    const url = `/users/${alex}/mailFolders/sentitems/messages/delta?changeType=created&$filter=receivedDateTime ge 2000-01-01T00:00:00Z`;
    const first = await round(url, 1);
    const sent = (await emu.tenant.listMessages(alex, 'sentitems')).length;
    assert.equal(first.items.length, sent);
    const item = first.items[0]!;
    await emu.tenant.updateMessage(alex, item.id!, { isRead: !item.isRead });
    await emu.tenant.addMessage(alex, 'sentitems', MIME('Created later'), { receivedDateTime: '2024-03-05T10:00:00Z' });
    const next = await round(first.deltaLink, 1);
    assert.deepEqual(next.items.map((m) => m.subject), ['Created later'], 'updates are filtered out by changeType=created');
  });

  it('answers 410 Gone with a Location for a fresh sync when the sync state is reset or unknown', async () => {
    const first = await round(`/users/${alex}/mailFolders/junkemail/messages/delta`);
    emu.tenant.resetSyncState(alex);
    const gone = await graphFetch(emu, token, first.deltaLink.slice(`${emu.graphBaseUrl}/v1.0`.length));
    assert.equal(gone.status, 410);
    assert.equal((await gone.json() as { error: { code: string } }).error.code, 'syncStateNotFound');
    assert.match(gone.headers.get('location')!, /\/messages\/delta$/);
    const garbage = await graphFetch(emu, token, `/users/${alex}/mailFolders/junkemail/messages/delta?$deltatoken=bm90LWEtdG9rZW4tYXQtYWxsLXJlYWxseQ`);
    assert.equal(garbage.status, 410);
  });

  it('serves $value as the stored MIME bytes, byte for byte', async () => {
    const created = await emu.tenant.addMessage(alex, 'inbox', MIME('Bytes matter'));
    const stored = await emu.tenant.getMessageMime(alex, created.id!);
    const res = await graphFetch(emu, token, `/users/${alex}/messages/${created.id}/$value`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(stored));
    const viaSdk = await client.api(`/users/${alex}/messages/${created.id}/$value`).responseType(ResponseType.ARRAYBUFFER).get() as ArrayBuffer;
    assert.ok(Buffer.from(viaSdk).equals(stored));
    const corpusMessage = (await emu.tenant.listMessages(alex, 'Inbox/Projects'))[0]!;
    const raw = Buffer.from(await (await graphFetch(emu, token, `/users/${alex}/messages/${corpusMessage.id}/$value`)).arrayBuffer());
    assert.ok(raw.equals(await emu.tenant.getMessageMime(alex, corpusMessage.id!)));
  });

  it('derives message JSON from the MIME', async () => {
    const created = await emu.tenant.addMessage(alex, 'inbox', MIME('Derived fields'));
    const m = await client.api(`/users/${alex}/messages/${created.id}`).get() as Message;
    assert.equal(m.subject, 'Derived fields');
    assert.deepEqual(m.from, { emailAddress: { name: 'Partner', address: 'partner@fabrikam.example' } });
    assert.deepEqual(m.toRecipients, [{ emailAddress: { name: DEMO_USERS.alex.upn, address: DEMO_USERS.alex.upn } }]);
    assert.equal(m.internetMessageId, '<Derivedfields@fabrikam.example>');
    assert.equal(m.sentDateTime, '2024-03-05T10:00:00Z');
    assert.equal(m.bodyPreview, 'Grüße aus Köln');
    assert.ok(m.id!.length > 60 && m.changeKey && m.conversationId && m.parentFolderId);
  });

  it('restores base64 MIME into a folder as a draft and rejects bad base64', async () => {
    const mime = MIME('Restored from archive');
    const res = await graphFetch(emu, token, `/users/${alex}/mailFolders/inbox/messages`, {
      method: 'POST', headers: { 'content-type': 'text/plain' }, body: mime.toString('base64'),
    });
    assert.equal(res.status, 201);
    const restored = await res.json() as Message;
    assert.equal(restored.isDraft, true);
    assert.equal(restored.subject, 'Restored from archive');
    assert.ok((await emu.tenant.getMessageMime(alex, restored.id!)).equals(mime));
    const bad = await graphFetch(emu, token, `/users/${alex}/mailFolders/inbox/messages`, {
      method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'this is not base64!!',
    });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json() as { error: { code: string } }).error.code, 'ErrorMimeContentInvalidBase64String');
  });

  it('moves (201, new id unless ImmutableId), deletes to Recoverable Items and deletes permanently', async () => {
    const m = await emu.tenant.addMessage(alex, 'inbox', MIME('Move me'));
    const moved = await client.api(`/users/${alex}/messages/${m.id}/move`).post({ destinationId: 'archive' }) as Message;
    assert.notEqual(moved.id, m.id);
    assert.equal(moved.parentFolderId, (await client.api(`/users/${alex}/mailFolders/archive`).get()).id);
    const gone = await graphFetch(emu, token, `/users/${alex}/messages/${m.id}`);
    assert.equal(gone.status, 404);
    assert.equal((await gone.json() as { error: { code: string } }).error.code, 'ErrorItemNotFound');

    const immutable = await client.api(`/users/${alex}/messages/${moved.id}`).header('Prefer', 'IdType="ImmutableId"').get() as Message;
    const again = await client.api(`/users/${alex}/messages/${immutable.id}/move`).header('Prefer', 'IdType="ImmutableId"').post({ destinationId: 'inbox' }) as Message;
    assert.equal(again.id, immutable.id, 'immutable ids survive moves');

    const del = await graphFetch(emu, token, `/users/${alex}/messages/${again.id}`, { method: 'DELETE' });
    assert.equal(del.status, 204);
    const recoverable = await emu.tenant.listMessages(alex, 'recoverableitemsdeletions');
    assert.ok(recoverable.some((x) => x.subject === 'Move me'));
    const purge = await graphFetch(emu, token, `/users/${alex}/messages/${recoverable.find((x) => x.subject === 'Move me')!.id}/permanentDelete`, { method: 'POST' });
    assert.equal(purge.status, 204);
    assert.ok(!(await emu.tenant.listMessages(alex, 'recoverableitemsdeletions')).some((x) => x.subject === 'Move me'));
  });

  it('lists folder messages newest first with $top/$skip paging', async () => {
    const page = await client.api(`/users/${alex}/mailFolders/inbox/messages`).select('receivedDateTime').top(5).get() as PageCollection;
    assert.equal(page.value.length, 5);
    assert.match(String(page['@odata.nextLink']), /\$skip=5/);
    const dates = page.value.map((m: Message) => m.receivedDateTime!);
    assert.deepEqual([...dates].sort().reverse(), dates);
  });

  it('holds one message byte-identical in several mailboxes', async () => {
    const copies = await emu.tenant.findMessagesByInternetMessageId(ALL_HANDS_MESSAGE_ID);
    assert.ok(copies.length >= 5);
    const bytes = await Promise.all(copies.map((c) => emu.tenant.getMessageMime(c.userId, c.message.id!)));
    assert.ok(bytes.every((b) => b.equals(bytes[0]!)));
  });

  it('fails $value of chosen messages, by either of their ids, for a while: 504, or a connection reset half-way through the body', async () => {
    const [a, b] = await emu.tenant.listMessages(alex, 'inbox');
    const immutable = await client.api(`/users/${alex}/messages/${a!.id}`).header('Prefer', 'IdType="ImmutableId"').select('id').get() as Message;
    emu.faults.inject({ match: { pathIncludes: '/$value', messageIds: [a!.id!] }, kind: '504', forMs: 60_000 });
    for (const id of [a!.id!, immutable.id!]) assert.equal((await graphFetch(emu, token, `/users/${alex}/messages/${id}/$value`)).status, 504);
    assert.equal((await graphFetch(emu, token, `/users/${alex}/messages/${b!.id}/$value`)).status, 200, 'other messages are served');
    emu.faults.clear();
    assert.equal((await graphFetch(emu, token, `/users/${alex}/messages/${a!.id}/$value`)).status, 200, 'and the fault stops');

    emu.faults.inject({ match: { pathIncludes: '/$value', messageIds: [b!.id!] }, kind: 'reset' });
    const reset = await graphFetch(emu, token, `/users/${alex}/messages/${b!.id}/$value`);
    assert.equal(reset.status, 200);
    await assert.rejects(reset.arrayBuffer(), 'the body breaks off');
    const whole = Buffer.from(await (await graphFetch(emu, token, `/users/${alex}/messages/${b!.id}/$value`)).arrayBuffer());
    assert.ok(whole.equals(await emu.tenant.getMessageMime(alex, b!.id!)));
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Message } from '@microsoft/microsoft-graph-types';
import { simpleParser } from 'mailparser';
import { DEMO_USERS } from '../../emulator/src/index';
import type { EmulatorHandle } from '../../emulator/src/index';
import { appToken, emulator, graphFetch } from './helpers';

const MARKER = 'String {2f3c8a4e-9b1d-4c7a-8e5f-6a0b1c2d3e4f} Name Test.Marker';

describe('Graph message creation from JSON, attachments and upload sessions', () => {
  let emu: EmulatorHandle;
  let token: string;
  const megan = DEMO_USERS.megan.id;
  before(async () => {
    emu = await emulator();
    token = await appToken(emu);
  });
  after(() => emu.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    graphFetch(emu, token, path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  async function create(extra: Partial<Message> & Record<string, unknown> = {}): Promise<Message> {
    const res = await post(`/users/${megan}/mailFolders/inbox/messages`, {
      subject: 'Quarterly numbers', body: { contentType: 'html', content: '<p>See attached.</p>' },
      from: { emailAddress: { name: 'Partner', address: 'partner@fabrikam.example' } },
      toRecipients: [{ emailAddress: { name: 'Megan', address: DEMO_USERS.megan.upn } }], ...extra,
    });
    assert.equal(res.status, 201, await res.clone().text());
    return await res.json() as Message;
  }
  const mimeOf = async (id: string) => simpleParser(await emu.tenant.getMessageMime(megan, id));

  it('creates a draft from JSON unless PR_MESSAGE_FLAGS says otherwise; the delivery and submit times become its dates', async () => {
    const draft = await create();
    assert.equal(draft.isDraft, true);
    const restored = await create({
      singleValueExtendedProperties: [
        { id: 'Integer 0x0E07', value: '1' },
        { id: 'SystemTime 0x0E06', value: '2021-06-01T09:30:00Z' },
        { id: 'SystemTime 0x0039', value: '2021-06-01T09:29:00Z' },
      ],
    });
    assert.deepEqual([restored.isDraft, restored.isRead, restored.receivedDateTime, restored.sentDateTime], [false, true, '2021-06-01T09:30:00Z', '2021-06-01T09:29:00Z']);
    assert.deepEqual(restored.from, { emailAddress: { name: 'Partner', address: 'partner@fabrikam.example' } });
    const unread = await create({ singleValueExtendedProperties: [{ id: 'Integer 0x0E07', value: '0' }] });
    assert.deepEqual([unread.isDraft, unread.isRead], [false, false]);
    const bad = await post(`/users/${megan}/mailFolders/inbox/messages`, { subject: 'x', singleValueExtendedProperties: [{ id: 'SystemTime 0x0E06', value: 'yesterday' }] });
    assert.equal(bad.status, 400);
  });

  it('returns a named extended property only when asked with $expand, on GET and in message delta', async () => {
    const marked = await create({ subject: 'Marked', singleValueExtendedProperties: [{ id: MARKER, value: 'abc' }, { id: 'Integer 0x0E07', value: '1' }] });
    const expand = `$expand=singleValueExtendedProperties($filter=id eq '${MARKER}')`;
    const plain = await (await graphFetch(emu, token, `/users/${megan}/messages/${marked.id}`)).json() as Message;
    assert.equal(plain.singleValueExtendedProperties, undefined);
    const got = await (await graphFetch(emu, token, `/users/${megan}/messages/${marked.id}?${expand}`)).json() as Message;
    assert.deepEqual(got.singleValueExtendedProperties, [{ id: MARKER, value: 'abc' }]);
    const page = await (await graphFetch(emu, token, `/users/${megan}/mailFolders/inbox/messages/delta?$select=subject&${expand}`, { headers: { prefer: 'odata.maxpagesize=1000' } })).json() as { value: Message[] };
    const inDelta = page.value.filter((m) => m.singleValueExtendedProperties);
    assert.deepEqual(inDelta.map((m) => [m.subject, m.singleValueExtendedProperties]), [['Marked', [{ id: MARKER, value: 'abc' }]]]);
  });

  it('refuses a request body over 4 MB with Graph\'s error, and keeps MIME-created items drafts', async () => {
    const big = await post(`/users/${megan}/mailFolders/inbox/messages`, { subject: 'Too big', body: { contentType: 'text', content: 'x'.repeat(4 * 1024 * 1024) } });
    assert.equal(big.status, 413);
    assert.deepEqual((await big.json() as { error: { code: string; message: string } }).error.message, 'The maximum request length supported is 4MB.');
    const mime = Buffer.from('From: a@fabrikam.example\r\nSubject: From MIME\r\n\r\nHello\r\n');
    const res = await graphFetch(emu, token, `/users/${megan}/mailFolders/inbox/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: mime.toString('base64') });
    assert.equal((await res.json() as Message).isDraft, true);
  });

  it('adds a small attachment by POST, and refuses the abstract attachment type', async () => {
    const m = await create();
    const bytes = randomBytes(1000);
    const added = await post(`/users/${megan}/messages/${m.id}/attachments`, { '@odata.type': '#microsoft.graph.fileAttachment', name: 'notes.bin', contentBytes: bytes.toString('base64') });
    assert.equal(added.status, 201);
    const abstract = await post(`/users/${megan}/messages/${m.id}/attachments`, { name: 'x', contentBytes: 'AA==' });
    assert.equal((await abstract.json() as { error: { code: string } }).error.code, 'UnprocessableType');
    const parsed = await mimeOf(m.id!);
    assert.ok(parsed.attachments.find((a) => a.filename === 'notes.bin')!.content.equals(bytes));
  });

  it('uploads a large attachment through an upload session: ranges in order, no bearer token, 201 with its Location at the end', async () => {
    const m = await create();
    const file = randomBytes(5 * 1024 * 1024 + 123);
    const tooSmall = await post(`/users/${megan}/messages/${m.id}/attachments/createUploadSession`, { AttachmentItem: { attachmentType: 'file', name: 'small.bin', size: 1024 } });
    assert.equal((await tooSmall.json() as { error: { code: string } }).error.code, 'ErrorAttachmentSizeShouldNotBeLessThanMinimumSize');
    const res = await post(`/users/${megan}/messages/${m.id}/attachments/createUploadSession`, { AttachmentItem: { attachmentType: 'file', name: 'big.bin', size: file.length } });
    assert.equal(res.status, 201);
    const session = await res.json() as { uploadUrl: string; nextExpectedRanges: string[] };
    assert.deepEqual(session.nextExpectedRanges, ['0-']);
    const put = (start: number, end: number, headers: Record<string, string> = {}) => fetch(session.uploadUrl, {
      method: 'PUT', body: file.subarray(start, end + 1),
      headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes ${start}-${end}/${file.length}`, ...headers },
    });
    const chunk = 3 * 1024 * 1024;
    assert.equal((await put(0, chunk - 1, { authorization: `Bearer ${token}` })).status, 401, 'a Graph token on the upload URL');
    assert.equal((await put(chunk, file.length - 1)).status, 416, 'out of order');
    const first = await put(0, chunk - 1);
    assert.equal(first.status, 200);
    assert.deepEqual((await first.json() as { nextExpectedRanges: string[] }).nextExpectedRanges, [String(chunk)]);
    const last = await put(chunk, file.length - 1);
    assert.equal(last.status, 201);
    assert.match(last.headers.get('location')!, /\/Attachments\('[^']+'\)$/);
    const parsed = await mimeOf(m.id!);
    assert.ok(parsed.attachments.find((a) => a.filename === 'big.bin')!.content.equals(file), 'attached byte for byte');
    assert.equal((await put(0, chunk - 1)).status, 404, 'the session is over');
  });
});

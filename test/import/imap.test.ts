import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { DEMO_USERS } from '../../emulator/src/index';
import { corpusFiles, corpusDir } from '../helpers/corpus';
import { startDovecot, type Dovecot } from '../helpers/dovecot';
import { startStack, type Stack } from '../helpers/stack';
import { rawApi } from '../retrieval/helpers';
import { importState } from './helpers-api';
import { sha256 } from './helpers';

const ADMIN = DEMO_USERS.admin.upn;
const LEE = DEMO_USERS.lee;
let stack: Stack;
let dovecot: Dovecot;

before(async () => {
  [stack, dovecot] = await Promise.all([startStack({ seed: 'demo', workers: 2 }), startDovecot()]);
  await stack.api(ADMIN, 'POST', '/admin/directory/sync');
});
after(async () => {
  await stack?.close();
  await dovecot?.stop();
});

/** Delivers messages into the Dovecot account as a mail client would (APPEND). */
async function deliver(folder: string, messages: Buffer[]): Promise<void> {
  const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, doSTARTTLS: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
  await client.connect();
  if (folder !== 'INBOX') await client.mailboxCreate(folder).catch(() => undefined);
  for (const m of messages) await client.append(folder, m, ['\\Seen'], new Date('2021-05-06T07:08:09Z'));
  await client.logout();
}

const imapImport = (folders: string[] = []) =>
  stack.api(ADMIN, 'POST', '/imports', {
    archive: LEE.upn,
    source: { kind: 'imap', host: '127.0.0.1', port: dovecot.port, tls: 'none', user: dovecot.user, auth: 'password', folders },
    secret: dovecot.password,
  });

test('an IMAP account imports byte for byte (BODY.PEEK[]) into its folders, and a later import fetches only what is new', async (t) => {
  if (!corpusDir()) return t.skip('no corpus');
  // IMAP speaks CRLF: the server holds (and BODY[] returns) each message with CRLF line ends.
  const mails = corpusFiles('spamassassin-easy_ham').slice(100, 130).map((f) => Buffer.from(readFileSync(f).toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1'));
  await deliver('INBOX', mails.slice(0, 20));
  await deliver('Projects/2021', mails.slice(20, 25));

  const first = await imapImport();
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.equal(JSON.stringify(first.body).includes(dovecot.password), false, 'the secret is never shown');
  const done = await importState(stack, ADMIN, first.body.id, ['done', 'failed']);
  assert.equal(done.state, 'done', done.error);
  assert.deepEqual(done.folders.map((f: any) => [f.path, f.archived]).sort(), [['Inbox', 20], ['Projects/2021', 5]]);
  for (const m of [mails[0]!, mails[22]!]) {
    const raw = await rawApi(stack, LEE.upn, 'GET', `/messages/${encodeURIComponent(`${LEE.id}:${sha256(m)}`)}/raw`);
    assert.ok(raw.bytes.equals(m), 'byte-exact');
  }
  const item = await stack.store.db.collection('items').findOne({ _id: `${LEE.id}:${sha256(mails[0]!)}` as never });
  assert.equal(item?.receivedAt.toISOString(), '2021-05-06T07:08:09.000Z', 'INTERNALDATE orders the archive');

  await deliver('INBOX', mails.slice(25, 30));
  const second = await imapImport(['INBOX']);
  const again = await importState(stack, ADMIN, second.body.id, ['done', 'failed']);
  assert.deepEqual([again.state, again.messages.archived, again.messages.duplicate], ['done', 5, 0]);
});

test('a wrong password and an unknown folder fail the import with clear errors; a missing secret is a 400', async () => {
  const wrong = await stack.api(ADMIN, 'POST', '/imports', {
    archive: LEE.upn,
    source: { kind: 'imap', host: '127.0.0.1', port: dovecot.port, tls: 'none', user: dovecot.user },
    secret: 'not-the-password',
  });
  const failed = await importState(stack, ADMIN, wrong.body.id, ['done', 'failed']);
  assert.equal(failed.state, 'failed');
  assert.match(failed.error, /refused the login/);
  const missing = await imapImport(['No such folder']);
  assert.match((await importState(stack, ADMIN, missing.body.id, ['done', 'failed'])).error, /no such folder: No such folder/);
  const noSecret = await stack.api(ADMIN, 'POST', '/imports', { archive: LEE.upn, source: { kind: 'imap', host: '127.0.0.1', port: dovecot.port, tls: 'none', user: dovecot.user } });
  assert.deepEqual([noSecret.status, noSecret.body.error.field], [400, 'secret']);
});

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync, openSync, closeSync, ftruncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { simpleParser } from 'mailparser';
import yazl from 'yazl';
import { corpusFiles, requireCorpus } from '../helpers/corpus';
import { readSource, tempDir } from './helpers';

async function zipOf(files: Record<string, Buffer>, path: string, compress = true): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, bytes] of Object.entries(files)) zip.addBuffer(bytes, name, { compress });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  writeFileSync(path, Buffer.concat(chunks));
}

test('a Maildir++ tree and a folder of .eml files import byte for byte into their folders', async (t) => {
  if (!requireCorpus(t)) return;
  const dir = tempDir(t);
  const mails = corpusFiles('lore-linux-s390').slice(0, 6);
  for (const sub of ['cur', 'new', 'tmp', '.Sent/cur', '.Sent/new', '.Lists.s390/cur', 'exported/2024']) mkdirSync(join(dir, sub), { recursive: true });
  copyFileSync(mails[0]!, join(dir, 'cur', '1204680000.M1P1.host:2,S'));
  copyFileSync(mails[1]!, join(dir, 'new', '1204680001.M2P1.host'));
  copyFileSync(mails[2]!, join(dir, 'tmp', 'half-delivered'));
  copyFileSync(mails[3]!, join(dir, '.Sent/cur', '1204680002.M3P1.host:2,S'));
  copyFileSync(mails[4]!, join(dir, '.Lists.s390/cur', '1204680003.M4P1.host:2,'));
  copyFileSync(mails[5]!, join(dir, 'exported/2024', 'patch.eml'));
  writeFileSync(join(dir, 'dovecot-uidlist'), '3 V1 N2\n');
  const { messages, failures } = await readSource(dir, 'mail');
  assert.deepEqual(failures, []);
  const got = messages.map((m) => [m.folder, m.bytes.equals(readFileSync(mails[[0, 1, 3, 4, 5].find((i) => readFileSync(mails[i]!).equals(m.bytes))!]!))]);
  assert.deepEqual(got.sort(), [['', true], ['', true], ['Lists/s390', true], ['Sent', true], ['exported/2024', true]].sort());
  assert.equal(messages.find((m) => m.bytes.equals(readFileSync(mails[0]!)))!.receivedAt?.toISOString(), '2008-03-05T01:20:00.000Z');
});

test('a zip of .eml files, an mbox and a .msg keeps its folder structure; a zip bomb is refused by name', async (t) => {
  const corpus = requireCorpus(t);
  if (!corpus) return;
  const dir = tempDir(t);
  const eml = readFileSync(corpusFiles('spamassassin-easy_ham')[0]!);
  await zipOf(
    {
      'Archive/2002/one.eml': eml,
      'Archive/Lists.mbox': readFileSync(join(corpus, 'mimekit-mbox/simple.mbox.txt')),
      'Outlook/saved.msg': readFileSync(join(corpus, 'msgreader-msg/attachAndInline.msg')),
      'bomb/huge.eml': Buffer.alloc(50 * 1024 * 1024, 'A'),
    },
    join(dir, 'export.zip'),
  );
  const { messages, failures } = await readSource(join(dir, 'export.zip'), 'export.zip', { limits: { maxMessageBytes: 100e6, maxZipBytes: 1e9, maxZipRatio: 100, tmpDir: dir } });
  assert.deepEqual(messages.map((m) => m.folder), ['Archive/2002', 'Archive/Lists', 'Archive/Lists', 'Archive/Lists', 'Outlook']);
  assert.ok(messages[0]!.bytes.equals(eml), 'the .eml is byte-exact');
  assert.deepEqual(failures.map((f) => [f.code, f.where]), [['ZIP_BOMB', 'export.zip › bomb/huge.eml']]);
  assert.match(failures[0]!.message, /expands \d+ times/);
});

test('an Outlook .msg becomes MIME with its recipients, Bcc, attachments and embedded messages, and carries the original .msg byte for byte', async (t) => {
  const corpus = requireCorpus(t);
  if (!corpus) return;
  const read = async (name: string) => {
    const path = join(corpus, 'msgreader-msg', name);
    const { messages, failures } = await readSource(path, name);
    assert.deepEqual(failures, [], name);
    return { message: messages[0]!, parsed: await simpleParser(messages[0]!.bytes), original: readFileSync(path) };
  };
  const bcc = await read('Subject.msg');
  assert.equal(bcc.parsed.subject, 'Subject');
  assert.equal((bcc.parsed.bcc as { text: string }).text, '"ToBcc" <bcc@example.com>');
  const original = bcc.parsed.attachments.find((a) => a.contentType === 'application/vnd.ms-outlook');
  assert.ok(original?.content.equals(bcc.original), 'the original .msg is attached unchanged');
  const nested = await read('msgInMsgInMsg.msg');
  assert.ok(nested.message.bytes.toString().includes('Content-Type: message/rfc822'), 'embedded messages stay messages');
  const inline = await read('attachAndInline.msg');
  assert.deepEqual(inline.parsed.attachments.filter((a) => a.contentType !== 'application/vnd.ms-outlook').map((a) => [a.filename, a.cid ?? null]).sort(), [['attach.png', null], ['image001.png', 'image001.png@01D78380.EF6DC500']]);
  const contact = await read('contactUnicode.msg');
  assert.match(contact.message.lost!.join(), /IPM\.Contact fields/);
});

test('a PST imports its folders and items with what the conversion lost noted; a password-protected, truncated or foreign file is a clear error', async (t) => {
  const corpus = requireCorpus(t);
  if (!corpus) return;
  const pst = join(corpus, 'java-libpst/dist-list.pst');
  const { messages, failures } = await readSource(pst, 'dist-list.pst');
  assert.deepEqual(failures, []);
  assert.deepEqual(messages.map((m) => m.folder), ['Calendar', 'Contacts', 'Contacts']);
  const parsed = await Promise.all(messages.map((m) => simpleParser(m.bytes)));
  assert.deepEqual(parsed.map((p) => p.subject), ['Test appointment', 'contact name 1', 'test dist list']);
  assert.deepEqual(parsed.map((p) => p.headers.get('x-ms-message-class')), ['IPM.Appointment', 'IPM.Contact', 'IPM.DistList']);
  assert.match(messages[2]!.lost!.join(), /IPM\.DistList fields/);

  const locked = await readSource(join(corpus, 'java-libpst/passworded.pst'), 'passworded.pst');
  assert.deepEqual(locked.failures.map((f) => [f.code, f.where]), [['PST_PASSWORD_PROTECTED', 'passworded.pst']]);
  assert.equal((await readSource(join(corpus, 'java-libpst/passworded.pst'), 'passworded.pst', { pstPassword: 'wrong' })).failures[0]!.message, 'the PST password given is wrong');

  const dir = tempDir(t);
  writeFileSync(join(dir, 'truncated.pst'), readFileSync(pst).subarray(0, 20_000));
  const truncated = await readSource(join(dir, 'truncated.pst'), 'truncated.pst');
  assert.equal(truncated.messages.length, 0);
  assert.ok(truncated.failures.length > 0 && truncated.failures.every((f) => f.where.startsWith('truncated.pst')), JSON.stringify(truncated.failures));
  writeFileSync(join(dir, 'fake.msg'), 'Subject: not an Outlook file\r\n\r\nhello\r\n');
  assert.deepEqual((await readSource(join(dir, 'fake.msg'), 'fake.msg')).failures.map((f) => [f.code, f.where]), [['NOT_MSG', 'fake.msg']]);
});

function sparseFile(path: string, head: string, size: number): void {
  const fd = openSync(path, 'w');
  writeSync(fd, head);
  ftruncateSync(fd, size);
  closeSync(fd);
}

test('a 10 GB file is refused without being read into memory; a huge mbox message streams through in constant memory', async (t) => {
  const dir = tempDir(t);
  const limits = { maxMessageBytes: 64 * 1024 * 1024, maxZipBytes: 1e9, maxZipRatio: 100, tmpDir: dir };
  sparseFile(join(dir, 'huge.eml'), 'Subject: huge\r\n\r\n', 10 * 1024 ** 3);
  assert.deepEqual((await readSource(join(dir, 'huge.eml'), 'huge.eml', { limits })).failures.map((f) => [f.code, f.where]), [['MESSAGE_TOO_LARGE', 'huge.eml']]);
  sparseFile(join(dir, 'huge.bin'), '\0', 10 * 1024 ** 3);
  assert.deepEqual((await readSource(join(dir, 'huge.bin'), 'huge.bin', { limits })).failures.map((f) => f.code), ['NOT_MAIL']);
  // An mbox must be read through to find where the next message starts: a line without end, 4x the limit.
  sparseFile(join(dir, 'huge.mbox'), 'From a@b Thu Jan  1 00:00:00 1970\nSubject: huge\n\n', 4 * limits.maxMessageBytes);
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const { failures, messages } = await readSource(join(dir, 'huge.mbox'), 'huge.mbox', { limits });
  clearInterval(timer);
  assert.equal(messages.length, 0);
  assert.deepEqual(failures.map((f) => f.code), ['MESSAGE_TOO_LARGE']);
  assert.ok(peak - before < limits.maxMessageBytes, `memory grew by ${Math.round((peak - before) / 1e6)} MB`);
});

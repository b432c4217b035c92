import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { MboxrdQuote, fromLine } from '../../backend/src/retrieval/mbox';
import { corpusFiles, requireCorpus } from '../helpers/corpus';
import { readSource, tempDir } from './helpers';

test('every message of the imaptest mbox files is read, byte for byte as between its From_ lines', async (t) => {
  if (!requireCorpus(t)) return;
  let total = 0;
  for (const file of corpusFiles('imaptest')) {
    const raw = readFileSync(file, 'latin1');
    // The reference split: these files have no From-quoted lines; a blank line ends each message.
    const expected = raw.split(/^From [^\n]*\n/m).slice(1).map((m) => (m.endsWith('\n\n') ? m.slice(0, -1) : m));
    const { messages, failures } = await readSource(file, file);
    assert.deepEqual(failures, [], file);
    assert.deepEqual(messages.map((m) => m.bytes.toString('latin1')), expected, file);
    total += messages.length;
  }
  assert.equal(total, 191);
});

test('a bare "From " line inside a body stays in its message; mimekit mboxes split as their authors say', async (t) => {
  const corpus = requireCorpus(t);
  if (!corpus) return;
  const unmunged = await readSource(join(corpus, 'mimekit-mbox/unmunged.mbox.txt'), 'unmunged.mbox');
  assert.equal(unmunged.messages.length, 2);
  assert.match(unmunged.messages[0]!.bytes.toString(), /\nFrom Russia with love\n\nWhat does Thunderbird do\?\n$/);
  assert.match(unmunged.messages[1]!.bytes.toString(), /\nFrom Russia with love\nYear: 1963\n/);
  const counts = await Promise.all(['simple', 'issue1189', 'content-length'].map(async (n) => (await readSource(join(corpus, `mimekit-mbox/${n}.mbox.txt`), n)).messages.length));
  assert.deepEqual(counts, [3, 4, 29]);
});

test('mboxrd quoting is undone exactly: what our export writes reads back as the original bytes', async (t) => {
  const dir = tempDir(t);
  const originals = [
    Buffer.from('From: a@example.com\r\nSubject: one\r\n\r\nFrom here on\r\n>From quoted once\r\n>>From twice\r\n'),
    Buffer.from('From: b@example.com\nSubject: two\n\nno newline at the end'),
    Buffer.from('From: c@example.com\nSubject: three\n\n\nFrom the desk of C\n\n'),
  ];
  const parts: Buffer[] = [];
  for (const m of originals) parts.push(Buffer.from(fromLine('a@example.com', new Date(0))), await buffer(Readable.from([m]).pipe(new MboxrdQuote())));
  writeFileSync(join(dir, 'export.mbox'), Buffer.concat(parts));
  const { messages } = await readSource(join(dir, 'export.mbox'), 'export.mbox');
  assert.deepEqual(messages[0]!.bytes, originals[0]);
  // mbox cannot tell a missing final newline from the separator's: the reader gives one back.
  assert.deepEqual(messages[1]!.bytes, Buffer.concat([originals[1]!, Buffer.from('\n')]));
  assert.deepEqual(messages[2]!.bytes, originals[2]);
  // mboxo readers only ever unquote one level: read as mboxo, the deeper lines keep their '>'.
  const mboxo = await readSource(join(dir, 'export.mbox'), 'export.mbox', { mboxFormat: 'mboxo' });
  assert.match(mboxo.messages[0]!.bytes.toString(), /\r\nFrom here on\r\n>>From quoted once\r\n>>>From twice\r\n$/);
});

test('a resumed mbox read starts at the message after the cursor', async (t) => {
  const corpus = requireCorpus(t);
  if (!corpus) return;
  const file = join(corpus, 'mimekit-mbox/content-length.mbox.txt');
  const all = await readSource(file, 'cl');
  const firstTen = await readSource(file, 'cl', {}, null, 10);
  const rest = await readSource(file, 'cl', {}, firstTen.messages.at(-1)!.cursor);
  assert.deepEqual([...firstTen.messages, ...rest.messages].map((m) => m.bytes), all.messages.map((m) => m.bytes));
});

test('a file that is not an mbox, and messages over the size limit, are errors naming file and place', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'notes.mbox'), 'Dear diary,\nFrom today on I keep notes.\n');
  const bad = await readSource(join(dir, 'notes.mbox'), 'notes.mbox');
  assert.equal(bad.failures[0]!.code, 'NOT_MBOX');
  assert.equal(bad.failures[0]!.where, 'notes.mbox');
  const big = `From a@b Thu Jan  1 00:00:00 1970\nSubject: big\n\n${'x'.repeat(5000)}\nFrom a@b Thu Jan  1 00:00:00 1970\nSubject: small\n\nhi\n`;
  writeFileSync(join(dir, 'big.mbox'), big);
  const read = await readSource(join(dir, 'big.mbox'), 'big.mbox', { limits: { maxMessageBytes: 1000, maxZipBytes: 1e9, maxZipRatio: 100, tmpDir: dir } });
  assert.deepEqual(read.failures.map((f) => [f.code, f.where]), [['MESSAGE_TOO_LARGE', 'big.mbox › message at byte 0']]);
  assert.equal(read.messages.length, 1);
});

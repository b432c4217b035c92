import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MboxrdQuote, fromLine } from '../../backend/src/retrieval/mbox';
import { parseMboxrd } from './mbox-reader';

/** The quoting as a whole-buffer rule, to hold the streaming version against. */
function quoteReference(message: Buffer): Buffer {
  const lines = message.toString('latin1').split('\n').map((line) => line.replace(/^(>*From )/, '>$1'));
  const quoted = lines.join('\n');
  return Buffer.from(quoted + (quoted === '' || quoted.endsWith('\n') ? '\n' : '\n\n'), 'latin1');
}

async function quote(message: Buffer, chunkSizes: () => number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let at = 0; at < message.length; ) {
    const size = Math.max(1, chunkSizes());
    chunks.push(message.subarray(at, at + size));
    at += size;
  }
  const out: Buffer[] = [];
  const sink = new Writable({ write: (chunk, _e, done) => void (out.push(chunk), done()) });
  await pipeline(Readable.from(chunks), new MboxrdQuote(), sink);
  return Buffer.concat(out);
}

const TRICKY = [
  'From: a@b\r\nSubject: x\r\n\r\nFrom here on\r\n>From quoted\r\n>>From twice\r\nFrom\r\nFro\r\n>>>\r\nFrom',
  'From the very start\nno CR here\n\nFrom \n>From \n',
  'Fr',
  '>>>>>From deep\r\n',
  '\n\n\nFrom after blank lines\r\n From not at line start\r\nxFrom neither\r\n',
  'ends with a partial Fro',
  '',
];

test('mboxrd quoting in a stream equals the whole-buffer rule, however the bytes are cut', async () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (const text of TRICKY) {
    const message = Buffer.from(text, 'latin1');
    const expected = quoteReference(message);
    for (const sizes of [() => 1, () => 2, () => 3, () => 5, () => 64 * 1024, () => Math.floor(random() * 8)]) {
      assert.deepEqual((await quote(message, sizes)).toString('latin1'), expected.toString('latin1'), JSON.stringify(text));
    }
  }
});

test('an mbox of quoted messages reads back into the same messages, byte for byte', async () => {
  const messages = TRICKY.filter((t) => t.endsWith('\n')).map((t) => Buffer.from(t, 'latin1'));
  const parts: Buffer[] = [];
  for (const m of messages) parts.push(Buffer.from(fromLine('a@b', new Date(0))), await quote(m, () => 3));
  const back = parseMboxrd(Buffer.concat(parts));
  assert.equal(back.length, messages.length);
  back.forEach((m, i) => assert.ok(m.equals(messages[i]!), `message ${i}`));
});

test('From lines carry the envelope sender and the date in asctime form (UTC)', () => {
  assert.equal(fromLine('megan.bowen@contoso.example', new Date('2024-03-04T09:05:07Z')), 'From megan.bowen@contoso.example Mon Mar  4 09:05:07 2024\n');
  assert.equal(fromLine('', new Date('2024-12-25T23:00:00Z')), 'From MAILER-DAEMON Wed Dec 25 23:00:00 2024\n');
  assert.equal(fromLine('two words@x', new Date(0)), 'From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n');
});

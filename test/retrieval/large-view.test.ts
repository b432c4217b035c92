// The view of a very large message reads only the start of the original: its headers, text and
// attachment list come from the stored document, its HTML body from the first megabytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { RENDER_BUDGET, renderMessage } from '../../backend/src/retrieval/render';

const MB = 1024 * 1024;

/** An HTML mail with one attachment of `attachmentMb` base64-encoded random bytes, generated as it is read. */
function bigMessage(attachmentMb: number): { open: () => Readable; size: number; read: () => number } {
  const head = Buffer.from(
    [
      'From: Lee <lee@contoso.example>',
      'To: Megan <megan@contoso.example>',
      'Subject: the big one',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>See the <b>attached</b> recording.</p>',
      '--b1',
      'Content-Type: application/octet-stream; name="recording.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      '',
    ].join('\r\n'),
  );
  const line = () => Buffer.from(`${randomBytes(57).toString('base64')}\r\n`);
  const lines = Math.ceil((attachmentMb * MB) / 57);
  const tail = Buffer.from('--b1--\r\n');
  const size = head.length + lines * 78 + tail.length;
  let read = 0;
  const open = () =>
    Readable.from(
      (function* () {
        yield head;
        for (let i = 0; i < lines; i += 1000) {
          const block = Buffer.concat(Array.from({ length: Math.min(1000, lines - i) }, line));
          read += block.length;
          yield block;
        }
        yield tail;
      })(),
    );
  return { open, size, read: () => read };
}

test('the view of a message far past the read budget shows its HTML body and reads only the budget of it', async () => {
  const message = bigMessage(24);
  const rendered = await renderMessage(message.open, { cidUrls: {}, allowRemote: false, size: message.size, timeLimitMs: 120_000 });
  // (What it reads is the point here, not how fast: the time budget is generous for a loaded machine.)
  assert.match(rendered.html ?? '', /See the <b>attached<\/b> recording/);
  assert.match(rendered.errors[0] ?? '', /read the first 16 MB of this 33 MB message/);
  assert.deepEqual(rendered.errors.length, 1, rendered.errors.join('; '));
  assert.ok(message.read() <= RENDER_BUDGET.maxMessageBytes + 2 * MB, `read ${(message.read() / MB).toFixed(1)} MB of ${(message.size / MB).toFixed(1)} MB`);
});

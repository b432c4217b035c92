import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { ingestMessage, type IngestResult } from '../../backend/src/ingest';
import { parseMessage, type ParsedMessage } from '../../backend/src/ingest/parse';
import { getItem } from '../../backend/src/store/items';
import { getMessageDoc } from '../../backend/src/store/messages';
import { testStore, type TestStore } from '../helpers/db';
import { peakMemoryDuring } from '../helpers/memory';

const MB = 1024 * 1024;
/** Total message size; override with INGEST_LARGE_MB to measure other sizes. */
const MESSAGE_MB = Number(process.env.INGEST_LARGE_MB ?? 120);

let store: TestStore;
before(async () => {
  store = await testStore();
});
after(async () => {
  await store?.drop();
});

/**
 * A message of about `totalBytes` with one base64 attachment of incompressible bytes, generated
 * while it is read (never held whole). `attachment` reports the decoded size and SHA-256 once
 * the stream has ended.
 */
function bigMessage(totalBytes: number) {
  const head = Buffer.from(
    'From: Big Sender <big@example.com>\r\nTo: archive@example.com\r\nSubject: a very large attachment\r\n' +
      'Date: Tue, 2 Jan 2024 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n' +
      '--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the attached disk image.\r\n' +
      '--b1\r\nContent-Type: application/octet-stream; name="disk.img"\r\nContent-Disposition: attachment; filename="disk.img"\r\n' +
      'Content-Transfer-Encoding: base64\r\n\r\n',
  );
  const tail = Buffer.from('\r\n--b1--\r\n');
  const noise = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16));
  const hash = createHash('sha256');
  const attachment = { size: 0, sha256: '' };
  // 57 raw bytes make one 76-character base64 line + CRLF: 78 bytes on the wire.
  const lines = Math.floor((totalBytes - head.length - tail.length) / 78);
  const linesPerChunk = 840;
  let written = 0;
  const stream = new Readable({
    read() {
      if (written === 0) this.push(head);
      if (written >= lines) {
        attachment.sha256 = hash.digest('hex');
        this.push(tail);
        this.push(null);
        return;
      }
      const n = Math.min(linesPerChunk, lines - written);
      const raw = noise.update(Buffer.alloc(n * 57));
      hash.update(raw);
      attachment.size += raw.length;
      const out = Buffer.allocUnsafe(n * 78);
      for (let i = 0; i < n; i++) {
        out.write(raw.subarray(i * 57, (i + 1) * 57).toString('base64'), i * 78, 'latin1');
        out.write('\r\n', i * 78 + 76, 'latin1');
      }
      written += n;
      this.push(out);
    },
  });
  return { stream, attachment };
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

test(`a ${MESSAGE_MB} MB message is ingested with memory far below its size`, { timeout: 300_000 }, async (t) => {
  const { stream, attachment } = bigMessage(MESSAGE_MB * MB);
  let result: IngestResult | undefined;
  const started = Date.now();
  const peak = await peakMemoryDuring(async () => {
    result = await ingestMessage(store, {
      archiveId: 'large',
      folder: 'Inbox',
      receivedAt: new Date('2024-01-02T09:00:05Z'),
      source: { kind: 'graph', mailboxId: 'mbx', folderId: 'inbox', messageId: 'big-1' },
      content: stream,
      // This test is about memory: a busy CI machine must not trip the parser's wall-clock limit.
    }, { parse: { timeLimitMs: 10 * 60_000 } });
  });
  assert.ok(result);
  t.diagnostic(`${mb(result.size)} ingested in ${Date.now() - started} ms; peak growth: heap+buffers ${mb(peak.heap)}, RSS ${mb(peak.rss)}`);

  assert.equal(result.status, 'archived');
  assert.ok(result.size > (MESSAGE_MB - 1) * MB);
  assert.deepEqual(result.parseErrors, []);
  const doc = await getMessageDoc(store.conn, result.sha256);
  assert.equal(doc?.subject, 'a very large attachment');
  assert.equal(doc?.bodyText, 'See the attached disk image.');
  assert.deepEqual(doc?.attachments, [
    { filename: 'disk.img', contentType: 'application/octet-stream', size: attachment.size, sha256: attachment.sha256, inline: false },
  ]);
  assert.equal((await getItem(store.conn, 'large', result.sha256))?.hasAttachments, true);
  // Reading it back is verifyArchived's job, tested on small messages: on FerretDB re-reading
  // 120 MB from GridFS takes over a minute, so here only the stored size is checked.
  assert.equal((await store.blobs.stat(result.sha256))?.size, result.size);
  // Generous bounds: the point is "not proportional to the message", not an exact budget
  // (measured for 120 MB: about 13 MB live, 40-70 MB RSS).
  assert.ok(peak.heap < 40 * MB, `heap and buffers grew by ${mb(peak.heap)} for a ${MESSAGE_MB} MB message`);
  assert.ok(peak.rss < 100 * MB, `RSS grew by ${mb(peak.rss)} for a ${MESSAGE_MB} MB message`);
});

test(`a ${MESSAGE_MB} MB plain-text body is parsed with memory far below its size`, { timeout: 120_000 }, async (t) => {
  const line = Buffer.from(`${'All work and no play makes Jack a dull boy. '.repeat(20)}\r\n`);
  const block = Buffer.concat(Array<Buffer>(100).fill(line));
  let left = MESSAGE_MB * MB;
  const open = () =>
    new Readable({
      read() {
        if (left === MESSAGE_MB * MB) this.push('Subject: a log pasted into the body\r\nContent-Type: text/plain\r\n\r\n');
        if (left <= 0) return void this.push(null);
        left -= block.length;
        this.push(block);
      },
    });
  const started = Date.now();
  let msg: ParsedMessage | undefined;
  const peak = await peakMemoryDuring(async () => {
    msg = await parseMessage(open);
  });
  assert.ok(msg);
  t.diagnostic(`parsed in ${Date.now() - started} ms; peak growth: heap+buffers ${mb(peak.heap)}, RSS ${mb(peak.rss)}`);
  assert.equal(msg.subject, 'a log pasted into the body');
  assert.equal(msg.textTruncated, true);
  assert.equal(msg.bodyText.length, MB);
  assert.ok(peak.heap < 40 * MB, `heap and buffers grew by ${mb(peak.heap)}`);
});

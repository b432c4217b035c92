import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { openBlobStore, openStore, type BlobStore } from '../../backend/src/store';
import { readerBytesAtMost } from '../../backend/src/store/blobs';
import { testStore, watchedStore, withCommandMonitoring, type TestStore } from '../helpers/db';
import { peakMemoryDuring } from '../helpers/memory';

const MB = 1024 * 1024;
/** Chunk size of the store most tests use, so that small messages still span many chunks. */
const CHUNK = 64 * 1024;

/**
 * A deterministic message of `size` bytes, generated on demand: 64 KiB blocks alternating between
 * text (compresses well) and AES-CTR keystream (does not compress at all).
 */
function generated(size: number, seed = 1): () => Readable {
  return () => {
    const key = createHash('sha256').update(`seed ${seed}`).digest();
    const noise = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
    const text = Buffer.alloc(64 * 1024, `Line of an archived message number ${seed}, quite repetitive.\r\n`);
    let produced = 0;
    let block = 0;
    return new Readable({
      read() {
        if (produced >= size) return void this.push(null);
        const n = Math.min(64 * 1024, size - produced);
        const bytes = block % 2 === 0 ? text.subarray(0, n) : noise.update(Buffer.alloc(n));
        produced += n;
        block += 1;
        this.push(bytes);
      },
    });
  };
}

async function digest(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

async function blobOf(size: number, seed: number) {
  const open = generated(size, seed);
  return { open, ...(await digest(open())) };
}

function sha256Of(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function rejectsWithCode(work: Promise<unknown>, code: string): Promise<Error> {
  const err = await work.then(
    () => assert.fail(`expected a ${code} error`),
    (e: unknown) => e as Error & { code?: string },
  );
  assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
  return err;
}

describe('message blob store', () => {
  let store: TestStore;
  let blobs: BlobStore;
  let defaultChunks: BlobStore;
  const files = () => store.db.collection<{ _id: string }>('messages.files');
  const chunks = () => store.db.collection<{ _id: string; files_id: string; n: number; data: Buffer }>('messages.chunks');
  const uploads = () => store.db.collection<{ _id: string; owner: string; expiresAt: Date }>('messages.uploads');

  before(async () => {
    store = await testStore('blobs');
    defaultChunks = store.blobs;
    blobs = await openBlobStore(store.db, { chunkSizeBytes: CHUNK });
  });
  after(() => store.drop());

  test('a 72 MB message round-trips byte-exact, compressed, without being held in memory', async (t) => {
    // Half of it does not compress, so that even its stored form (about 36 MB) is well over what
    // a reader may hold: a reader or writer that kept the message, or its chunks, would fail.
    const blob = await blobOf(72 * MB, 25);
    const bound = readerBytesAtMost(MB);
    const { heap: peak } = await peakMemoryDuring(async () => {
      const putStarted = Date.now();
      assert.deepEqual(await defaultChunks.put(blob.sha256, blob.size, blob.open), { created: true });
      const putMs = Date.now() - putStarted;
      const openStarted = Date.now();
      assert.deepEqual(await digest(defaultChunks.open(blob.sha256)), { sha256: blob.sha256, size: blob.size });
      const openMs = Date.now() - openStarted;
      t.diagnostic(`put ${putMs} ms, open ${openMs} ms`);
    });
    t.diagnostic(`peak memory growth ${(peak / MB).toFixed(1)} MB (at most ${(bound / MB).toFixed(1)} MB by design)`);
    assert.ok(peak < bound, `memory grew by ${(peak / MB).toFixed(1)} MB while streaming a 72 MB message`);

    const stat = await defaultChunks.stat(blob.sha256);
    assert.equal(stat?.size, blob.size);
    assert.ok(stat.storedSize < blob.size * 0.7, `stored ${stat.storedSize} bytes for ${blob.size}`);
    const file = await files().findOne({ _id: blob.sha256 });
    assert.deepEqual((file as unknown as { metadata: unknown }).metadata, {
      size: blob.size,
      storedSize: stat.storedSize,
      encoding: 'gzip',
      sha256: blob.sha256,
    });
  });

  test('storing a message again keeps one copy and stops reading it once its first chunk is refused', async (t) => {
    const blob = await blobOf(2 * MB, 2);
    let read = 0;
    const open = () => blob.open().on('data', (chunk: Buffer) => (read += chunk.length));
    assert.deepEqual(await blobs.put(blob.sha256, blob.size, open), { created: true });
    assert.equal(read, blob.size);
    read = 0;
    assert.deepEqual(await blobs.put(blob.sha256, blob.size, open), { created: false });
    t.diagnostic(`the second put read ${read} of ${blob.size} bytes`);
    // The first chunk's insert says the message is there; what streams meanwhile is buffers' worth.
    assert.ok(read < blob.size / 4, `the second put read ${read} of ${blob.size} bytes`);
    assert.equal(await files().countDocuments({ _id: blob.sha256 }), 1);
    assert.equal(await blobs.has(blob.sha256), true);
    await rejectsWithCode(blobs.put(blob.sha256, blob.size + 1, open), 'BLOB_MISMATCH');
  });

  test('concurrent writers of one message all succeed and leave exactly one copy', async () => {
    const blob = await blobOf(MB, 3);
    const results = await Promise.all([1, 2, 3].map(() => blobs.put(blob.sha256, blob.size, blob.open)));
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.equal(await files().countDocuments({ _id: blob.sha256 }), 1);
    const stat = await blobs.stat(blob.sha256);
    assert.equal(await chunks().countDocuments({ files_id: blob.sha256 }), Math.ceil(stat!.storedSize / CHUNK));
    assert.equal(await uploads().countDocuments({ _id: blob.sha256 }), 0);
    assert.equal(await blobs.verify(blob.sha256), true);
  });

  test('bytes that do not match the hash or the size are rejected and leave nothing behind', async () => {
    const blob = await blobOf(2 * MB, 4);
    const other = sha256Of('some other message');
    const wrongHash = await rejectsWithCode(blobs.put(other, blob.size, blob.open), 'BLOB_MISMATCH');
    assert.match(wrongHash.message, new RegExp(`blob ${other} do not match it: SHA-256 ${blob.sha256}`));
    const tooShort = await rejectsWithCode(blobs.put(blob.sha256, blob.size + 10, blob.open), 'BLOB_MISMATCH');
    assert.match(tooShort.message, /2097152 bytes, expected 2097162/);
    const tooLong = await rejectsWithCode(blobs.put(blob.sha256, MB, blob.open), 'BLOB_MISMATCH');
    assert.match(tooLong.message, /more than the expected 1048576 bytes/);
    for (const id of [other, blob.sha256]) {
      assert.equal(await blobs.has(id), false);
      assert.equal(await chunks().countDocuments({ files_id: id }), 0);
      assert.equal(await uploads().countDocuments({ _id: id }), 0);
    }
  });

  test('a failing source leaves nothing behind', async () => {
    const blob = await blobOf(2 * MB, 5);
    async function* cutOff() {
      let seen = 0;
      for await (const chunk of blob.open() as AsyncIterable<Buffer>) {
        seen += chunk.length;
        if (seen > MB) throw new Error('mailbox connection reset');
        yield chunk;
      }
    }
    const broken = () => Readable.from(cutOff());
    await assert.rejects(blobs.put(blob.sha256, blob.size, broken), /mailbox connection reset/);
    assert.equal(await chunks().countDocuments({ files_id: blob.sha256 }), 0);
    assert.equal(await uploads().countDocuments({ _id: blob.sha256 }), 0);
  });

  test('chunks left by a crashed upload are cleaned before the next put', async () => {
    const blob = await blobOf(2 * MB, 6);
    const garbage = Buffer.alloc(CHUNK, 0x41);
    // Chunks 0-2 of a crashed upload, and chunk 4 behind a gap left by an interrupted cleanup.
    for (const n of [0, 1, 2, 4]) {
      await chunks().insertOne({ _id: `${blob.sha256}:${n}`, files_id: blob.sha256, n, data: garbage });
    }
    // The crashed writer's lease has run out.
    await uploads().insertOne({ _id: blob.sha256, owner: 'crashed', expiresAt: new Date(Date.now() - 1000) });
    assert.deepEqual(await blobs.put(blob.sha256, blob.size, blob.open), { created: true });
    const stat = await blobs.stat(blob.sha256);
    assert.ok(stat!.storedSize > 4 * CHUNK, 'the new upload should reach the chunk behind the gap');
    assert.equal(await chunks().countDocuments({ files_id: blob.sha256 }), Math.ceil(stat!.storedSize / CHUNK));
    assert.deepEqual(await digest(blobs.open(blob.sha256)), { sha256: blob.sha256, size: blob.size });
  });

  test('stray chunks without any trace of their upload do not block a put', async () => {
    const blob = await blobOf(MB, 9);
    await chunks().insertOne({ _id: `${blob.sha256}:1`, files_id: blob.sha256, n: 1, data: Buffer.alloc(10) });
    assert.deepEqual(await blobs.put(blob.sha256, blob.size, blob.open), { created: true });
    assert.equal(await blobs.verify(blob.sha256), true);
    const stat = await blobs.stat(blob.sha256);
    assert.equal(await chunks().countDocuments({ files_id: blob.sha256 }), Math.ceil(stat!.storedSize / CHUNK));
  });

  test('a writer waits for a live upload of the same message instead of racing it', async () => {
    const blob = await blobOf(300 * 1024, 7);
    const slow = await openBlobStore(store.db, { chunkSizeBytes: CHUNK, leaseMs: 600, pollMs: 20 });
    const otherExpires = Date.now() + 400;
    await uploads().insertOne({ _id: blob.sha256, owner: 'other worker', expiresAt: new Date(otherExpires) });
    assert.deepEqual(await slow.put(blob.sha256, blob.size, blob.open), { created: true });
    // Measured against the lease's own expiry: a slow insert must not make the wait look short.
    assert.ok(Date.now() >= otherExpires, 'the put should have waited for the other lease to expire');
    assert.equal(await blobs.verify(blob.sha256), true);
  });

  test('a message that fits one chunk is stored with two writes and no upload lease', async () => {
    const blob = await blobOf(20 * 1024, 10);
    const writes: string[] = [];
    const watched = await openStore({ uri: withCommandMonitoring(process.env.MONGODB_URI!), dbName: store.dbName });
    const client = watched.db.client;
    const onWrite = (e: { commandName: string; command: Record<string, unknown> }) => {
      if (['insert', 'update', 'delete'].includes(e.commandName)) writes.push(`${e.commandName} ${String(e.command[e.commandName])}`);
    };
    client.on('commandStarted', onWrite);
    try {
      const small = await openBlobStore(watched.db, { chunkSizeBytes: CHUNK });
      assert.deepEqual(await small.put(blob.sha256, blob.size, blob.open), { created: true });
    } finally {
      client.off('commandStarted', onWrite);
      await watched.close();
    }
    assert.deepEqual(writes, ['insert messages.chunks', 'insert messages.files']);
    assert.equal(await chunks().countDocuments({ files_id: blob.sha256 }), 1);
    assert.deepEqual(await digest(blobs.open(blob.sha256)), { sha256: blob.sha256, size: blob.size });
    await rejectsWithCode(blobs.put(blob.sha256, blob.size + 1, blob.open), 'BLOB_MISMATCH');
    await rejectsWithCode(blobs.put(sha256Of('other'), blob.size, blob.open), 'BLOB_MISMATCH');
    assert.equal(await chunks().countDocuments({ files_id: sha256Of('other') }), 0);
  });

  test('concurrent writers of one small message all succeed and leave exactly one chunk', async () => {
    const blob = await blobOf(30 * 1024, 11);
    const results = await Promise.all([1, 2, 3, 4].map(() => blobs.put(blob.sha256, blob.size, blob.open)));
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.equal(await files().countDocuments({ _id: blob.sha256 }), 1);
    assert.equal(await chunks().countDocuments({ files_id: blob.sha256 }), 1);
    assert.equal(await blobs.verify(blob.sha256), true);
  });

  test('a small message whose writer died between its chunk and its file is completed by the next put', async () => {
    const blob = await blobOf(16 * 1024, 12);
    // The whole chunk, as the dead writer inserted it.
    await blobs.put(blob.sha256, blob.size, blob.open);
    await files().deleteOne({ _id: blob.sha256 });
    assert.equal(await blobs.has(blob.sha256), false);
    assert.deepEqual(await blobs.put(blob.sha256, blob.size, blob.open), { created: true });
    assert.equal(await blobs.verify(blob.sha256), true);
    assert.equal(await chunks().countDocuments({ files_id: blob.sha256 }), 1);
  });

  test('a small message finds the cut-short start of an upload under a smaller chunk size, and replaces it', async () => {
    const blob = await blobOf(24 * 1024, 13);
    for (const n of [0, 1]) {
      await chunks().insertOne({ _id: `${blob.sha256}:${n}`, files_id: blob.sha256, n, data: Buffer.alloc(4096, 0x42) });
    }
    assert.deepEqual(await blobs.put(blob.sha256, blob.size, blob.open), { created: true });
    assert.equal(await blobs.verify(blob.sha256), true);
    assert.equal(await chunks().countDocuments({ files_id: blob.sha256 }), 1);
  });

  test('verify and open detect a damaged or missing chunk', async () => {
    const blob = await blobOf(MB, 8);
    await blobs.put(blob.sha256, blob.size, blob.open);
    assert.equal(await blobs.verify(blob.sha256), true);

    const chunk = await chunks().findOne({ files_id: blob.sha256, n: 1 }, { promoteBuffers: true });
    assert.ok(chunk);
    const damaged = Buffer.from(chunk.data);
    damaged[1000] = damaged[1000]! ^ 0xff;
    await chunks().updateOne({ _id: chunk._id }, { $set: { data: damaged } });
    assert.equal(await blobs.verify(blob.sha256), false);
    await rejectsWithCode(digest(blobs.open(blob.sha256)), 'BLOB_CORRUPT');

    await chunks().deleteOne({ _id: chunk._id });
    assert.equal(await blobs.verify(blob.sha256), false);
    const missing = await rejectsWithCode(digest(blobs.open(blob.sha256)), 'BLOB_CORRUPT');
    assert.match(missing.message, /chunk 1 is missing/);
  });

  test('a message of many chunks is read in one query, not one lookup per chunk, and in order whatever the storage order', async () => {
    const blob = await blobOf(MB, 9); // 16 chunks of 64 KiB
    await blobs.put(blob.sha256, blob.size, blob.open);
    const { store: watched, commands: reads } = await watchedStore(store.dbName);
    try {
      const reader = await openBlobStore(watched.db, { chunkSizeBytes: CHUNK });
      assert.deepEqual(await digest(reader.open(blob.sha256)), { sha256: blob.sha256, size: blob.size });
      assert.deepEqual(reads.filter((r) => r.startsWith('find messages.chunks')), ['find messages.chunks']);
      // A chunk rewritten late (a repaired chunk) comes last in storage order.
      const moved = await chunks().findOneAndDelete({ files_id: blob.sha256, n: 1 });
      await chunks().insertOne(moved!);
      assert.deepEqual(await digest(reader.open(blob.sha256)), { sha256: blob.sha256, size: blob.size });
    } finally {
      await watched.close();
    }
  });

  test('reading a message of many chunks asks for nothing past its last chunk', async () => {
    // FerretDB cannot hand the chunk query to its storage: every chunk stored after the message's
    // last one that the cursor is asked for is decoded only to be filtered out.
    // Noise does not compress: 8 chunks, two full batches of the reader, so the query could go on.
    const noise = randomBytes(7.5 * CHUNK);
    const first = { open: () => Readable.from([noise]), size: noise.length, sha256: createHash('sha256').update(noise).digest('hex') };
    const later = await blobOf(MB, 12);
    await blobs.put(first.sha256, first.size, first.open);
    await blobs.put(later.sha256, later.size, later.open);
    const watched = await openStore({ uri: withCommandMonitoring(process.env.MONGODB_URI!), dbName: store.dbName });
    const getMores: number[] = [];
    watched.db.client.on('commandSucceeded', (e) => {
      if (e.commandName === 'getMore') getMores.push((e.reply as { cursor: { nextBatch: unknown[] } }).cursor.nextBatch.length);
    });
    try {
      const reader = await openBlobStore(watched.db, { chunkSizeBytes: CHUNK });
      assert.deepEqual(await digest(reader.open(first.sha256)), { sha256: first.sha256, size: first.size });
      assert.ok(getMores.length > 0, 'the 16 chunks come in more than one batch');
      assert.ok(!getMores.includes(0), `a getMore came back empty after the last chunk: batches ${getMores.join(', ')}`);
    } finally {
      await watched.close();
    }
  });

  test('an unknown message is reported as not found', async () => {
    const id = sha256Of('never stored');
    assert.equal(await blobs.has(id), false);
    assert.equal(await blobs.stat(id), null);
    assert.equal(await blobs.verify(id), false);
    await rejectsWithCode(digest(blobs.open(id)), 'BLOB_NOT_FOUND');
    await rejectsWithCode(digest(blobs.open('not-a-hash')), 'BLOB_BAD_ID');
  });

  test('an empty message is stored and read back', async () => {
    const empty = sha256Of('');
    assert.deepEqual(await blobs.put(empty, 0, () => Readable.from([])), { created: true });
    assert.deepEqual(await digest(blobs.open(empty)), { sha256: empty, size: 0 });
  });
});

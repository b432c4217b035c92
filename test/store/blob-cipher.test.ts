import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { BlobKeyError, decryptBytes, decryptStream, encryptBytes, encryptStream, noKeys, type BlobKeys } from '../../backend/src/store/blob-cipher';

const KEY = { id: 'k2026', key: randomBytes(32) };
const keys = (): BlobKeys => ({ ...noKeys(), enabled: true, current: KEY, keys: new Map([[KEY.id, KEY.key]]) });

/** Bytes through a transform, fed in pieces of `piece` bytes (streams see data cut anywhere). */
async function through(stream: NodeJS.ReadWriteStream, data: Buffer, piece = 7): Promise<Buffer> {
  const pieces = Array.from({ length: Math.ceil(data.length / piece) }, (_, i) => data.subarray(i * piece, (i + 1) * piece));
  const out: Buffer[] = [];
  await pipeline(Readable.from(pieces), stream, new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }));
  return Buffer.concat(out);
}

// The in-memory calls are what nearly every message is stored and read back with; the streams
// are what messages of many chunks use. A blob written by one must read back by the other.
describe('blob encryption: in memory and streamed, one format', () => {
  const data = randomBytes(10_000);

  test('what one encrypts, the other decrypts', async () => {
    assert.deepEqual(decryptBytes(keys(), await through(encryptStream(KEY), data)), data);
    assert.deepEqual(await through(decryptStream(keys()), encryptBytes(KEY, data)), data);
    assert.notDeepEqual(encryptBytes(KEY, data).subarray(-data.length), data, 'the bytes are encrypted');
  });

  test('plain gzip bytes (stored before encryption was on) pass through both', async () => {
    const plain = Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]);
    assert.deepEqual(decryptBytes(keys(), plain), plain);
    assert.deepEqual(await through(decryptStream(keys()), plain), plain);
  });

  test('an altered byte, a missing key or a cut tag fails with a key error, never garbage', async () => {
    const sealed = encryptBytes(KEY, data);
    const altered = Buffer.from(sealed);
    altered[altered.length - 100]! ^= 1;
    assert.throws(() => decryptBytes(keys(), altered), BlobKeyError);
    await assert.rejects(through(decryptStream(keys()), altered), BlobKeyError);
    assert.throws(() => decryptBytes({ ...keys(), keys: new Map() }, sealed), /data key k2026/);
    assert.throws(() => decryptBytes(keys(), sealed.subarray(0, 20)), BlobKeyError);
  });
});

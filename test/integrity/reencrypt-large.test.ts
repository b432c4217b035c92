/**
 * Blobs of many chunks under encryption at rest (docs/integrity.md, "Re-encrypting blobs of many
 * chunks"): they keep their id and move to new chunks, readable byte-exact at every moment, and a
 * pass killed with SIGKILL between its writes is finished by the next one without leftovers.
 */
import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import type { Step } from '../../backend/src/failpoint';
import { ingestMessage } from '../../backend/src/ingest';
import { enableEncryption, FileKms } from '../../backend/src/integrity/keys';
import { REENCRYPT_JOB } from '../../backend/src/integrity/reencrypt';
import { reloadKeys, setEncryption } from '../../backend/src/integrity/service';
import { readEncryptionState } from '../../backend/src/store/keys';
import { archive, closeTsa, finished, fixture, type Fixture } from './helpers';

const CHILD = fileURLToPath(new URL('./reencrypt-child.ts', import.meta.url));
const masterKey = randomBytes(32);
const master = new FileKms(masterKey);

/** A real message with a 3 MB attachment that does not compress: three or more 1 MiB chunks stored. */
function largeMessage(): Buffer {
  const attachment = randomBytes(3 * 1024 * 1024).toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    [
      'From: Megan Bowen <megan@contoso.example>',
      'To: adele@contoso.example',
      'Subject: Site survey photos',
      'Message-ID: <survey@contoso.example>',
      'Date: Tue, 1 Dec 2026 10:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'The survey photos are attached. Kestrelwing ridge, north face.',
      '--b1',
      'Content-Type: application/octet-stream; name="survey.bin"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="survey.bin"',
      '',
      attachment,
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

interface Chunk {
  _id: string;
  files_id: string;
  n: number;
  data: Buffer;
}
const chunks = (f: Fixture) => f.store.db.collection<Chunk>('messages.chunks');
const fileDoc = (f: Fixture, id: string) => f.store.db.collection<{ _id: string; length: number; chunkSize: number; metadata: { chunks?: string; encoding: string } }>('messages.files').findOne({ _id: id });

const LARGE = largeMessage();

async function archiveLarge(f: Fixture, archiveId = 'arch') {
  const raw = LARGE;
  const result = await ingestMessage(f.store, { archiveId, folder: '', source: { kind: 'import', file: 'survey.eml' }, content: Readable.from([raw]) });
  return { raw, id: result.sha256, blobCreated: result.blobCreated };
}

/** What must hold after any pass, finished or killed: the message reads back whole, verification finds nothing wrong. */
async function assertWhole(f: Fixture, id: string, raw: Buffer, label: string) {
  assert.deepEqual(createHash('sha256').update(await buffer(f.store.blobs.open(id))).digest('hex'), createHash('sha256').update(raw).digest('hex'), `${label}: reads back byte-exact`);
  assert.deepEqual((await f.verify()).problems, [], `${label}: verification finds no problem`);
}

/** Every chunk belongs to the copy its file names: nothing a pass left behind. */
async function assertNoLeftovers(f: Fixture, label: string) {
  const names = new Set<string>();
  for await (const file of f.store.db.collection<{ _id: string; metadata: { chunks?: string } }>('messages.files').find({})) names.add(file.metadata.chunks ?? file._id);
  const stray = (await chunks(f).find({}, { projection: { files_id: 1 } }).toArray()).filter((c) => !names.has(c.files_id));
  assert.deepEqual(stray.map((c) => c._id), [], `${label}: no chunk outside the copy its file names`);
}

function runChild(f: Fixture, step: Step): Promise<NodeJS.Signals | number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, MONGODB_DB: f.store.dbName, CRASH_AT_STEP: step, MASTER_KEY_HEX: masterKey.toString('hex') },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
}

describe('re-encrypting messages of many chunks', () => {
  after(closeTsa);

  it('turning encryption on moves a large message to encrypted chunks under the same id, and off moves it back; it reads byte-exact, verifies, and is stored once', async () => {
    const f = await fixture({ kms: { current: master, previous: null } });
    try {
      const { raw, id } = await archiveLarge(f);
      await archive(f.store, 'arch', 2);
      assert.ok((await chunks(f).countDocuments({ files_id: id })) >= 3, 'the message is stored in several chunks');
      await f.seal();
      await setEncryption(f.store, f.settings, true);
      const { reencryptJobId } = await readEncryptionState(f.store);
      const result = (await finished(f.store, reencryptJobId!)).result as Record<string, number>;
      assert.deepEqual([result.rewritten, result.damaged, result.missing], [3, 0, 0], 'the large message and the two small ones rewritten');
      const file = (await fileDoc(f, id))!;
      assert.match(file.metadata.chunks!, new RegExp(`^${id}~`), 'the file names its new chunks');
      assert.equal(file.metadata.encoding, 'gzip+aes-256-gcm');
      const moved = await chunks(f).find({ files_id: file.metadata.chunks! }, { promoteBuffers: true, sort: { n: 1 } }).toArray();
      assert.equal(moved.length, Math.ceil(file.length / file.chunkSize));
      assert.equal(moved[0]!.data.subarray(0, 4).toString(), 'M3E1', 'encrypted');
      assert.ok(moved.every((c) => !c.data.includes('Kestrelwing')), 'no clear text in any chunk');
      assert.equal(await chunks(f).countDocuments({ files_id: id }), 0, 'the clear chunks are gone');
      await assertWhole(f, id, raw, 'after the pass');
      await assertNoLeftovers(f, 'after the pass');

      const again = (await f.run(REENCRYPT_JOB)) as Record<string, number>;
      assert.deepEqual([again.rewritten, again.current], [0, 3], 'a second pass finds everything current');

      await setEncryption(f.store, f.settings, false);
      const back = (await f.run(REENCRYPT_JOB)) as Record<string, number>;
      assert.equal(back.rewritten, 3, 'turning encryption off writes them in clear gzip again');
      assert.equal((await fileDoc(f, id))!.metadata.chunks, `${id}~gzip`);
      await assertWhole(f, id, raw, 'after decryption');
      await assertNoLeftovers(f, 'after decryption');
      // Stored under its SHA-256 again, as before encryption: the upload finds it moved and drops its chunks.
      const copy = await archiveLarge(f, 'arch-2');
      assert.equal(copy.id, id);
      assert.equal(copy.blobCreated, false, 'the same message archived again is not stored twice');
      await assertNoLeftovers(f, 'after the same message was archived again');
      assert.deepEqual(await buffer(f.store.blobs.open(id)), raw);
    } finally {
      await f.close();
    }
  });

  it('a message removed by retention takes every copy of its chunks with it', async () => {
    const f = await fixture({ tsa: false, kms: { current: master, previous: null } });
    try {
      const { id } = await archiveLarge(f);
      await enableEncryption(f.store, master);
      await reloadKeys(f.store, f.settings);
      assert.equal(await runChild(f, 'reencrypt-after-copy'), 'SIGKILL', 'a pass died with a copy no file names yet beside the clear one');
      await f.store.blobs.remove([id]);
      assert.equal(await chunks(f).countDocuments({}), 0, 'no chunk left');
    } finally {
      await f.close();
    }
  });

  for (const step of ['reencrypt-after-copy', 'reencrypt-after-flip'] as const) {
    it(`a pass killed with SIGKILL ${step.replace('reencrypt-', '')} leaves the message readable, and the next pass finishes it`, async () => {
      const f = await fixture({ kms: { current: master, previous: null } });
      try {
        const { raw, id } = await archiveLarge(f);
        await enableEncryption(f.store, master);
        await reloadKeys(f.store, f.settings);
        assert.equal(await runChild(f, step), 'SIGKILL', `the pass reached ${step} and died there`);
        await assertWhole(f, id, raw, `killed ${step}`);
        // The dead pass's upload lease runs out (as it would after LEASE time).
        await f.store.db.collection('messages.uploads').updateMany({}, { $set: { expiresAt: new Date(0) } });
        const outcomes: string[] = [];
        for await (const s of f.store.blobs.reencryptAll()) outcomes.push(s.outcome);
        assert.deepEqual(outcomes, [step === 'reencrypt-after-copy' ? 'rewritten' : 'current']);
        assert.equal((await fileDoc(f, id))!.metadata.encoding, 'gzip+aes-256-gcm');
        await assertWhole(f, id, raw, `finished after ${step}`);
        await assertNoLeftovers(f, `finished after ${step}`);
      } finally {
        await f.close();
      }
    });
  }
});

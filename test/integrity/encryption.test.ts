import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { enableEncryption, FileKms, loadKeys } from '../../backend/src/integrity/keys';
import { buildProof } from '../../backend/src/integrity/proof';
import { REENCRYPT_JOB } from '../../backend/src/integrity/reencrypt';
import { newDataKey, reloadKeys, setEncryption } from '../../backend/src/integrity/service';
import { readEncryptionState } from '../../backend/src/store/keys';
import { ingestMessage } from '../../backend/src/ingest';
import { archive, closeTsa, finished, fixture, message } from './helpers';

const run = promisify(execFile);
const chunksOf = (f: Awaited<ReturnType<typeof fixture>>) => f.store.db.collection<{ _id: string; data: Buffer }>('messages.chunks');

describe('encryption at rest', () => {
  after(closeTsa);
  const master = new FileKms(randomBytes(32));

  it('stores new messages encrypted under keyed ids, reads them back byte-exact, stores each once, and proves them with a salted digest', async () => {
    const f = await fixture({ kms: { current: master, previous: null } });
    const dir = await mkdtemp(join(tmpdir(), 'enc-proof-'));
    try {
      await setEncryption(f.store, f.settings, true);
      const [m] = await archive(f.store, 'arch', 1);
      const [again] = await archive(f.store, 'arch-2', 1);
      assert.equal(again!.blobCreated, false, 'single-instance storage still works');
      assert.notEqual(m!.sha256, createHash('sha256').update(message(0)).digest('hex'), 'the id does not reveal the SHA-256');
      const chunk = (await chunksOf(f).findOne({ _id: `${m!.sha256}:0` }, { promoteBuffers: true }))!;
      assert.equal(chunk.data.subarray(0, 4).toString(), 'M3E1');
      assert.deepEqual(await buffer(f.store.blobs.open(m!.sha256)), message(0));
      await f.seal();
      assert.deepEqual((await f.verify()).problems, []);
      const proof = await buildProof(f.store, [{ archiveId: 'arch', blobId: m!.sha256 }], f.settings);
      await writeFile(join(dir, 'proof.json'), JSON.stringify(proof));
      await writeFile(join(dir, 'm.eml'), message(0));
      const { stdout } = await run('python3', ['docs/verify-proof.py', join(dir, 'proof.json'), join(dir, 'm.eml')]);
      assert.match(stdout, /m\.eml: is the message of entry 1/);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await f.close();
    }
  });

  it('a tampered ciphertext fails its GCM tag: reading refuses it and verification names it', async () => {
    const f = await fixture({ kms: { current: master, previous: null } });
    try {
      await setEncryption(f.store, f.settings, true);
      const [m] = await archive(f.store, 'arch', 1);
      const chunk = (await chunksOf(f).findOne({ _id: `${m!.sha256}:0` }, { promoteBuffers: true }))!;
      const data = Buffer.from(chunk.data);
      data[40]! ^= 0x01;
      await chunksOf(f).updateOne({ _id: chunk._id }, { $set: { data } });
      await assert.rejects(buffer(f.store.blobs.open(m!.sha256)), /encryption tag does not match/);
      const report = await f.verify();
      assert.deepEqual(report.problems.map((p) => `${p.kind} ${p.id}`), [`altered-blob ${m!.sha256}`]);
      assert.match(report.problems[0]!.detail, /encryption tag/);
    } finally {
      await f.close();
    }
  });

  it('turning encryption on encrypts the messages stored before, in the background; the archive still verifies', async () => {
    const f = await fixture({ kms: { current: master, previous: null } });
    try {
      const before = await archive(f.store, 'arch', 3);
      await f.seal();
      await setEncryption(f.store, f.settings, true);
      const { reencryptJobId } = await readEncryptionState(f.store);
      const result = (await finished(f.store, reencryptJobId!)).result as { rewritten: number; total: number };
      assert.equal(result.rewritten, 3);
      for (const m of before) {
        const chunk = (await chunksOf(f).findOne({ _id: `${m.sha256}:0` }, { promoteBuffers: true }))!;
        assert.equal(chunk.data.subarray(0, 4).toString(), 'M3E1', 'stored encrypted now');
        assert.doesNotMatch(chunk.data.toString('latin1'), /Quarterly figures/);
      }
      assert.deepEqual((await f.verify()).problems, []);
    } finally {
      await f.close();
    }
  });

  it('a pass that encrypts stored messages, cut short, resumes at its position and finishes the rest', async () => {
    const f = await fixture({ tsa: false, kms: { current: master, previous: null } });
    try {
      await archive(f.store, 'arch', 4);
      await enableEncryption(f.store, master);
      await reloadKeys(f.store, f.settings);
      let position = 0;
      for await (const step of f.store.blobs.reencryptAll()) {
        position = step.position;
        if (position === 2) break; // the process stops here
      }
      const rest = [];
      for await (const step of f.store.blobs.reencryptAll(position)) rest.push(step.outcome);
      assert.deepEqual(rest, ['rewritten', 'rewritten']);
      const total = await chunksOf(f).countDocuments({});
      let encrypted = 0;
      for await (const c of chunksOf(f).find({}, { promoteBuffers: true })) if (c.data.subarray(0, 4).toString() === 'M3E1') encrypted += 1;
      assert.equal(encrypted, total);
    } finally {
      await f.close();
    }
  });

  it('a message stored before encryption was turned on and archived again afterwards is stored and filed once, small or large', async () => {
    const f = await fixture({ tsa: false, kms: { current: master, previous: null } });
    try {
      const large = message(1, ` ${randomBytes(450_000).toString('base64')}`); // past the in-memory path's 512 KB
      const put = (archiveId: string, bytes: Buffer) => ingestMessage(f.store, { archiveId, folder: '', source: { kind: 'import', file: 'again.eml' }, content: Readable.from([bytes]) });
      const before = [await put('arch', message(0)), await put('arch', large)];
      await setEncryption(f.store, f.settings, true);
      const fresh = await put('arch', message(2));
      assert.notEqual(fresh.sha256, createHash('sha256').update(message(2)).digest('hex'), 'a new message gets a keyed id');
      for (const [i, bytes] of [message(0), large].entries()) {
        const same = await put('arch', bytes);
        assert.deepEqual([same.status, same.blobCreated, same.sha256], ['duplicate', false, before[i]!.sha256], `message ${i} in the same archive: a duplicate of the copy stored before`);
        const other = await put('arch-2', bytes);
        assert.deepEqual([other.status, other.blobCreated, other.sha256], ['archived', false, before[i]!.sha256], `message ${i} in another archive: filed, not stored again`);
      }
      assert.equal(await f.store.blobs.count(), 3, 'three messages, three blobs');
      assert.equal(await f.store.db.collection('items').countDocuments({ archiveId: 'arch' }), 3);
      assert.deepEqual((await f.verify()).problems, []);
    } finally {
      await f.close();
    }
  });

  it('a new master key re-wraps the keys without touching messages; a new data key serves new messages; old ones move on request', async () => {
    const f = await fixture({ kms: { current: master, previous: null } });
    try {
      await setEncryption(f.store, f.settings, true);
      const [old] = await archive(f.store, 'arch', 1);
      const stored = (await chunksOf(f).findOne({ _id: `${old!.sha256}:0` }, { promoteBuffers: true }))!.data;
      const next = new FileKms(randomBytes(32));
      f.settings.kms = { current: next, previous: master };
      assert.equal(await reloadKeys(f.store, f.settings), 3, 'id, salt and data keys re-wrapped');
      assert.deepEqual((await chunksOf(f).findOne({ _id: `${old!.sha256}:0` }, { promoteBuffers: true }))!.data, stored, 'no message re-encrypted');
      f.settings.kms = { current: next, previous: null };
      const dataKey = await newDataKey(f.store, f.settings);
      const [fresh] = await archive(f.store, 'arch', 1, 1);
      const keyOf = async (id: string) => (await chunksOf(f).findOne({ _id: `${id}:0` }, { promoteBuffers: true }))!.data.subarray(5, 5 + dataKey.length).toString();
      assert.equal(await keyOf(fresh!.sha256), dataKey);
      assert.notEqual(await keyOf(old!.sha256), dataKey);
      await f.run(REENCRYPT_JOB);
      assert.equal(await keyOf(old!.sha256), dataKey);
      assert.deepEqual(await buffer(f.store.blobs.open(old!.sha256)), message(0));
    } finally {
      await f.close();
    }
  });

  it('a missing or wrong master key stops start-up with a clear error, never garbage', async () => {
    const f = await fixture({ tsa: false, kms: { current: master, previous: null } });
    try {
      await setEncryption(f.store, f.settings, true);
      await assert.rejects(loadKeys(f.store, { current: null, previous: null }), /no master key is configured: set ENCRYPTION_MASTER_KEY_FILE/);
      await assert.rejects(loadKeys(f.store, { current: new FileKms(randomBytes(32)), previous: null }), /is not the one that wrapped this archive's keys/);
    } finally {
      await f.close();
    }
  });
});

import { createHash } from 'node:crypto';
import { PassThrough, Readable, Transform, Writable, pipeline as pipelineCallback } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createGunzip, createGzip, gunzip, gzip, type ZlibOptions } from 'node:zlib';
import type { mongo } from 'mongoose';
import { deleteWhereIn, findWhereIn } from './bulk';
import { createIndexesOf } from './collection-repair';
import { decryptBytes, decryptStream, encryptBytes, encryptStream, keyedId, ledgerSalt, noKeys, saltedDigest, storedKeyId, BlobKeyError, type BlobKeys } from './blob-cipher';
import { chunkId, chunksOf, ChunkWriter, type ChunkDoc } from './blob-chunks';
import { Leases, type Lease, type LeaseDoc } from './blob-leases';
import { scanBlobs, wholeChunks } from './blob-scan';
import { IdFilter } from './id-filter';
import { insertNew, insertOnce, isDuplicateKey } from './insert-once';
import { crashPoint } from '../failpoint';

type Db = mongo.Db;
type Collection<T extends mongo.Document> = mongo.Collection<T>;

/** A stored message's original size and what its compressed chunks take. */
export interface BlobStat {
  size: number;
  storedSize: number;
}

/**
 * Raw messages, stored once: a GridFS bucket whose file `_id` is the SHA-256 (hex) of the
 * original bytes, so "already archived?" is a key lookup (the WildDuck idea). Chunks hold the
 * bytes after `encoding`; metadata records how to get the original back.
 */
export interface BlobStore {
  /**
   * The id a message with this SHA-256 is stored under, and what the integrity ledger records of
   * it; `plain`: the one it had before encryption was turned on (see storedPlain).
   */
  identify(sha256: string, opts?: { plain?: boolean }): BlobIdentity;
  /**
   * Which of these messages were stored before encryption was turned on, under their SHA-256: a
   * message that comes again is given that copy (identify with `plain`) rather than stored a
   * second time under its keyed id. One lookup for many; none when encryption is off or no such
   * blob exists.
   */
  storedPlain(sha256s: readonly string[]): Promise<Set<string>>;
  has(sha256: string): Promise<boolean>;
  /**
   * Idempotent. The bytes `open` gives are streamed, hashed and counted on the way in, nothing kept
   * unless they match `sha256` and `size`; for a blob stored already, at most about a chunk's
   * worth of `open`'s stream is read.
   */
  put(sha256: string, size: number, open: () => Readable): Promise<{ created: boolean }>;
  /**
   * The first half of a put, for a message that surely fits in one chunk: checked against
   * `sha256` and `size` and encoded in memory, nothing written. Null for a larger one (use put).
   */
  encodeSmall(sha256: string, size: number, open: () => Readable): Promise<EncodedBlob | null>;
  /**
   * The second half, for many messages at once (a crawl page): all their chunks in one insert,
   * then the file documents of those that were new in one more. A blob whose chunk was there
   * already takes put's path for it. One answer per blob, in order, as put gives.
   */
  putEncoded(blobs: readonly EncodedBlob[]): Promise<{ created: boolean }[]>;
  /** The original bytes. Fails with BLOB_NOT_FOUND, or BLOB_CORRUPT at the end if they do not hash back. */
  open(sha256: string): Readable;
  /** Re-reads and re-hashes the stored copy; false when it is missing or damaged. */
  verify(sha256: string): Promise<boolean>;
  stat(sha256: string): Promise<BlobStat | null>;
  /**
   * Deletes stored messages for good (retention, erasure): the files first, so that a reader
   * finds a message whole or not at all, then their chunks (`between` runs in between). Idempotent:
   * a repeat after a crash removes what the first attempt left. Whether anything still refers to
   * the messages is the caller's business. Returns what the removed blobs took.
   */
  remove(sha256s: readonly string[], between?: () => Promise<void>): Promise<BlobStat>;
  /**
   * Re-reads every stored blob once, in storage order, and says what each holds (verification).
   * `from` is a position an earlier scan reached: a scan cut short resumes there.
   */
  scan(from?: number): AsyncGenerator<BlobScanItem>;
  /** Every stored blob's id. */
  ids(): AsyncGenerator<string>;
  count(): Promise<number>;
  /** The ledger digest of a message with this SHA-256 (salted or not); null when the salt's key is not at hand. */
  digestOf(sha256: string, salted: boolean): string | null;
  /** The keys of encryption at rest (integrity/keys.ts); until given, blobs are written in clear and encrypted ones cannot be read. */
  useKeys(keys: BlobKeys): void;
  /**
   * Rewrites every blob under the current encoding (the current data key, or clear gzip when
   * encryption is off), keeping its id, in one pass in storage order (`from`: where a pass cut
   * short got to). A blob of one chunk (nearly every mail) is rewritten in place; one of many moves to new chunks.
   */
  reencryptAll(from?: number): AsyncGenerator<{ position: number; outcome: ReencryptOutcome }>;
  /** The salt of a stored message's salted ledger digest (hex); null when its key is not at hand. */
  saltOf(id: string): Promise<string | null>;
  /**
   * Bytes kept outside the blob store for a while (a small journal report in the gateway's spool),
   * encoded as a blob's chunk is under encryption at rest (gzip, then AES-256-GCM under the current
   * data key); null when encryption is off, and then they are kept as they are.
   */
  seal(bytes: Buffer): Promise<Buffer | null>;
  /** What `seal` gave, in clear again; fails with BLOB_CORRUPT when the tag does not match or the key is missing. */
  unseal(data: Buffer): Promise<Buffer>;
}

/** 'damaged': it does not read back as the message (verification names it), so it stays as it is. */
export type ReencryptOutcome = 'rewritten' | 'current' | 'damaged' | 'missing';

export interface BlobScanItem {
  /** Resume here to continue after this blob. */
  position: number;
  id: string;
  /** 'altered': its bytes no longer decode to the original (hash, size, or encryption tag); 'missing': chunks are gone. */
  status: 'ok' | 'altered' | 'missing';
  size: number;
  /** Bytes read from the database for it. */
  storedBytes: number;
  /** SHA-256 of what it decodes to, when it decodes. */
  sha256: string | null;
  reason?: string;
}

/** A small message checked and encoded in memory, ready to be stored (BlobStore.encodeSmall). */
export interface EncodedBlob {
  id: string;
  size: number;
  data: Buffer;
}

export interface BlobIdentity {
  id: string;
  digest: string;
  salted: boolean;
}

export type BlobErrorCode = 'BLOB_BAD_ID' | 'BLOB_MISMATCH' | 'BLOB_NOT_FOUND' | 'BLOB_CORRUPT' | 'BLOB_LEASE_LOST';

export class BlobError extends Error {
  constructor(
    readonly code: BlobErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'BlobError';
  }
}

export interface BlobStoreOptions {
  bucketName?: string;
  chunkSizeBytes?: number;
  /** An upload holds a lease on its id; a crashed writer's lease expires after this long. */
  leaseMs?: number;
  /** How often a writer waiting for another writer's upload looks again. */
  pollMs?: number;
  /** The database through the path for lease renewals (connection.ts `renewals`); `db` itself by default. */
  renewals?: Db;
}

/**
 * Deflate's window and hash table sized to the message: the defaults take 256 KB per stream
 * (zeroed at the start), ten times what a typical mail needs. A window no smaller than the input
 * finds every match the full window would; the hash table shrinks alongside (the default from 16 KB up).
 */
function gzipOptions(size: number): ZlibOptions {
  const windowBits = Math.min(15, Math.max(9, Math.ceil(Math.log2(size + 1))));
  return { level: 6, windowBits, memLevel: Math.max(1, windowBits - 7) };
}
const gzipBytes = promisify<Buffer, ZlibOptions, Buffer>(gzip);
const gunzipBytes = promisify<Buffer, Buffer>(gunzip);

/**
 * How chunks hold a message: gzip, then AES-256-GCM where the tenant encrypts at rest
 * (store/blob-cipher.ts). Encrypted bytes name their own key, so reading never depends on the
 * file document's `encoding`, which says what a writer wrote for people and tools.
 */
type Encoding = 'gzip' | 'gzip+aes-256-gcm';
const ENCODINGS: readonly string[] = ['gzip', 'gzip+aes-256-gcm'];

function encoders(size: number, keys: BlobKeys): Transform[] {
  return keys.enabled && keys.current ? [createGzip(gzipOptions(size)), encryptStream(keys.current)] : [createGzip(gzipOptions(size))];
}

function decoders(keys: BlobKeys): Transform[] {
  return [decryptStream(keys), createGunzip()];
}

const encodingOf = (keys: BlobKeys): Encoding => (keys.enabled && keys.current ? 'gzip+aes-256-gcm' : 'gzip');
/** The data key new blobs are written under; null when they are written in clear. */
const wantedKeyId = (keys: BlobKeys): string | null => (keys.enabled && keys.current ? keys.current.id : null);

export interface BlobMetadata {
  size: number;
  storedSize: number;
  encoding: Encoding;
  /** Only where the id is the SHA-256 itself: a keyed id must not be undone by the document beside it. */
  sha256?: string;
  /** The `files_id` of the chunks when it is not the id: a blob of many chunks that was re-encoded (`<id>~<key id | gzip>`). */
  chunks?: string;
}
export interface FileDoc {
  _id: string;
  length: number;
  chunkSize: number;
  uploadDate: Date;
  filename: string;
  metadata: BlobMetadata;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export async function openBlobStore(db: Db, options: BlobStoreOptions = {}): Promise<BlobStore> {
  const bucket = options.bucketName ?? 'messages';
  const files = db.collection<FileDoc>(`${bucket}.files`);
  const chunks = db.collection<ChunkDoc>(`${bucket}.chunks`);
  const leases = `${bucket}.uploads`;
  // The standard GridFS indexes, so drivers and tools (mongofiles) read the bucket as usual; the
  // unique one also stops two writers from interleaving chunks of one id.
  await createIndexesOf(db, chunks.collectionName, [{ key: { files_id: 1, n: 1 }, name: 'files_id_1_n_1', unique: true }]);
  await createIndexesOf(db, files.collectionName, [{ key: { filename: 1, uploadDate: 1 }, name: 'filename_1_uploadDate_1' }]);
  return new GridBlobStore(files, chunks, new Leases(db.collection<LeaseDoc>(leases), (options.renewals ?? db).collection<LeaseDoc>(leases), options.leaseMs ?? 30_000, leaseLost), {
    // Larger than GridFS's customary 255 KiB (any size below 16 MB is valid): FerretDB scans the
    // whole bucket for every chunk lookup, so fewer chunks per large message pays off there.
    chunkSizeBytes: options.chunkSizeBytes ?? 1024 * 1024,
    pollMs: options.pollMs ?? 100,
  });
}

class GridBlobStore implements BlobStore {
  private keys: BlobKeys = noKeys();

  constructor(
    private readonly files: Collection<FileDoc>,
    private readonly chunks: Collection<ChunkDoc>,
    private readonly leases: Leases,
    private readonly settings: { chunkSizeBytes: number; pollMs: number },
  ) {}

  useKeys(keys: BlobKeys): void {
    if (keys.enabled !== this.keys.enabled) this.plainIds = null;
    this.keys = keys;
  }

  /**
   * The ids of blobs stored before encryption was turned on (under their plain SHA-256), read once
   * per switch into a Bloom filter, since none are written while it is on: a message that is surely
   * not among them (nearly all) costs no lookup; the few that may be are looked up together.
   */
  private plainIds: Promise<IdFilter> | null = null;

  async storedPlain(sha256s: readonly string[]): Promise<Set<string>> {
    if (!this.keys.enabled || sha256s.length === 0) return new Set();
    this.plainIds ??= this.readPlainIds().catch((err: unknown) => ((this.plainIds = null), Promise.reject(err)));
    const filter = await this.plainIds;
    const candidates = sha256s.filter((s) => filter.mayHave(s));
    if (candidates.length === 0) return new Set();
    return new Set((await findWhereIn(this.files, candidates, { projection: { _id: 1 } })).map((f) => f._id));
  }

  private async readPlainIds(): Promise<IdFilter> {
    const filter = new IdFilter(await this.files.estimatedDocumentCount());
    for await (const f of this.files.find({ 'metadata.sha256': { $exists: true } }, { projection: { _id: 1 } })) filter.add(f._id);
    return filter;
  }

  /** Keyed ids and salted digests for new messages once encryption is on; what was stored before keeps its SHA-256 id. */
  identify(sha256: string, opts: { plain?: boolean } = {}): BlobIdentity {
    if (!this.keys.enabled || opts.plain) return { id: sha256, digest: sha256, salted: false };
    return { id: keyedId(this.keys, sha256) ?? sha256, digest: this.digestOf(sha256, true) ?? sha256, salted: this.keys.saltKey !== null };
  }

  /** A blob is named by its SHA-256 or by the keyed hash of it. */
  private matches = (id: string, sha256: string): boolean => id === sha256 || keyedId(this.keys, sha256) === id;

  private check$(id: string, size: number, code: 'BLOB_MISMATCH' | 'BLOB_CORRUPT'): ByteCheck {
    return new ByteCheck(id, size, code, this.matches);
  }

  digestOf(sha256: string, salted: boolean): string | null {
    if (!salted) return sha256;
    const salt = ledgerSalt(this.keys, sha256);
    return salt && saltedDigest(salt, sha256);
  }

  /**
   * Per blob, the chunk is swapped first, compared on the bytes read (a concurrent rewrite wins), then the
   * file document follows. In between the blob still reads: its bytes name their key and a lone
   * chunk's length is not held against the document; a crash there is finished by the next pass.
   */
  async *reencryptAll(from = 0): AsyncGenerator<{ position: number; outcome: ReencryptOutcome }> {
    const pass = wholeChunks(this.files, this.chunks, from);
    for await (const { position, file, chunk } of pass.chunks) yield { position, outcome: await this.damagedOr(file._id, () => this.rewrite(file, chunk)) };
    for (const id of pass.others()) {
      const file = await this.files.findOne({ _id: id });
      const many = file && (file.length > file.chunkSize || file.metadata.chunks !== undefined);
      yield { position: pass.position(), outcome: many ? await this.damagedOr(id, () => this.moveChunks(id)) : 'missing' };
    }
  }

  /** A blob that cannot be read is left as it is (verification names it) and the pass goes on. */
  private async damagedOr(id: string, rewrite: () => Promise<ReencryptOutcome>): Promise<ReencryptOutcome> {
    try {
      return await rewrite();
    } catch (err) {
      if (hasCode(asCorrupt(id, err), 'BLOB_CORRUPT')) return 'damaged';
      throw err;
    }
  }

  private async rewrite(file: FileDoc, chunk: ChunkDoc): Promise<ReencryptOutcome> {
    const encoding = encodingOf(this.keys);
    let data = chunk.data;
    if (storedKeyId(chunk.data) !== wantedKeyId(this.keys)) {
      const original = await decodeWhole(chunk.data, this.keys);
      data = await encodeWhole(() => Readable.from([original]), this.keys, this.check$(file._id, file.metadata.size, 'BLOB_CORRUPT'));
      const swapped = await this.chunks.replaceOne({ _id: chunk._id, data: chunk.data }, { ...chunk, data });
      if (swapped.matchedCount === 0) return 'current'; // rewritten meanwhile by another pass
    } else if (file.length === data.length && file.metadata.encoding === encoding) {
      return 'current';
    }
    await this.files.updateOne({ _id: file._id }, { $set: { length: data.length, 'metadata.storedSize': data.length, 'metadata.encoding': encoding } });
    return 'rewritten';
  }

  /**
   * A blob of many chunks keeps its id and moves to new chunks (docs/integrity.md, "Re-encrypting
   * blobs of many chunks"): under its upload lease, the new copy is written beside the old one,
   * the file document is switched to it by compare-and-set (a reader sees one copy whole), then
   * the old chunks go. Whatever a pass that died left (a copy no file names, or the old chunks)
   * is deleted when the next pass comes by.
   */
  private async moveChunks(id: string): Promise<ReencryptOutcome> {
    const lease = await this.waitForLease(id);
    try {
      // Read again under the lease: what the pass saw may have changed meanwhile.
      const file = await this.files.findOne({ _id: id });
      if (!file) return 'missing';
      const from = chunksOf(file);
      await this.chunks.deleteMany({ files_id: { $in: this.chunkNames([file._id]).filter((name) => name !== from) } });
      const first = await this.chunks.findOne({ _id: chunkId(from, 0) }, { promoteBuffers: true });
      if (!first) return 'missing';
      if (storedKeyId(first.data) === wantedKeyId(this.keys) && file.metadata.encoding === encodingOf(this.keys)) return 'current';
      const to = `${file._id}~${wantedKeyId(this.keys) ?? 'gzip'}`;
      const length = await this.copyChunks(file, to, lease);
      crashPoint('reencrypt-after-copy');
      const flipped = await this.files.updateOne(
        { _id: file._id, length: file.length, 'metadata.chunks': file.metadata.chunks ?? { $exists: false } },
        { $set: { length, 'metadata.storedSize': length, 'metadata.encoding': encodingOf(this.keys), 'metadata.chunks': to } },
      );
      if (flipped.matchedCount === 0) {
        await this.chunks.deleteMany({ files_id: to }); // removed meanwhile
        return 'missing';
      }
      crashPoint('reencrypt-after-flip');
      await this.chunks.deleteMany({ files_id: from });
      return 'rewritten';
    } finally {
      await lease.release().catch(() => undefined);
    }
  }

  /** The blob's original bytes, encoded as new blobs are now, written to chunks under `to`; their length. */
  private async copyChunks(file: FileDoc, to: string, lease: Lease): Promise<number> {
    const writer = new ChunkWriter(this.chunks, to, file.chunkSize);
    const keepAlive = lease.keepAlive();
    try {
      await pipeline([this.open(file._id), ...encoders(file.metadata.size, this.keys), writer], { signal: keepAlive.signal });
      return writer.length;
    } catch (err) {
      await writer.settled();
      await this.chunks.deleteMany({ files_id: to }).catch(() => undefined); // or the next pass does
      throw keepAlive.signal.aborted ? keepAlive.signal.reason : err;
    } finally {
      keepAlive.stop();
    }
  }

  /**
   * Every `files_id` the chunks of these blobs can carry: the id, and a moved copy's name for each
   * encoding (names are deterministic, so leftovers are found without a pattern scan).
   */
  private chunkNames(ids: readonly string[]): string[] {
    const targets = ['gzip', ...this.keys.keys.keys()];
    return ids.flatMap((id) => [id, ...targets.map((t) => `${id}~${t}`)]);
  }

  /** A blob's upload lease; an upload of the same id holds it for as long as it writes. */
  private async waitForLease(id: string): Promise<Lease> {
    for (;;) {
      const lease = await this.leases.acquire(id);
      if (lease) return lease;
      await sleep(this.settings.pollMs * (0.5 + Math.random()));
    }
  }

  async seal(bytes: Buffer): Promise<Buffer | null> {
    return wantedKeyId(this.keys) === null ? null : encodeBytes(bytes, this.keys);
  }

  async unseal(data: Buffer): Promise<Buffer> {
    try {
      return await decodeWhole(data, this.keys);
    } catch (err) {
      throw asCorrupt('(sealed bytes)', err);
    }
  }

  async saltOf(id: string): Promise<string | null> {
    const hash = createHash('sha256');
    await pipeline(this.open(id), new Writable({ write: (c: Buffer, _e, cb) => (hash.update(c), cb()) }));
    return ledgerSalt(this.keys, hash.digest('hex'))?.toString('hex') ?? null;
  }

  count(): Promise<number> {
    return this.files.countDocuments({});
  }

  async *ids(): AsyncGenerator<string> {
    for await (const f of this.files.find({}, { projection: { _id: 1 } })) yield f._id;
  }

  async has(sha256: string): Promise<boolean> {
    checkId(sha256);
    return (await this.files.findOne({ _id: sha256 }, { projection: { _id: 1 } })) !== null;
  }

  async stat(sha256: string): Promise<BlobStat | null> {
    checkId(sha256);
    const file = await this.files.findOne({ _id: sha256 }, { projection: { metadata: 1 } });
    return file && { size: file.metadata.size, storedSize: file.metadata.storedSize };
  }

  /**
   * There is no existence check first: the first chunk's insert, decided by the unique index,
   * tells that the message is stored already (put then reads the file document). A look first
   * would cost every new message a read of the whole files collection on FerretDB 1.24, whose
   * finds by `_id` do not use the `_id` index (its `explain` shows `SCAN` for them): ingest slowed
   * from 32 to 3 messages/s at 25,000 messages.
   */
  async put(sha256: string, size: number, open: () => Readable): Promise<{ created: boolean }> {
    checkId(sha256);
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new BlobError('BLOB_MISMATCH', `Blob size must be a non-negative integer, got ${size}`);
    }
    const encoded = await this.encodeSmall(sha256, size, open);
    return encoded ? (await this.putEncoded([encoded]))[0]! : this.putLeased(sha256, size, open);
  }

  /**
   * A message whose encoded bytes surely fit in one chunk (deflate grows input by at most about
   * 14 %), which is nearly every mail, is checked and encoded in memory, then stored by two
   * inserts, without the lease and its two writes. Which path an id takes depends on its size
   * alone, so writers of one message never mix the two.
   */
  async encodeSmall(sha256: string, size: number, open: () => Readable): Promise<EncodedBlob | null> {
    checkId(sha256);
    if (size > this.settings.chunkSizeBytes / 2) return null;
    return { id: sha256, size, data: await encodeWhole(open, this.keys, this.check$(sha256, size, 'BLOB_MISMATCH')) };
  }

  /**
   * The chunks of a page in one insert and the file documents of the new ones in another (on
   * FerretDB a command costs some 30 ms whatever it carries). Each chunk is whole the moment it
   * exists, so the order per blob stays chunk, then file; a refused chunk goes the way of one put.
   */
  async putEncoded(blobs: readonly EncodedBlob[]): Promise<{ created: boolean }[]> {
    const chunks = blobs.map((b): ChunkDoc => ({ _id: chunkId(b.id, 0), files_id: b.id, n: 0, data: b.data }));
    const refused = await insertNew(this.chunks, chunks);
    const fresh = blobs.filter((_, i) => !refused.has(i));
    const taken = await insertNew(this.files, fresh.map((b) => this.fileDoc(b.id, b.size, b.data.length)));
    const created = new Map(fresh.map((b, k) => [b.id, !taken.has(k)]));
    return Promise.all(blobs.map(async (b, i) => (refused.has(i) ? this.settleWhole(b, chunks[i]!) : { created: created.get(b.id)! })));
  }

  /**
   * A whole chunk of this id was there already: the message is stored, or its writer is between
   * its two inserts or died there. No writer ever deletes a chunk that decodes to the message;
   * any writer may add the file document for one a crashed or slower writer left.
   */
  private async settleWhole({ id: sha256, size, data }: EncodedBlob, chunk: ChunkDoc): Promise<{ created: boolean }> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      if (attempt > 0 && (await insertOnce(this.chunks, chunk))) return { created: await this.addFile(sha256, size, data.length) };
      const stored = await this.stat(sha256);
      if (stored) return alreadyStored(sha256, size, stored.size);
      const found = await this.chunks.findOne({ _id: chunk._id }, { promoteBuffers: true });
      if (!found) continue;
      if (await decodesTo(found.data, this.keys, this.check$(sha256, size, 'BLOB_CORRUPT'))) return { created: await this.addFile(sha256, size, found.data.length) };
      // Not this message's whole chunk: the start of an upload under another chunk size, cut short.
      await this.chunks.deleteMany({ files_id: sha256, n: { $gt: 0 } });
      // Compared on the bytes read, so that a whole chunk another writer put in meanwhile stays.
      const replaced = await this.chunks.replaceOne({ _id: chunk._id, data: found.data }, chunk);
      if (replaced.matchedCount === 1) return { created: await this.addFile(sha256, size, data.length) };
    }
    throw new BlobError('BLOB_CORRUPT', `Stored blob ${sha256} is damaged: its chunk keeps changing under the writer`);
  }

  /** The file document for a complete chunk; false when another writer added it first. */
  private async addFile(sha256: string, size: number, storedSize: number): Promise<boolean> {
    return insertOnce(this.files, this.fileDoc(sha256, size, storedSize));
  }

  private fileDoc(sha256: string, size: number, storedSize: number): FileDoc {
    return {
      _id: sha256,
      length: storedSize,
      chunkSize: this.settings.chunkSizeBytes,
      uploadDate: new Date(),
      filename: sha256,
      metadata: { size, storedSize, encoding: encodingOf(this.keys), ...(this.keys.enabled ? {} : { sha256 }) },
    };
  }

  /**
   * A message that may span chunks: its writers are serialised by a lease document instead of
   * racing, since all of them write chunks under the same `files_id`, so a loser could not tell
   * its own chunks from the winner's and must never delete any. Only the lease holder ever
   * deletes chunks of an id without a file. A message stored already has read at most one chunk
   * of its bytes again when the first chunk's insert is refused.
   */
  private async putLeased(sha256: string, size: number, open: () => Readable): Promise<{ created: boolean }> {
    let deepCleaned = false;
    let stored: BlobStat | null = null;
    for (;;) {
      if (stored) return alreadyStored(sha256, size, stored.size);
      const lease = await this.leases.acquire(sha256);
      if (!lease) {
        await sleep(this.settings.pollMs * (0.5 + Math.random()));
        stored = await this.stat(sha256);
        continue;
      }
      try {
        // A crashed writer leaves its lease behind, so only a taken-over lease can hide leftover
        // chunks, or a finished blob whose writer died before releasing.
        if (lease.tookOver) {
          stored = await this.stat(sha256);
          if (stored) continue;
          await this.deleteChunks(sha256);
        }
        return await this.upload(sha256, size, open, lease);
      } catch (err) {
        const conflict = isDuplicateKey(err) || hasCode(err, 'BLOB_LEASE_LOST');
        // Someone took over an expired lease: wait for their result instead of failing.
        if (conflict && !(await lease.held())) {
          stored = await this.stat(sha256);
          continue;
        }
        if (isDuplicateKey(err)) {
          // The first chunk exists: a writer before us finished, or left chunks behind.
          stored = await this.stat(sha256);
          if (stored) continue;
          // Leftover chunks that the cheap cleanup missed (a gap from an interrupted cleanup).
          if (!deepCleaned) {
            deepCleaned = true;
            await this.chunks.deleteMany({ files_id: sha256 });
            continue;
          }
        }
        throw err;
      } finally {
        // A lease that cannot be released expires; its successor only does some extra cleanup.
        await lease.release().catch(() => undefined);
      }
    }
  }

  async remove(sha256s: readonly string[], between?: () => Promise<void>): Promise<BlobStat> {
    sha256s.forEach(checkId);
    const files = await findWhereIn(this.files, sha256s, { projection: { length: 1, chunkSize: 1, metadata: 1 } });
    const freed = files.reduce((acc, f) => ({ size: acc.size + f.metadata.size, storedSize: acc.storedSize + f.metadata.storedSize }), { size: 0, storedSize: 0 });
    await deleteWhereIn(this.files, sha256s);
    await between?.();
    const chunkIds = files.flatMap((f) => Array.from({ length: Math.ceil(f.length / f.chunkSize) || 1 }, (_, n) => chunkId(chunksOf(f), n)));
    await deleteWhereIn(this.chunks, chunkIds);
    // Found by their files_id: the chunks of files a previous attempt removed already, and what a
    // re-encryption pass may have left beside a blob of many chunks.
    const found = new Set(files.map((f) => f._id));
    const unsure = [...sha256s.filter((s) => !found.has(s)), ...files.filter((f) => f.length > f.chunkSize || f.metadata.chunks).map((f) => f._id)];
    if (unsure.length > 0) await deleteWhereIn(this.chunks, this.chunkNames(unsure), 'files_id');
    return freed;
  }

  open(sha256: string): Readable {
    const out = new PassThrough();
    this.pipeOriginal(sha256, out).catch((err: unknown) => out.destroy(asCorrupt(sha256, err)));
    return out;
  }

  scan(from = 0): AsyncGenerator<BlobScanItem> {
    return scanBlobs({ files: this.files, chunks: this.chunks, from, decodeWhole: (data) => decodeWhole(data, this.keys), matches: this.matches, check: (id) => this.check(id) });
  }

  /** One blob through the usual read path (for blobs of many chunks). */
  private async check(id: string): Promise<Omit<BlobScanItem, 'position'>> {
    const file = await this.files.findOne({ _id: id });
    if (!file) return { id, status: 'missing', size: 0, storedBytes: 0, sha256: null, reason: 'no file document' };
    const hash = createHash('sha256');
    try {
      await pipeline(this.open(id), new Writable({ write: (c: Buffer, _e, cb) => (hash.update(c), cb()) }));
      return { id, status: 'ok', size: file.metadata.size, storedBytes: file.length, sha256: hash.digest('hex') };
    } catch (err) {
      const missing = /chunk \d+ is missing/.test((err as Error).message);
      return { id, status: missing ? 'missing' : 'altered', size: file.metadata.size, storedBytes: file.length, sha256: null, reason: (err as Error).message };
    }
  }

  async verify(sha256: string): Promise<boolean> {
    try {
      await pipeline(this.open(sha256), discard());
      return true;
    } catch (err) {
      if (hasCode(err, 'BLOB_CORRUPT') || hasCode(err, 'BLOB_NOT_FOUND')) return false;
      throw err;
    }
  }

  private async upload(sha256: string, size: number, open: () => Readable, lease: Lease) {
    const writer = new ChunkWriter(this.chunks, sha256, this.settings.chunkSizeBytes);
    const check = this.check$(sha256, size, 'BLOB_MISMATCH');
    const keepAlive = lease.keepAlive();
    try {
      await pipeline([open(), check, ...encoders(size, this.keys), writer], { signal: keepAlive.signal });
      if (!(await lease.confirm())) throw leaseLost(sha256);
    } catch (err) {
      await writer.settled();
      // A duplicate chunk is someone else's (put finds out whose); ours are only those before it.
      const ours = isDuplicateKey(err) ? writer.written : Number.POSITIVE_INFINITY;
      try {
        if (ours > 0 && (await lease.held())) await this.deleteChunks(sha256, ours);
      } catch {
        lease.abandon(); // left to expire, so that the next writer cleans up
      }
      throw keepAlive.signal.aborted ? keepAlive.signal.reason : err;
    } finally {
      keepAlive.stop();
    }
    // False when a writer that took over our lease finished first (its chunks carry the same files_id),
    // or when the blob was stored and then moved to new chunks (see moveChunks): then ours are extra.
    const created = await this.addFile(sha256, size, writer.length);
    if (!created && (await this.files.findOne({ _id: sha256 }, { projection: { metadata: 1 } }))?.metadata.chunks) await this.deleteChunks(sha256);
    return { created };
  }

  private async pipeOriginal(sha256: string, out: PassThrough): Promise<void> {
    checkId(sha256);
    const file = await this.files.findOne({ _id: sha256 });
    if (!file) throw new BlobError('BLOB_NOT_FOUND', `No stored blob ${sha256}`);
    if (!ENCODINGS.includes(file.metadata.encoding)) throw new BlobError('BLOB_CORRUPT', `Blob ${sha256} has unknown encoding ${file.metadata.encoding}`);
    // Read ahead: the next chunks are asked for while the ones before are decoded and sent, so the
    // database (FerretDB decodes a chunk at about 35 MB/s, a core's worth) never waits for us.
    const source = Readable.from(this.storedChunks(file), { objectMode: false, highWaterMark: READ_AHEAD_BYTES });
    const check = this.check$(sha256, file.metadata.size, 'BLOB_CORRUPT');
    // `out` stays outside the pipeline so that the consumer sees errors mapped to blob codes.
    pipelineCallback([source, ...decoders(this.keys), check], (err) => {
      if (err) out.destroy(asCorrupt(sha256, err));
    });
    check.pipe(out);
    out.once('close', () => source.destroy());
  }

  /**
   * A one-chunk blob (nearly every mail) by its chunk's `_id`: the only lookup FerretDB 1.24
   * (SQLite) hands to SQLite, which still scans the bucket, but at SQLite's speed. A blob of many
   * chunks in one streamed query by `files_id` and `n`: FerretDB decodes the bucket's chunks up to
   * the message's last for it (a query it cannot hand down), but once per message instead of a scan per chunk; on
   * MongoDB both are lookups in the `{files_id, n}` index.
   */
  private async *storedChunks(file: FileDoc): AsyncGenerator<Buffer> {
    const count = Math.ceil(file.length / file.chunkSize);
    if (count === 1) yield checkedChunk(file, count, 0, await this.chunks.findOne({ _id: chunkId(chunksOf(file), 0) }, { promoteBuffers: true }));
    else if (count > 1) yield* this.chunkRange(file, count);
  }

  /**
   * Chunks in order of `n`. The query is not sorted (FerretDB would sort the whole result in
   * memory): writers insert chunks in order, so they come in order; the few that come early wait
   * in a small buffer, and when that overflows the next pass starts at the first one missing.
   */
  private async *chunkRange(file: FileDoc, count: number): AsyncGenerator<Buffer> {
    const early = new Map<number, ChunkDoc>();
    let next = 0;
    while (next < count) {
      const from = next;
      // The limit ends the query at the last chunk: FerretDB would go on decoding every chunk stored after it to filter them out.
      const cursor = this.chunks.find({ files_id: chunksOf(file), n: { $gte: next, $lt: count } }, { promoteBuffers: true, batchSize: CHUNKS_PER_BATCH, limit: count - next });
      try {
        for await (const chunk of cursor) {
          if (chunk.n > next && early.size < CHUNKS_PER_BATCH) early.set(chunk.n, chunk);
          if (chunk.n !== next) continue;
          for (let c: ChunkDoc | undefined = chunk; c; c = early.get(next)) {
            early.delete(next);
            yield checkedChunk(file, count, next, c);
            next += 1;
          }
        }
      } finally {
        await cursor.close();
      }
      if (next === from) yield checkedChunk(file, count, next, null);
    }
  }

  /** Uploads write chunks 0, 1, 2… in order, so what one leaves behind ends at the first gap. */
  private async deleteChunks(sha256: string, limit = Number.POSITIVE_INFINITY): Promise<void> {
    for (let n = 0; n < limit; n += 1) {
      const { deletedCount } = await this.chunks.deleteOne({ _id: chunkId(sha256, n) });
      if (deletedCount === 0) return;
    }
  }
}

/** Chunks a reader holds at most (the driver's batch, or those that came early): 1 MiB each by default. */
const CHUNKS_PER_BATCH = 4;
/** What a reader of a blob of many chunks buffers ahead of its consumer: a driver's batch. */
const READ_AHEAD_BYTES = 4 * 1024 * 1024;

/**
 * The most one reader of a blob holds at a moment, whatever the blob's size: its read-ahead, the
 * batch it takes chunks from, the chunks that came early, the next batch as the driver receives it
 * (read in pieces, then joined: twice its size for a moment), and a chunk in each decoding stage.
 */
export function readerBytesAtMost(chunkSize: number): number {
  const batch = CHUNKS_PER_BATCH * chunkSize;
  const taking = batch;
  const early = batch;
  const arriving = 2 * batch;
  const decoding = 4 * chunkSize; // decipher, gunzip, hash check, the caller's stream
  return READ_AHEAD_BYTES + taking + early + arriving + decoding;
}

function checkedChunk(file: FileDoc, count: number, n: number, chunk: ChunkDoc | null): Buffer {
  if (!chunk || chunk.files_id !== chunksOf(file) || chunk.n !== n) {
    throw new BlobError('BLOB_CORRUPT', `Stored blob ${file._id} is damaged: chunk ${n} is missing`);
  }
  const expected = n === count - 1 ? file.length - n * file.chunkSize : file.chunkSize;
  // A lone chunk may be a re-encryption's, whose file document is updated just after it; its
  // decoding and hash decide whether it is whole.
  if (chunk.data.length !== expected && count > 1) {
    throw new BlobError('BLOB_CORRUPT', `Stored blob ${file._id} is damaged: chunk ${n} has ${chunk.data.length} bytes, expected ${expected}`);
  }
  return chunk.data;
}

/**
 * A small message encoded in memory; nothing comes out unless its bytes pass `check` (hash and
 * size). One-shot calls, not a stream pipeline: this runs for nearly every message archived, and
 * a pipeline's streams, listeners and abort signal (whose AbortError Node builds, stack and all,
 * when every pipeline ends) cost the event loop more than the gzip call it wraps.
 */
async function encodeWhole(open: () => Readable, keys: BlobKeys, check: ByteCheck): Promise<Buffer> {
  return encodeBytes(await readChecked(open(), check), keys);
}

async function encodeBytes(bytes: Buffer, keys: BlobKeys): Promise<Buffer> {
  const zipped = await gzipBytes(bytes, gzipOptions(bytes.length));
  return keys.enabled && keys.current ? encryptBytes(keys.current, zipped) : zipped;
}

/** The original bytes of a blob stored in one chunk. */
function decodeWhole(data: Buffer, keys: BlobKeys): Promise<Buffer> {
  return gunzipBytes(decryptBytes(keys, data));
}

/** A stream's bytes in one buffer, once `check` has passed them (it fails as soon as they cannot match). */
async function readChecked(source: Readable, check: ByteCheck): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of source) pieces.push(check.admit(piece as Buffer));
  check.verify();
  return Buffer.concat(pieces);
}

/** True when an encoded chunk holds the whole message that `check` expects. */
async function decodesTo(data: Buffer, keys: BlobKeys, check: ByteCheck): Promise<boolean> {
  try {
    check.admit(await decodeWhole(data, keys));
    check.verify();
    return true;
  } catch {
    return false;
  }
}

/** Hashes and counts bytes passing through; the stream fails as soon as they cannot match. */
class ByteCheck extends Transform {
  private readonly hash = createHash('sha256');
  private bytes = 0;

  constructor(
    private readonly sha256: string,
    private readonly size: number,
    private readonly code: 'BLOB_MISMATCH' | 'BLOB_CORRUPT',
    private readonly matches: (id: string, sha256: string) => boolean,
  ) {
    super();
  }

  /** The chunk, counted and hashed; throws once there are more bytes than expected. */
  admit(chunk: Buffer): Buffer {
    this.bytes += chunk.length;
    if (this.bytes > this.size) throw this.fail(`more than the expected ${this.size} bytes`);
    this.hash.update(chunk);
    return chunk;
  }

  /** Throws unless the bytes taken are the expected ones. */
  verify(): void {
    if (this.bytes !== this.size) throw this.fail(`${this.bytes} bytes, expected ${this.size}`);
    const digest = this.hash.digest('hex');
    if (!this.matches(this.sha256, digest)) throw this.fail(`SHA-256 ${digest}`);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      callback(null, this.admit(chunk));
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.verify();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  private fail(what: string): BlobError {
    return this.code === 'BLOB_MISMATCH'
      ? new BlobError('BLOB_MISMATCH', `Bytes given for blob ${this.sha256} do not match it: ${what}`)
      : new BlobError('BLOB_CORRUPT', `Stored blob ${this.sha256} is damaged: it reads back as ${what}`);
  }
}

function alreadyStored(sha256: string, size: number, storedSize: number) {
  if (storedSize !== size) {
    throw new BlobError('BLOB_MISMATCH', `Blob ${sha256} is stored with ${storedSize} bytes, not ${size}`);
  }
  return { created: false };
}

function checkId(sha256: string): void {
  if (!SHA256_HEX.test(sha256)) {
    throw new BlobError('BLOB_BAD_ID', `Blob id must be a lowercase hex SHA-256, got ${JSON.stringify(sha256)}`);
  }
}

function leaseLost(sha256: string): BlobError {
  return new BlobError('BLOB_LEASE_LOST', `Another writer took over the upload of blob ${sha256}`);
}

function asCorrupt(sha256: string, err: unknown): Error {
  if (err instanceof BlobError) return err;
  if (err instanceof BlobKeyError) return new BlobError('BLOB_CORRUPT', `Stored blob ${sha256} cannot be read: ${err.message}`, { cause: err });
  // zlib reports damaged input as Z_DATA_ERROR / Z_BUF_ERROR (truncated stream).
  if (hasCode(err, 'Z_DATA_ERROR') || hasCode(err, 'Z_BUF_ERROR')) {
    return new BlobError('BLOB_CORRUPT', `Stored blob ${sha256} is damaged: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return err instanceof Error ? err : new Error(String(err));
}

function hasCode(err: unknown, code: string | number): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}

import { createCipheriv, createDecipheriv, createHmac, createHash, randomBytes, type DecipherGCM } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Encryption at rest of blobs (MISSION M12): AES-256-GCM over the gzip stream, under a data
 * key named in the stored bytes themselves, so that a blob says how to read it whatever its
 * file document says (a re-encryption that crashed between the two stays readable):
 *
 *   "M3E1" ‖ key id length (1 byte) ‖ key id (ASCII) ‖ IV (12 bytes) ‖ ciphertext ‖ GCM tag (16 bytes)
 *
 * The header is the GCM additional data, so a changed key id or IV fails the tag like a changed
 * ciphertext. Bytes without the magic are plain gzip (blobs stored before encryption was on).
 */
export interface BlobKeys {
  /** New blobs are encrypted (under `current`) and named by keyed hashes. */
  enabled: boolean;
  current: { id: string; key: Buffer } | null;
  /** Every data key, by id, to read what older keys wrote. */
  keys: Map<string, Buffer>;
  /** Keys of the blob id (HMAC) and of the ledger digest's salt; set once encryption was ever on. */
  idKey: Buffer | null;
  saltKey: Buffer | null;
}

export const noKeys = (): BlobKeys => ({ enabled: false, current: null, keys: new Map(), idKey: null, saltKey: null });

const MAGIC = Buffer.from('M3E1');
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class BlobKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlobKeyError';
  }
}

/** Keyed blob id: HMAC-SHA256(id key, SHA-256 bytes). Reveals nothing of the message without the key. */
export function keyedId(keys: BlobKeys, sha256: string): string | null {
  return keys.idKey ? createHmac('sha256', keys.idKey).update(Buffer.from(sha256, 'hex')).digest('hex') : null;
}

/** The ledger salt of a message: HMAC-SHA256(salt key, SHA-256 bytes); digest = SHA-256(salt ‖ SHA-256 bytes). */
export function ledgerSalt(keys: BlobKeys, sha256: string): Buffer | null {
  return keys.saltKey ? createHmac('sha256', keys.saltKey).update(Buffer.from(sha256, 'hex')).digest() : null;
}

export function saltedDigest(salt: Buffer, sha256: string): string {
  return createHash('sha256').update(salt).update(Buffer.from(sha256, 'hex')).digest('hex');
}

/** Which data key a stored blob's bytes name; null for plain gzip. */
export function storedKeyId(data: Buffer): string | null {
  if (data.length < MAGIC.length + 1 || !data.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  return data.subarray(MAGIC.length + 1, MAGIC.length + 1 + data[MAGIC.length]!).toString('ascii');
}

/** A new encryption under `key`: its header (magic, key id, a fresh IV) and the cipher keyed with them. */
function sealer(key: { id: string; key: Buffer }) {
  const id = Buffer.from(key.id, 'ascii');
  const header = Buffer.concat([MAGIC, Buffer.from([id.length]), id, randomBytes(IV_BYTES)]);
  const cipher = createCipheriv('aes-256-gcm', key.key, header.subarray(header.length - IV_BYTES));
  cipher.setAAD(header);
  return { header, cipher };
}

export function encryptStream(key: { id: string; key: Buffer }): Transform {
  const { header, cipher } = sealer(key);
  let started = false;
  return new Transform({
    transform(chunk: Buffer, _e, callback: TransformCallback) {
      const out = cipher.update(chunk);
      callback(null, started ? out : ((started = true), Buffer.concat([header, out])));
    },
    flush(callback: TransformCallback) {
      const end = cipher.final();
      callback(null, Buffer.concat([started ? Buffer.alloc(0) : header, end, cipher.getAuthTag()]));
    },
  });
}

/** `encryptStream` of bytes held in memory, in one call (the same format). */
export function encryptBytes(key: { id: string; key: Buffer }, data: Buffer): Buffer {
  const { header, cipher } = sealer(key);
  return Buffer.concat([header, cipher.update(data), cipher.final(), cipher.getAuthTag()]);
}

/**
 * The decipher for encrypted bytes that start with `head`: 'plain' when they are not encrypted,
 * 'short' when `head` ends before the header does.
 */
function opener(keys: BlobKeys, head: Buffer): { decipher: DecipherGCM; headerLength: number } | 'plain' | 'short' {
  if (head.length < MAGIC.length + 1) return 'short';
  if (!head.subarray(0, MAGIC.length).equals(MAGIC)) return 'plain';
  const headerLength = MAGIC.length + 1 + head[MAGIC.length]! + IV_BYTES;
  if (head.length < headerLength) return 'short';
  const header = head.subarray(0, headerLength);
  const id = storedKeyId(header)!;
  const key = keys.keys.get(id);
  if (!key) throw new BlobKeyError(`encrypted under data key ${id}, which this process does not have`);
  const decipher = createDecipheriv('aes-256-gcm', key, header.subarray(headerLength - IV_BYTES));
  decipher.setAAD(header);
  return { decipher, headerLength };
}

/** The last step of a decryption: a wrong tag fails it, never garbage. */
function finalOf(decipher: DecipherGCM, tag: Buffer): Buffer {
  try {
    decipher.setAuthTag(tag);
    return decipher.final();
  } catch {
    throw new BlobKeyError('its encryption tag does not match (the ciphertext was altered, or the key is wrong)');
  }
}

/**
 * Plain gzip passes through; an encrypted blob comes out decrypted, its tag checked at the end
 * (the last 16 bytes are held back until then). A wrong tag fails the stream: never garbage.
 */
export function decryptStream(keys: BlobKeys): Transform {
  let head: Buffer = Buffer.alloc(0);
  let mode: 'sniff' | 'plain' | 'cipher' = 'sniff';
  let decipher: DecipherGCM | null = null;
  let tail: Buffer = Buffer.alloc(0);
  const decryptSome = (data: Buffer): Buffer => {
    const all = Buffer.concat([tail, data]);
    tail = all.subarray(Math.max(0, all.length - TAG_BYTES));
    return decipher!.update(all.subarray(0, all.length - tail.length));
  };
  return new Transform({
    transform(chunk: Buffer, _e, callback: TransformCallback) {
      try {
        if (mode === 'plain') return callback(null, chunk);
        if (mode === 'cipher') return callback(null, decryptSome(chunk));
        head = Buffer.concat([head, chunk]);
        const opened = opener(keys, head);
        if (opened === 'short') return callback();
        if (opened === 'plain') return (mode = 'plain'), callback(null, head);
        decipher = opened.decipher;
        mode = 'cipher';
        callback(null, decryptSome(head.subarray(opened.headerLength)));
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback: TransformCallback) {
      if (mode === 'sniff') return callback(null, head);
      if (mode === 'plain') return callback();
      try {
        callback(null, finalOf(decipher!, tail));
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}

/** `decryptStream` of bytes held in memory, in one call. */
export function decryptBytes(keys: BlobKeys, data: Buffer): Buffer {
  const opened = opener(keys, data);
  if (opened === 'plain' || (opened === 'short' && data.length < MAGIC.length + 1)) return data;
  if (opened === 'short' || data.length < opened.headerLength + TAG_BYTES) throw new BlobKeyError('its encryption header or tag is cut short');
  const body = opened.decipher.update(data.subarray(opened.headerLength, data.length - TAG_BYTES));
  return Buffer.concat([body, finalOf(opened.decipher, data.subarray(data.length - TAG_BYTES))]);
}

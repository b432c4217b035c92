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

export function encryptStream(key: { id: string; key: Buffer }): Transform {
  const id = Buffer.from(key.id, 'ascii');
  const header = Buffer.concat([MAGIC, Buffer.from([id.length]), id, randomBytes(IV_BYTES)]);
  const cipher = createCipheriv('aes-256-gcm', key.key, header.subarray(header.length - IV_BYTES));
  cipher.setAAD(header);
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
        if (head.length < MAGIC.length + 1) return callback();
        if (!head.subarray(0, MAGIC.length).equals(MAGIC)) return (mode = 'plain'), callback(null, head);
        const headerLength = MAGIC.length + 1 + head[MAGIC.length]! + IV_BYTES;
        if (head.length < headerLength) return callback();
        const header = head.subarray(0, headerLength);
        const id = storedKeyId(header)!;
        const key = keys.keys.get(id);
        if (!key) throw new BlobKeyError(`encrypted under data key ${id}, which this process does not have`);
        decipher = createDecipheriv('aes-256-gcm', key, header.subarray(headerLength - IV_BYTES));
        decipher.setAAD(header);
        mode = 'cipher';
        callback(null, decryptSome(head.subarray(headerLength)));
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback: TransformCallback) {
      if (mode === 'sniff') return callback(null, head);
      if (mode === 'plain') return callback();
      try {
        decipher!.setAuthTag(tail);
        callback(null, decipher!.final());
      } catch {
        callback(new BlobKeyError('its encryption tag does not match (the ciphertext was altered, or the key is wrong)'));
      }
    },
  });
}

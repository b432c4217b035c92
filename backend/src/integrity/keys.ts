import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mongo } from 'mongoose';
import type { Config } from '../config';
import type { Store } from '../store';
import { noKeys, type BlobKeys } from '../store/blob-cipher';
import { addWrappedKey, listWrappedKeys, readEncryptionState, rewrapKey, writeEncryptionState, type WrappedKey } from '../store/keys';

/**
 * Key management of encryption at rest. Data keys (AES-256) encrypt blobs; a master key wraps
 * them, through a KMS. A cloud KMS plugs in as another `Kms` (docs/integrity.md): its `wrap` and
 * `unwrap` call the KMS's Encrypt/Decrypt (or WrapKey/UnwrapKey) with a key that never leaves
 * it, and `id` names that key.
 */
export interface Kms {
  /** Names the master key, stored beside every key it wraps. */
  readonly id: string;
  wrap(key: Buffer): Promise<Buffer>;
  unwrap(wrapped: Buffer): Promise<Buffer>;
}

export class EncryptionKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncryptionKeyError';
  }
}

/** A master key from a file or the environment: AES-256-GCM key wrapping (IV ‖ wrapped key ‖ tag). */
export class FileKms implements Kms {
  readonly id: string;

  constructor(private readonly master: Buffer) {
    this.id = createHash('sha256').update('m365-archive kek id').update(master).digest('hex').slice(0, 16);
  }

  async wrap(key: Buffer): Promise<Buffer> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.master, iv);
    return Buffer.concat([iv, cipher.update(key), cipher.final(), cipher.getAuthTag()]);
  }

  async unwrap(wrapped: Buffer): Promise<Buffer> {
    const decipher = createDecipheriv('aes-256-gcm', this.master, wrapped.subarray(0, 12));
    decipher.setAuthTag(wrapped.subarray(wrapped.length - 16));
    try {
      return Buffer.concat([decipher.update(wrapped.subarray(12, wrapped.length - 16)), decipher.final()]);
    } catch {
      throw new EncryptionKeyError(`master key ${this.id} does not unwrap this key (wrong key, or the wrapped key was altered)`);
    }
  }
}

/** The configured master keys (current, previous), each 32 bytes given as base64 or hex. */
export function configuredKms(config: Pick<Config, 'ENCRYPTION_MASTER_KEY' | 'ENCRYPTION_MASTER_KEY_FILE' | 'ENCRYPTION_PREVIOUS_MASTER_KEY' | 'ENCRYPTION_PREVIOUS_MASTER_KEY_FILE'>): { current: Kms | null; previous: Kms | null } {
  const read = (value: string | undefined, file: string | undefined, name: string): Kms | null => {
    let text = value;
    if (file) {
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new EncryptionKeyError(`${name}_FILE ${file} cannot be read: ${(err as Error).message}`);
      }
    }
    return text === undefined ? null : new FileKms(masterKeyBytes(text.trim(), name));
  };
  return {
    current: read(config.ENCRYPTION_MASTER_KEY, config.ENCRYPTION_MASTER_KEY_FILE, 'ENCRYPTION_MASTER_KEY'),
    previous: read(config.ENCRYPTION_PREVIOUS_MASTER_KEY, config.ENCRYPTION_PREVIOUS_MASTER_KEY_FILE, 'ENCRYPTION_PREVIOUS_MASTER_KEY'),
  };
}

function masterKeyBytes(text: string, name: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new EncryptionKeyError(`${name} must be 32 bytes, as 64 hex digits or base64 (openssl rand -base64 32); it is ${key.length} bytes`);
  return key;
}

/**
 * The keys this process reads and writes blobs with, checked at start-up: once the archive has
 * keys, a missing master key or one that does not unwrap them stops the start with a message
 * that says which, never a process that writes clear text or reads garbage. Keys wrapped by the
 * previous master key are re-wrapped under the current one (master key rotation: no blob is
 * re-encrypted).
 */
export async function loadKeys(store: Store, kms: { current: Kms | null; previous: Kms | null }): Promise<BlobKeys & { rewrapped: number }> {
  const wrapped = await listWrappedKeys(store);
  const stateDoc = await readEncryptionState(store);
  const keys: BlobKeys & { rewrapped: number } = { ...noKeys(), rewrapped: 0 };
  if (wrapped.length === 0) return keys;
  const kms$ = kms.current;
  if (!kms$) throw new EncryptionKeyError('This archive has encryption keys but no master key is configured: set ENCRYPTION_MASTER_KEY_FILE (or ENCRYPTION_MASTER_KEY) to the master key it was set up with.');
  for (const w of wrapped) {
    const key = await unwrapWith(w, kms$, kms.previous);
    if (w.kekId !== kms$.id) {
      await rewrapKey(store, w._id, await kms$.wrap(key), kms$.id);
      keys.rewrapped += 1;
    }
    if (w.purpose === 'data') keys.keys.set(w._id, key);
    if (w.purpose === 'id') keys.idKey = key;
    if (w.purpose === 'salt') keys.saltKey = key;
  }
  keys.enabled = stateDoc.enabled;
  const current = stateDoc.currentDataKey ? keys.keys.get(stateDoc.currentDataKey) : undefined;
  keys.current = current ? { id: stateDoc.currentDataKey!, key: current } : null;
  return keys;
}

async function unwrapWith(w: WrappedKey, current: Kms, previous: Kms | null): Promise<Buffer> {
  const kms = w.kekId === current.id ? current : w.kekId === previous?.id ? previous : null;
  if (!kms) {
    throw new EncryptionKeyError(
      `The configured master key (id ${current.id}) is not the one that wrapped this archive's keys (id ${w.kekId}). ` +
        'Configure that key, or, to rotate, the new one as ENCRYPTION_MASTER_KEY_FILE and the old one as ENCRYPTION_PREVIOUS_MASTER_KEY_FILE.',
    );
  }
  return kms.unwrap(Buffer.from(w.wrapped.buffer));
}

/** Turns encryption on (making the id, salt and first data keys when missing); new blobs are encrypted from now on. */
export async function enableEncryption(store: Store, kms: Kms | null): Promise<void> {
  if (!kms) throw new EncryptionKeyError('Encryption at rest needs a master key: set ENCRYPTION_MASTER_KEY_FILE (or ENCRYPTION_MASTER_KEY) and restart.');
  const existing = await listWrappedKeys(store);
  for (const purpose of ['id', 'salt'] as const) {
    // Fixed ids: two processes enabling at once make one key, not two.
    if (!existing.some((k) => k.purpose === purpose)) await addWrappedKey(store, await wrapped(kms, `${purpose}-key`, purpose));
  }
  const state = await readEncryptionState(store);
  const dataKey = state.currentDataKey ?? (await newDataKey(store, kms));
  await writeEncryptionState(store, { enabled: true, currentDataKey: dataKey, enabledAt: state.enabledAt ?? new Date() });
}

/** A new data key for new blobs; older blobs keep theirs until re-encrypted (the re-encryption job). */
export async function rotateDataKey(store: Store, kms: Kms | null): Promise<string> {
  if (!kms) throw new EncryptionKeyError('Rotating the data key needs the master key: set ENCRYPTION_MASTER_KEY_FILE.');
  const state = await readEncryptionState(store);
  if (!state.enabled) throw new EncryptionKeyError('Encryption at rest is off: turn it on first.');
  const id = await newDataKey(store, kms);
  await writeEncryptionState(store, { ...state, currentDataKey: id });
  return id;
}

async function newDataKey(store: Store, kms: Kms): Promise<string> {
  const id = `dk-${randomUUID().slice(0, 8)}`;
  await addWrappedKey(store, await wrapped(kms, id, 'data'));
  return id;
}

async function wrapped(kms: Kms, id: string, purpose: WrappedKey['purpose']): Promise<WrappedKey> {
  return { _id: id, purpose, wrapped: new mongo.Binary(await kms.wrap(randomBytes(32))), kekId: kms.id, createdAt: new Date() };
}

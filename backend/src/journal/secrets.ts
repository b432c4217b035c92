import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Journal mailbox secrets (SMTP AUTH passwords). Generated here, shown to the administrator once,
 * stored only as an scrypt hash whose parameters travel with it, so they can be raised later
 * without breaking stored hashes.
 */
const PARAMS = { N: 16_384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

export function generateSecret(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The address a journal rule sends to, made unguessable: the administrator's local part with 65
 * random bits appended (`journal@x` becomes `journal-k3j…@x`), so that someone who can reach the
 * gateway cannot address a report to it by trying common names.
 */
export function unguessableAddress(address: string): string {
  const at = address.lastIndexOf('@');
  const tag = [...randomBytes(13)].map((b) => BASE32[b & 31]).join('');
  return `${address.slice(0, at)}-${tag}${address.slice(at)}`;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(secret, salt, KEY_LENGTH, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(secret, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(actual, expected);
}

function derive(secret: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret.normalize('NFKC'), salt, length, { ...options, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

import { createHash, randomUUID } from 'node:crypto';

function b64url(buf: Buffer): string {
  return buf.toString('base64url');
}

function digest(seed: string, salt: string): Buffer {
  return createHash('sha256').update(salt).update('\0').update(seed).digest();
}

/**
 * Exchange item and folder ids are long opaque base64url strings ending in '=' (message ids start
 * with "AAMk", folder ids with "AQMk", conversation ids with "AAQk"). Deterministic from a seed so
 * that a seeded tenant looks the same on every run.
 */
export function exchangeId(kind: 'message' | 'folder' | 'conversation' | 'immutable', seed: string): string {
  const prefix = { message: 'AAMkAD', folder: 'AQMkAD', conversation: 'AAQkAD', immutable: 'AAkALg' }[kind];
  return `${prefix}${b64url(digest(seed, 'a'))}${b64url(digest(seed, 'b')).slice(0, 40)}AAA=`;
}

const CHANGE_KEY_PREFIX = Buffer.from('CQAAABYAAAA=', 'base64');

/** Exchange change keys: a fixed header followed by a change number. */
export function changeKeyFor(seq: number): string {
  const counter = Buffer.alloc(12);
  counter.writeUInt32BE(seq, 8);
  return Buffer.concat([CHANGE_KEY_PREFIX, counter]).toString('base64');
}

export function guidFromSeed(seed: string): string {
  const h = digest(seed, 'guid').toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function newGuid(): string {
  return randomUUID();
}

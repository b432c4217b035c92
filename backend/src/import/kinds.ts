import { open } from 'node:fs/promises';

export type FileKind = 'mbox' | 'eml' | 'msg' | 'pst' | 'zip' | 'unknown';

const HEADER_START = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;

/** What a file is, by its name and, where the name says little, its first bytes. */
export async function kindOf(path: string, name: string): Promise<FileKind> {
  return kindByName(name) ?? sniff(await head(path));
}

/** What a file name says it is, or null when it says nothing. */
export function kindByName(name: string): FileKind | null {
  const lower = name.toLowerCase();
  if (/\.(pst|ost)$/.test(lower)) return 'pst';
  if (lower.endsWith('.msg')) return 'msg';
  if (lower.endsWith('.eml')) return 'eml';
  if (lower.endsWith('.zip')) return 'zip';
  if (/\.(mbox|mbx)(\.txt)?$/.test(lower)) return 'mbox';
  return null;
}

export function sniff(first: Buffer): FileKind {
  if (first.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) return 'zip';
  if (first.subarray(0, 4).toString('latin1') === '!BDN') return 'pst';
  if (first.subarray(0, 8).equals(Buffer.from('d0cf11e0a1b11ae1', 'hex'))) return 'msg';
  const text = first.toString('latin1').replace(/^\ufeff|^\xef\xbb\xbf/, '');
  if (text.startsWith('From ')) return 'mbox';
  return HEADER_START.test(text) ? 'eml' : 'unknown';
}

async function head(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await file.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

import { StringDecoder } from 'node:string_decoder';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import type { Source } from './protocol';

export interface ZipLimits {
  /** Inflated bytes read from all entries together: what bounds a zip bomb. */
  maxInflatedBytes: number;
  /** Entries listed from the central directory; the rest are ignored. */
  maxEntries: number;
}

export class InflateLimitError extends Error {
  constructor(readonly limit: number) {
    super(`stopped after ${Math.round(limit / (1024 * 1024))} MB of inflated content (a zip bomb?)`);
  }
}

/** An OOXML or OpenDocument package: entries by name, read as UTF-8 text under a byte cap. */
export class Zip {
  private inflated = 0;

  private constructor(
    private readonly file: ZipFile,
    private readonly entries: Map<string, Entry>,
    private readonly limits: ZipLimits,
  ) {}

  static async open(source: Source, limits: ZipLimits): Promise<Zip> {
    const options = { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false };
    const file = 'path' in source ? await yauzl.openPromise(source.path, options) : await yauzl.fromBufferPromise(Buffer.from(source.bytes.buffer, source.bytes.byteOffset, source.bytes.byteLength), options);
    try {
      return new Zip(file, await listEntries(file, limits.maxEntries), limits);
    } catch (err) {
      file.close();
      throw err;
    }
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Streams an entry's text to `onText` until it ends or `onText` returns false. */
  async read(name: string, onText: (text: string) => boolean): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry) return;
    const stream = await this.file.openReadStreamPromise(entry);
    const decoder = new StringDecoder('utf8');
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        this.inflated += chunk.length;
        if (this.inflated > this.limits.maxInflatedBytes) throw new InflateLimitError(this.limits.maxInflatedBytes);
        if (!onText(decoder.write(chunk))) return;
      }
      onText(decoder.end());
    } finally {
      stream.destroy();
    }
  }

  /** A small part (relationships, workbook) whole, at most `maxChars` of it. */
  async readSmall(name: string, maxChars = 4 * 1024 * 1024): Promise<string> {
    let text = '';
    await this.read(name, (chunk) => {
      text += chunk;
      return text.length < maxChars;
    });
    return text;
  }

  close(): void {
    this.file.close();
  }
}

function listEntries(file: ZipFile, max: number): Promise<Map<string, Entry>> {
  return new Promise((resolve, reject) => {
    const entries = new Map<string, Entry>();
    file.on('entry', (entry: Entry) => {
      if (!entry.fileName.endsWith('/') && !entry.isEncrypted()) entries.set(entry.fileName, entry);
      if (entries.size >= max) resolve(entries);
      else file.readEntry();
    });
    file.once('end', () => resolve(entries));
    file.once('error', reject);
    file.readEntry();
  });
}

/** Resolves a relationship target against the folder of the part that names it. */
export function resolvePart(fromPart: string, target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = fromPart.split('/').slice(0, -1);
  for (const seg of target.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg && seg !== '.') parts.push(seg);
  }
  return parts.join('/');
}

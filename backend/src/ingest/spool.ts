import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

/** A message read once from its source: hashed, sized, and readable again as often as needed. */
export interface Spool {
  sha256: string;
  size: number;
  open(): Readable;
  dispose(): Promise<void>;
}

export interface SpoolOptions {
  /** Bytes kept in memory; a larger message spills to a temporary file. Default 8 MB. */
  memoryLimit?: number;
  /** Larger messages are refused with code MESSAGE_TOO_LARGE. Default: no limit. */
  maxBytes?: number;
  /** Where spill files go. Default: the OS temporary folder. */
  tmpDir?: string;
}

export class MessageTooLargeError extends Error {
  readonly code = 'MESSAGE_TOO_LARGE';
  constructor(readonly maxBytes: number) {
    super(`message is larger than the limit of ${maxBytes} bytes`);
  }
}

const DEFAULT_MEMORY_LIMIT = 8 * 1024 * 1024;

/** Consumes `input` once, computing its SHA-256 and size while keeping the bytes for re-reading. */
export async function spool(input: Readable, opts: SpoolOptions = {}): Promise<Spool> {
  const memoryLimit = opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let size = 0;
  let file: SpillFile | null = null;
  try {
    for await (const data of input) {
      const chunk = typeof data === 'string' ? Buffer.from(data) : (data as Buffer);
      size += chunk.length;
      if (opts.maxBytes !== undefined && size > opts.maxBytes) throw new MessageTooLargeError(opts.maxBytes);
      hash.update(chunk);
      if (file) {
        await file.write(chunk);
      } else if (size > memoryLimit) {
        file = await SpillFile.create(opts.tmpDir ?? tmpdir());
        for (const kept of chunks) await file.write(kept);
        chunks.length = 0;
        await file.write(chunk);
      } else {
        chunks.push(chunk);
      }
    }
    await file?.close();
  } catch (err) {
    input.destroy();
    await file?.remove();
    throw err;
  }
  const spilled = file;
  return {
    sha256: hash.digest('hex'),
    size,
    open: () => (spilled ? createReadStream(spilled.path) : Readable.from(chunks, { objectMode: false })),
    dispose: async () => {
      chunks.length = 0;
      await spilled?.remove();
    },
  };
}

class SpillFile {
  private constructor(
    private readonly dir: string,
    readonly path: string,
    private readonly out: WriteStream,
  ) {}

  static async create(parent: string): Promise<SpillFile> {
    const dir = await mkdtemp(join(parent, 'ingest-'));
    const path = join(dir, 'message.eml');
    return new SpillFile(dir, path, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  }

  write(chunk: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.out.write(chunk, (err) => (err ? reject(err) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
  }

  async remove(): Promise<void> {
    this.out.destroy();
    await rm(this.dir, { recursive: true, force: true });
  }
}

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ingestTempDir } from './temp-files';

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
  /** Where spill files go. Default: ingest's temporary folder (temp-files.ts). */
  tmpDir?: string;
  /** Memory shared by the spools alive at once; a spool that finds it used up spills. Default: the process's. */
  budget?: MemoryBudget;
}

/**
 * Bytes of spooled messages held in memory by all spools together. Downloads now finish before
 * their message is stored, so many spools can wait at once: past this budget they spill to disk.
 */
export class MemoryBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  tryTake(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get inUse(): number {
    return this.used;
  }
}

/** 64 MB: eight ingests of messages at the 8 MB memory limit, for the whole process. */
export const processSpoolBudget = new MemoryBudget(64 * 1024 * 1024);

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
  const budget = opts.budget ?? processSpoolBudget;
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let size = 0;
  let held = 0;
  let file: SpillFile | null = null;
  const release = () => {
    budget.give(held);
    held = 0;
  };
  try {
    for await (const data of input) {
      const chunk = typeof data === 'string' ? Buffer.from(data) : (data as Buffer);
      size += chunk.length;
      if (opts.maxBytes !== undefined && size > opts.maxBytes) throw new MessageTooLargeError(opts.maxBytes);
      hash.update(chunk);
      if (file) {
        await file.write(chunk);
      } else if (size > memoryLimit || !budget.tryTake(chunk.length)) {
        file = await SpillFile.create(opts.tmpDir);
        for (const kept of chunks) await file.write(kept);
        chunks.length = 0;
        release();
        await file.write(chunk);
      } else {
        held += chunk.length;
        chunks.push(chunk);
      }
    }
    await file?.close();
  } catch (err) {
    input.destroy();
    release();
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
      release();
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

  static async create(parent?: string): Promise<SpillFile> {
    const dir = await ingestTempDir('message', parent);
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

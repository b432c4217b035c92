import { createReadStream } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Source } from './protocol';
import { ingestTempDir } from '../temp-files';

export interface SinkOptions {
  /** Bytes kept in memory; beyond, the attachment spills to a temporary file. */
  memoryBytes: number;
  /** Larger attachments are not kept at all. */
  maxBytes: number;
  tmpDir?: string;
}

/**
 * One attachment's bytes, kept for extraction while they stream past: in memory up to a small
 * size, else in a private temporary file, never more than `maxBytes`. `dispose` removes the file
 * and is safe to call at any time, as often as wanted.
 */
export class AttachmentSink {
  private chunks: Buffer[] = [];
  private size = 0;
  private dir: string | null = null;
  private file: FileHandle | null = null;
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  private disposed = false;
  private disposal: Promise<void> = Promise.resolve();
  tooLarge = false;

  constructor(private readonly opts: SinkOptions) {}

  /** Keeps a chunk; a returned promise asks the producer to wait for it (backpressure). */
  write(chunk: Buffer): Promise<void> | undefined {
    if (this.tooLarge || this.failure || this.disposed) return undefined;
    this.size += chunk.length;
    if (this.size > this.opts.maxBytes) {
      this.tooLarge = true;
      this.chunks = [];
      // Not awaited by the producer; `source()` waits, so no spill file outlives the parse.
      this.disposal = this.dispose();
      return undefined;
    }
    if (!this.dir && this.size <= this.opts.memoryBytes) {
      this.chunks.push(chunk);
      return undefined;
    }
    this.writing = this.writing.then(() => this.spill(chunk)).catch((err: Error) => {
      this.failure ??= err;
    });
    return this.writing;
  }

  /** The kept bytes once the attachment has ended; null when it was too large. */
  async source(): Promise<Source | null> {
    await this.writing;
    await this.disposal;
    if (this.failure) throw this.failure;
    if (this.tooLarge || this.disposed) return null;
    if (!this.dir) return { bytes: Buffer.concat(this.chunks) };
    await this.file?.close();
    this.file = null;
    return { path: join(this.dir, 'attachment') };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.chunks = [];
    await this.writing;
    const { dir, file } = this;
    this.dir = null;
    this.file = null;
    await file?.close().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  }

  private async spill(chunk: Buffer): Promise<void> {
    if (this.disposed) return;
    if (!this.dir) {
      this.dir = await ingestTempDir('attachment', this.opts.tmpDir);
      this.file = await open(join(this.dir, 'attachment'), 'wx', 0o600);
      for (const kept of this.chunks) await this.file.write(kept);
      this.chunks = [];
    }
    await this.file?.write(chunk);
  }
}

/** The kept bytes as a stream (an attached message is parsed from it). */
export function openSource(source: Source): Readable {
  return 'path' in source ? createReadStream(source.path) : Readable.from([source.bytes], { objectMode: false });
}

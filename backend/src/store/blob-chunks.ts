import { Writable } from 'node:stream';
import type { mongo } from 'mongoose';

export interface ChunkDoc {
  _id: string;
  files_id: string;
  n: number;
  data: Buffer;
}

/** Which `files_id` a blob's chunks carry: its id, or the copy a re-encryption moved it to. */
export const chunksOf = (file: { _id: string; metadata: { chunks?: string } }): string => file.metadata.chunks ?? file._id;

/**
 * GridFS readers find chunks by `files_id` and `n` and never look at a chunk's `_id`, so it can
 * be derived from them: reads and cleanup become key lookups, and a chunk cannot exist twice.
 */
export function chunkId(sha256: string, n: number): string {
  return `${sha256}:${n}`;
}

/**
 * Cuts the encoded stream into GridFS chunks, one insert at a time (natural back-pressure). Each
 * chunk is allocated at its own size when complete: most messages are a few KB, and a chunk-size
 * buffer per message was megabytes of garbage per second while archiving.
 */
export class ChunkWriter extends Writable {
  length = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private n = 0;
  private inflight: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly chunks: mongo.Collection<ChunkDoc>,
    private readonly filesId: string,
    private readonly chunkSize: number,
  ) {
    super();
  }

  /** Chunks this writer inserted. */
  get written(): number {
    return this.n;
  }

  /** Resolves once no insert is in flight, so cleanup cannot race a late chunk. */
  settled(): Promise<unknown> {
    return this.inflight.catch(() => undefined);
  }

  override _write(data: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.pending.push(data);
    this.pendingBytes += data.length;
    const full: Buffer[] = [];
    while (this.pendingBytes >= this.chunkSize) full.push(this.take(this.chunkSize));
    this.track(this.insert(full), callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.track(this.insert(this.pendingBytes > 0 ? [this.take(this.pendingBytes)] : []), callback);
  }

  /** The first `bytes` of what is pending, as one buffer; the rest stays pending. */
  private take(bytes: number): Buffer {
    const all = Buffer.concat(this.pending, this.pendingBytes);
    const rest = all.subarray(bytes);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return all.subarray(0, bytes);
  }

  private async insert(buffers: Buffer[]): Promise<void> {
    for (const data of buffers) {
      await this.chunks.insertOne({ _id: chunkId(this.filesId, this.n), files_id: this.filesId, n: this.n, data });
      this.n += 1;
      this.length += data.length;
    }
  }

  private track(work: Promise<void>, callback: (err?: Error | null) => void): void {
    this.inflight = work;
    work.then(() => callback(), callback);
  }
}

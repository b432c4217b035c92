import { createHash } from 'node:crypto';
import type { mongo } from 'mongoose';
import { chunksOf, type ChunkDoc } from './blob-chunks';
import type { BlobScanItem, FileDoc } from './blobs';

interface ScanInput {
  files: mongo.Collection<FileDoc>;
  chunks: mongo.Collection<ChunkDoc>;
  /** Where an earlier scan stopped (chunks of the bucket already read). */
  from: number;
  decodeWhole(data: Buffer, file: FileDoc): Promise<Buffer>;
  /** True when a blob with these original bytes' SHA-256 is stored under `id`. */
  matches(id: string, sha256: string): boolean;
  /** A blob read through the usual path, chunk by chunk. */
  check(id: string): Promise<Omit<BlobScanItem, 'position'>>;
}

/**
 * Every blob read once. Looking blobs up one by one would scan the bucket for each on FerretDB
 * 1.24 (it answers a lookup by `_id` by reading the table), so the chunks are read in one pass
 * in storage order, and the file documents, which are small, are held in memory meanwhile.
 * Nearly every message is one chunk and is checked as it passes; the few of many chunks are
 * read through the usual path at the end, as are files none of whose chunks came by (missing).
 * A resumed scan re-reads only the chunk ids before its position, to know what it saw.
 */
export async function* scanBlobs(input: ScanInput): AsyncGenerator<BlobScanItem> {
  const pass = wholeChunks(input.files, input.chunks, input.from);
  for await (const { position, file, chunk } of pass.chunks) yield { position, ...(await checkWhole(chunk.data, file, input)) };
  for (const id of pass.others()) yield { position: pass.position(), ...(await input.check(id)) };
}

/**
 * One pass over the bucket in storage order: each blob stored in one chunk, with its file
 * document, as the pass reaches it; then `others()`, the blobs of many chunks and those none
 * of whose chunks came by. Positions count chunks read, so a pass cut short resumes there.
 */
export function wholeChunks(files: mongo.Collection<FileDoc>, chunks: mongo.Collection<ChunkDoc>, from: number) {
  const known = new Map<string, FileDoc>();
  const seen = new Set<string>();
  const multi = new Set<string>();
  let position = 0;
  async function* read(): AsyncGenerator<{ position: number; file: FileDoc; chunk: ChunkDoc }> {
    for await (const f of files.find({}, { projection: { _id: 1, length: 1, chunkSize: 1, metadata: 1 } })) known.set(f._id, f);
    if (from > 0) {
      for await (const c of chunks.find({}, { projection: { files_id: 1, n: 1 } }).limit(from)) {
        if (c.n === 0) seen.add(c.files_id);
        position += 1;
      }
    }
    for await (const chunk of chunks.find({}, { promoteBuffers: true }).skip(position).batchSize(64)) {
      position += 1;
      const file = known.get(chunk.files_id);
      // A chunk of a blob of many, one a crashed upload left, or one of a copy its file no longer names (blobs.ts, moveChunks).
      if (!file || chunk.n !== 0 || chunksOf(file) !== chunk.files_id) continue;
      seen.add(file._id);
      if (file.length > file.chunkSize) multi.add(file._id);
      else yield { position, file, chunk };
    }
  }
  return {
    chunks: read(),
    position: () => position,
    others: () => [...known.keys()].filter((id) => multi.has(id) || !seen.has(id)),
  };
}

async function checkWhole(data: Buffer, file: FileDoc, input: ScanInput): Promise<Omit<BlobScanItem, 'position'>> {
  const base = { id: file._id, size: file.metadata.size, storedBytes: data.length };
  let original: Buffer;
  try {
    original = await input.decodeWhole(data, file);
  } catch (err) {
    return { ...base, status: 'altered', sha256: null, reason: `does not decode: ${(err as Error).message}` };
  }
  const sha256 = createHash('sha256').update(original).digest('hex');
  if (original.length !== file.metadata.size) return { ...base, status: 'altered', sha256, reason: `decodes to ${original.length} bytes, expected ${file.metadata.size}` };
  if (!input.matches(file._id, sha256)) return { ...base, status: 'altered', sha256, reason: `decodes to bytes with SHA-256 ${sha256}` };
  return { ...base, status: 'ok', sha256 };
}

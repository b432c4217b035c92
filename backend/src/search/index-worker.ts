import { serveRequests } from '../workers/serve';
import type { BuildRequest, BuiltBatch, PartWrite } from './index-build';
import { writeBucketed } from './index-bucket-writer';
import { buildSegment, encodePacked, estimateBytes, termsOfEntries } from './index-segment';

/** Batches that compress to this size are one document (a lookup returns it in a few ms). */
const PACKED_MAX_BYTES = 64 * 1024;

/** The index worker (index-build.ts): builds and encodes a batch's segment. */
async function buildBatch({ entries, docNo0, segId }: BuildRequest): Promise<BuiltBatch> {
  const terms = await termsOfEntries(entries);
  const seg = await buildSegment(entries, entries.map((_, i) => docNo0 + i), terms);
  const z = estimateBytes(seg) <= 4 * PACKED_MAX_BYTES ? encodePacked(seg) : null;
  if (z && z.length <= PACKED_MAX_BYTES) return { kind: 'packed', info: { id: segId, n: seg.columns.n, kind: 'packed', parts: 0, bytes: z.length }, z };
  const writes: PartWrite[] = [];
  const info = await writeBucketed(async (partition, docs, sizes) => void writes.push({ partition, docs, sizes }), segId, seg);
  return { kind: 'bucketed', info, writes };
}

serveRequests(buildBatch);

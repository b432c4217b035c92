import type { Store } from '../store';
import { blobIds, countBlobs, referencedBlobIds } from '../store/operations';

export interface VerifyReport {
  blobs: number;
  checked: number;
  /** Blobs whose bytes do not read back to their SHA-256 and size. */
  damaged: string[];
  /** Blobs that items of archives refer to and that are not stored. */
  missing: string[];
}

/**
 * Reads stored messages back and checks each against its SHA-256 and size (the blob store's own
 * check on read), and that every archived item's blob exists: the check after a restore, and
 * `npm run admin -- verify`. `every: n` checks every n-th blob only, for a quick look at a large
 * archive.
 */
export async function verifyArchive(store: Store, opts: { every?: number; onProgress?: (checked: number, total: number) => void } = {}): Promise<VerifyReport> {
  const every = Math.max(1, opts.every ?? 1);
  const total = await countBlobs(store.db);
  const report: VerifyReport = { blobs: total, checked: 0, damaged: [], missing: [] };
  const stored = new Set<string>();
  let n = 0;
  for await (const id of blobIds(store.db)) {
    stored.add(id);
    if (n++ % every !== 0) continue;
    if (!(await store.blobs.verify(id))) report.damaged.push(id);
    report.checked += 1;
    if (report.checked % 100 === 0) opts.onProgress?.(report.checked, Math.ceil(total / every));
  }
  report.missing = (await referencedBlobIds(store.db)).filter((id) => !stored.has(id));
  return report;
}

import type { JobHandler } from '../jobs/worker';
import type { Store } from '../store';

export const REENCRYPT_JOB = 'blob-reencrypt';

interface Progress {
  /** Chunks of the bucket read (the pass's resume point). */
  position: number;
  /** Blobs stored. */
  total: number;
  rewritten: number;
  current: number;
  /** Blobs that do not read back as their message (verification names them): left as they are. */
  damaged: number;
  missing: number;
}

/**
 * Brings every blob to the current encoding: encrypts what was stored in clear when encryption
 * is turned on, re-encrypts under the current data key after a rotation (on request). Progress
 * (kept in the job, shown in the Teams tab) is its place in the pass over the bucket, so a run taken
 * over after a crash resumes there. It yields to the event loop between blobs, so archiving goes on.
 */
export function reencryptHandler(store: Store): JobHandler {
  return async (ctx) => {
    const saved = ctx.job.progress.reencrypt as Partial<Progress> | undefined;
    const p: Progress = { position: 0, total: 0, rewritten: 0, current: 0, damaged: 0, missing: 0, ...saved };
    p.total = await store.blobs.count();
    let savedAt = Date.now();
    for await (const { position, outcome } of store.blobs.reencryptAll(p.position)) {
      ctx.signal.throwIfAborted();
      p[outcome] += 1;
      p.position = position;
      if (Date.now() - savedAt > 1_000) {
        await ctx.progress({ reencrypt: p });
        savedAt = Date.now();
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await ctx.progress({ reencrypt: p });
    return p;
  };
}

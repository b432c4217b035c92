import type { JobHandler } from '../jobs/worker';
import type { Store } from '../store';

export const REENCRYPT_JOB = 'blob-reencrypt';

interface Progress {
  position: number;
  total: number;
  rewritten: number;
  current: number;
  large: number;
  missing: number;
}

/**
 * Brings every blob to the current encoding: encrypts what was stored in clear when encryption
 * is turned on, re-encrypts under the current data key after a rotation (on request). Progress
 * (kept in the job, shown in the Teams tab) is its place in the list of blobs, so a run taken
 * over after a crash resumes there. It yields to the event loop between blobs, so archiving goes on.
 */
export function reencryptHandler(store: Store): JobHandler {
  return async (ctx) => {
    const saved = ctx.job.progress.reencrypt as Progress | undefined;
    const p: Progress = saved ?? { position: 0, total: 0, rewritten: 0, current: 0, large: 0, missing: 0 };
    const ids: string[] = [];
    for await (const id of store.blobs.ids()) ids.push(id);
    p.total = ids.length;
    let savedAt = Date.now();
    for (; p.position < ids.length; p.position += 1) {
      ctx.signal.throwIfAborted();
      p[await store.blobs.reencrypt(ids[p.position]!)] += 1;
      if (Date.now() - savedAt > 1_000) {
        await ctx.progress({ reencrypt: { ...p, position: p.position + 1 } });
        savedAt = Date.now();
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await ctx.progress({ reencrypt: p });
    return p;
  };
}

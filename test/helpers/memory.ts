import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const collectOnce = runInNewContext('gc') as () => void;

/**
 * V8 frees dead ArrayBuffers' memory on a background thread after a collection, so one `gc()`
 * leaves `arrayBuffers` counting megabytes that are already dead: a baseline 10 MB too high (a
 * growth of 0.0 MB, seen), or a peak 10 MB too high (a streaming test failed at 22 MB, seen). Any
 * collection first waits for that sweep to finish; a young-generation one costs next to nothing.
 */
function gc(): void {
  collectOnce();
  (collectOnce as (options: { type: 'minor' }) => void)({ type: 'minor' });
}

/**
 * Peak growth of live memory (heap + buffers, after a collection) and of RSS while `work` runs:
 * what a streaming test asserts to show that a message is not held whole.
 */
export async function peakMemoryDuring(work: () => Promise<void>, everyMs = 100): Promise<{ heap: number; rss: number }> {
  gc();
  const baseline = process.memoryUsage();
  const peak = { heap: 0, rss: 0 };
  const sample = setInterval(() => {
    gc();
    const now = process.memoryUsage();
    peak.heap = Math.max(peak.heap, now.heapUsed + now.arrayBuffers - baseline.heapUsed - baseline.arrayBuffers);
    peak.rss = Math.max(peak.rss, now.rss - baseline.rss);
  }, everyMs);
  try {
    await work();
  } finally {
    clearInterval(sample);
  }
  return peak;
}

/**
 * How the backend process should hold memory. glibc and V8 read these settings only when a
 * process starts, so the launchers (`npm start`, the archive benchmark) put them in the
 * environment of the process they start, and a deployment sets them in its unit or container
 * (README). Measured with `BENCH_USERS=20 BENCH_MESSAGES=1000 npm run bench:archive`: the malloc
 * settings took peak RSS from 409 to 346 MB, and then the heap limit from 435 to 301 MB (on a
 * faster build that made more garbage per second), each at the same throughput.
 */
export const MEMORY_ENV: Readonly<Record<string, string>> = {
  /**
   * Buffers (downloaded messages, GridFS chunks, BSON commands, deflate state) are malloc'ed
   * outside the V8 heap. glibc raises its mmap threshold each time such a block is freed, so
   * soon every one comes from the main heap, which fragments and is never given back
   * (`malloc_trim(0)` mid-benchmark released 275 MB of a 440 MB process). Setting the threshold
   * turns that off: blocks ≥ 128 KB are mmap'ed and returned on free.
   */
  MALLOC_MMAP_THRESHOLD_: '131072',
  /** Free memory above 128 KB at the top of a heap goes back to the system at once. */
  MALLOC_TRIM_THRESHOLD_: '131072',
  /** Two arenas, not eight per core: the libuv threads (files, zlib, crypto) share them. */
  MALLOC_ARENA_MAX: '2',
};

/**
 * V8 lets the heap grow to 4× what survived the last full collection when its limit is 2 GB or
 * more (Node's default is a quarter of the machine's memory); under a 1 GB limit by about 1.6×,
 * under 512 MB by about 1.4× (V8's heap controller scales the factor with the limit). The
 * backend's live heap is about 100 MB while archiving. At 512 MB `npm run bench:archive` peaked
 * at 278 and 279 MB against 304 and 296 MB at 1 GB, for about 5 % more CPU; what the main thread
 * holds does not grow with an archive's size (the search caches have budgets, a merge keeps its
 * hashes and columns outside the heap, a reindex walks an archive a batch at a time), and the
 * search benchmark at a million messages ran in a 512 MB heap.
 * The young generation is capped at 2 × 8 MB instead of Node 20's 2 × 16 MB, which a busy process
 * fills: `npm run bench:archive` (20 × 2,000) on the same code and day ran at 134.9 against 135.0
 * messages a second, with a peak RSS of 305 against 319 MB (289.9 MB in another run).
 */
const NODE_FLAGS = ['--max-old-space-size=512', '--max-semi-space-size=8'];

/** The environment with MEMORY_ENV and the V8 flags added, where the caller has not set its own. */
export function withMemoryEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const options = env.NODE_OPTIONS ?? '';
  const flags = NODE_FLAGS.filter((flag) => !options.includes(flag.split('=')[0] as string));
  return { ...MEMORY_ENV, ...env, NODE_OPTIONS: [options, ...flags].filter(Boolean).join(' ') };
}

/** What of the above this process was started without (main.ts warns: glibc cannot be told later). */
export function missingMemorySettings(env: NodeJS.ProcessEnv, heapLimitBytes: number): string[] {
  const missing = Object.keys(MEMORY_ENV).filter((name) => env[name] === undefined);
  if (heapLimitBytes > 1.5 * 1024 * 1024 * 1024) missing.push('--max-old-space-size (NODE_OPTIONS)');
  return missing;
}

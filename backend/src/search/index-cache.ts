/**
 * Immutable index data kept in memory. Segments never change once written, so an entry can never
 * be stale; budgets bound the memory. Two pools, so that one kind cannot push out the other:
 * - `data`: segment directories and columns, small segments, result summaries (17 bytes of
 *   columns per message, so 64 MB keeps millions of messages' sort keys);
 * - `buckets`: the term buckets searches read last, compressed as stored. A bucket holds a few
 *   hundred neighbouring terms, so paging through results, refining a query or many users
 *   searching common words read the database once per bucket instead of once per search (on
 *   FerretDB such a read took 11 ms on a quiet machine, 46 ms under load).
 */
export type Pool = 'data' | 'buckets';

const BUDGETS: Record<Pool, number> = { data: 64 * 1024 * 1024, buckets: 8 * 1024 * 1024 };

interface Entry {
  value: unknown;
  bytes: number;
  pool: Pool;
}

const entries = new Map<string, Entry>();
const totals: Record<Pool, number> = { data: 0, buckets: 0 };
const loading = new Map<string, Promise<unknown>>();

function remember(key: string, value: unknown, bytes: number, pool: Pool): void {
  if (bytes > BUDGETS[pool] / 4) return;
  entries.set(key, { value, bytes, pool });
  totals[pool] += bytes;
  for (const [k, e] of entries) {
    if (totals[pool] <= BUDGETS[pool]) break;
    if (e.pool !== pool) continue;
    entries.delete(k);
    totals[pool] -= e.bytes;
  }
}

/**
 * The cached value, or `load()`'s (loaded once however many ask at the same time). `keep: false`
 * reads through without keeping what it loads: a merge reads segments it is about to replace,
 * and keeping them would push out what searches need and hold memory while archiving.
 */
export async function cached<T>(key: string, load: () => Promise<{ value: T; bytes: number }>, keep = true, pool: Pool = 'data'): Promise<T> {
  const hit = entries.get(key);
  if (hit) {
    entries.delete(key);
    entries.set(key, hit);
    return hit.value as T;
  }
  let pending = loading.get(key) as Promise<T> | undefined;
  if (!pending && !keep) return (await load()).value;
  if (!pending) {
    pending = load().then(({ value, bytes }) => {
      remember(key, value, bytes, pool);
      return value;
    });
    loading.set(key, pending);
    void pending.finally(() => loading.delete(key)).catch(() => undefined);
  }
  return pending;
}

/** A value cached before, without loading it. */
export function peekCached<T>(key: string): T | undefined {
  return entries.get(key)?.value as T | undefined;
}

export function putCached(key: string, value: unknown, bytes: number): void {
  if (!entries.has(key)) remember(key, value, bytes, 'data');
}

/** What is cached, by key (tests). */
export function cachedKeys(): string[] {
  return [...entries.keys()];
}

/** For benchmarks that measure cold reads. */
export function clearIndexCache(): void {
  entries.clear();
  totals.data = 0;
  totals.buckets = 0;
}

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

/** Least recently used first (a Map keeps insertion order; a hit moves its entry to the end). */
class Lru {
  private readonly entries = new Map<string, { value: unknown; bytes: number }>();
  private total = 0;

  constructor(private readonly budget: number) {}

  get(key: string): { value: unknown } | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  peek(key: string): unknown {
    return this.entries.get(key)?.value;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(key: string, value: unknown, bytes: number): void {
    if (bytes > this.budget / 4) return;
    this.entries.set(key, { value, bytes });
    this.total += bytes;
    for (const [k, e] of this.entries) {
      if (this.total <= this.budget) break;
      this.entries.delete(k);
      this.total -= e.bytes;
    }
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }
}

const pools: Record<Pool, Lru> = { data: new Lru(64 * 1024 * 1024), buckets: new Lru(8 * 1024 * 1024) };
const loading = new Map<string, Promise<unknown>>();

/**
 * The cached value, or `load()`'s (loaded once however many ask at the same time). `keep: false`
 * reads through without keeping what it loads: a merge reads segments it is about to replace,
 * and keeping them would push out what searches need and hold memory while archiving.
 */
export async function cached<T>(key: string, load: () => Promise<{ value: T; bytes: number }>, keep = true, pool: Pool = 'data'): Promise<T> {
  const hit = pools[pool].get(key);
  if (hit) return hit.value as T;
  let pending = loading.get(key) as Promise<T> | undefined;
  if (!pending && !keep) return (await load()).value;
  if (!pending) {
    pending = load().then(({ value, bytes }) => {
      pools[pool].set(key, value, bytes);
      return value;
    });
    loading.set(key, pending);
    void pending.finally(() => loading.delete(key)).catch(() => undefined);
  }
  return pending;
}

/** A value cached before, without loading it. */
export function peekCached<T>(key: string): T | undefined {
  return pools.data.peek(key) as T | undefined;
}

export function putCached(key: string, value: unknown, bytes: number): void {
  if (!pools.data.has(key)) pools.data.set(key, value, bytes);
}

/** What is cached, by key (tests). */
export function cachedKeys(): string[] {
  return [...pools.data.keys(), ...pools.buckets.keys()];
}

/** For benchmarks that measure cold reads. */
export function clearIndexCache(): void {
  pools.data.clear();
  pools.buckets.clear();
}

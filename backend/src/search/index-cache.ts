/**
 * Immutable index data kept in memory: segment directories and columns, small segments, result
 * summaries. Segments never change once written, so an entry can never be stale; the budget
 * bounds the memory (17 bytes of columns per message, so 64 MB keeps millions of messages'
 * sort keys). Posting lists are not cached: each search reads what it needs.
 */
const BUDGET_BYTES = 64 * 1024 * 1024;

interface Entry {
  value: unknown;
  bytes: number;
}

const entries = new Map<string, Entry>();
const loading = new Map<string, Promise<unknown>>();
let total = 0;

function remember(key: string, value: unknown, bytes: number): void {
  if (bytes > BUDGET_BYTES / 4) return;
  entries.set(key, { value, bytes });
  total += bytes;
  for (const [k, e] of entries) {
    if (total <= BUDGET_BYTES) break;
    entries.delete(k);
    total -= e.bytes;
  }
}

/**
 * The cached value, or `load()`'s (loaded once however many ask at the same time). `keep: false`
 * reads through without keeping what it loads: a merge reads segments it is about to replace,
 * and keeping them would push out what searches need and hold memory while archiving.
 */
export async function cached<T>(key: string, load: () => Promise<{ value: T; bytes: number }>, keep = true): Promise<T> {
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
      remember(key, value, bytes);
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
  if (!entries.has(key)) remember(key, value, bytes);
}

/** What is cached, by key (tests). */
export function cachedKeys(): string[] {
  return [...entries.keys()];
}

/** For benchmarks that measure cold reads. */
export function clearIndexCache(): void {
  entries.clear();
  total = 0;
}

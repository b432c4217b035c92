import type { Client } from '@microsoft/microsoft-graph-client';

export interface GraphPage<T> {
  value: T[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

/** Follows `@odata.nextLink` until the collection ends (Graph paging: never compute $skip). */
export async function* pages<T>(client: Client, url: string, headers: Record<string, string> = {}): AsyncGenerator<T[]> {
  let next: string | undefined = url;
  while (next) {
    const page: GraphPage<T> = await client.api(next).headers(headers).get();
    yield page.value;
    next = page['@odata.nextLink'];
  }
}

export async function collect<T>(client: Client, url: string, headers?: Record<string, string>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages<T>(client, url, headers)) all.push(...page);
  return all;
}

/** Graph error fields we act on; graph-client throws GraphError with these. */
export function graphErrorOf(err: unknown): { status: number; code: string; message: string } {
  const e = err as { statusCode?: number; code?: string; message?: string };
  return { status: e.statusCode ?? 0, code: e.code ?? '', message: e.message ?? String(err) };
}

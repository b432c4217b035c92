import assert from 'node:assert/strict';
import type { Stack } from '../helpers/stack';

export interface Page {
  status: number;
  body: any;
}

export async function search(stack: Stack, upn: string, params: Record<string, string | number | undefined>): Promise<Page> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) qs.set(k, String(v));
  return stack.api(upn, 'GET', `/search?${qs}`);
}

/** Every page of a search; fails on a repeated id or a page out of newest-first order. */
export async function allPages(stack: Stack, upn: string, params: Record<string, string | number | undefined>, between?: (page: number, hits: any[]) => Promise<void>) {
  const hits: any[] = [];
  let cursor = params.cursor as string | undefined;
  let total = -1;
  for (let page = 0; ; page++) {
    const res = await search(stack, upn, { ...params, cursor });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    if (page === 0) total = res.body.total;
    hits.push(...res.body.value);
    cursor = res.body.nextCursor ?? undefined;
    if (!cursor) break;
    await between?.(page, hits);
  }
  const ids = hits.map((h) => h.id);
  assert.equal(new Set(ids).size, ids.length, 'no result appears twice');
  for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].date >= hits[i].date, `newest first at ${i}: ${hits[i - 1].date} then ${hits[i].date}`);
  return { hits, ids, total };
}

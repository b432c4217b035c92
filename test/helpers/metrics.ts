import assert from 'node:assert/strict';

/** A Prometheus scrape: the exposition format's sample lines, by series name with labels (`name{a="b"}`). */
export type Samples = Map<string, number>;

/** Scrapes a backend's `/metrics` with its bearer token. */
export async function scrapeMetrics(url: string, token: string): Promise<Samples> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const samples: Samples = new Map();
  for (const line of (await res.text()).split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) samples.set(m[1]!, Number(m[2]));
  }
  return samples;
}

export const sampleValue = (s: Samples, series: string) => s.get(series) ?? 0;

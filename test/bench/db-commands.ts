import { scrapeMetrics, type Samples } from '../helpers/metrics';

export interface CommandCost {
  n: number;
  /** Round-trip seconds: the database's time plus waiting for it, a proxy for where it is busy. */
  s: number;
}

/** The backend's database commands so far, by command name and collection (its Prometheus metrics). */
export async function scrapeDbCommands(url: string, token: string): Promise<Map<string, CommandCost>> {
  return dbCommandsOf(await scrapeMetrics(url, token));
}

export function dbCommandsOf(samples: Samples): Map<string, CommandCost> {
  const costs = new Map<string, CommandCost>();
  for (const [series, value] of samples) {
    const m = /^m365archive_db_command_duration_seconds_(count|sum)\{(.*)\}$/.exec(series);
    if (!m) continue;
    const command = /command="([^"]+)"/.exec(m[2]!)?.[1] ?? '?';
    const collection = /collection="([^"]*)"/.exec(m[2]!)?.[1];
    const key = collection ? `${command} ${collection}` : command;
    const cost = costs.get(key) ?? { n: 0, s: 0 };
    if (m[1] === 'count') cost.n += value;
    else cost.s += value;
    costs.set(key, cost);
  }
  return costs;
}

export function sumCounts(all: Map<string, CommandCost>[]): Map<string, CommandCost> {
  const sum = new Map<string, CommandCost>();
  for (const costs of all) {
    for (const [k, c] of costs) {
      const acc = sum.get(k) ?? { n: 0, s: 0 };
      sum.set(k, { n: acc.n + c.n, s: acc.s + c.s });
    }
  }
  return sum;
}

export const total = (costs: Map<string, CommandCost>) => [...costs.values()].reduce((a, c) => a + c.n, 0);

/** What `after` counts beyond `before`. */
export function diffCounts(after: Map<string, CommandCost>, before: Map<string, CommandCost>): Map<string, CommandCost> {
  const out = new Map<string, CommandCost>();
  for (const [k, c] of after) {
    const b = before.get(k) ?? { n: 0, s: 0 };
    if (c.n > b.n) out.set(k, { n: c.n - b.n, s: c.s - b.s });
  }
  return out;
}

/** `find items: 12, 0.3 s; …`, the costliest first. */
export const describeCommands = (costs: Map<string, CommandCost>) =>
  [...costs].sort((a, b) => b[1].s - a[1].s).map(([k, c]) => `${k}: ${c.n}, ${c.s.toFixed(1)} s`).join('; ');

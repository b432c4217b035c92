import mongoose from 'mongoose';
import { scrapeMetrics } from '../helpers/metrics';

export interface CommandStat {
  /** `insert messages.chunks`, `find items`, … */
  kind: string;
  count: number;
  totalMs: number;
}

/**
 * Counts the backend's database commands and their round-trip times, by command and collection:
 * where the crawl waits. Needs `monitorCommands=true` in the URI the backend connects with.
 */
export function watchDbCommands(dbName: string) {
  const clients = mongoose.connections.filter((c) => c.name === dbName).map((c) => c.getClient());
  if (clients.length === 0) throw new Error(`no mongoose connection to ${dbName} in this process`);
  const pending = new Map<number, string>();
  const stats = new Map<string, CommandStat>();
  const onStarted = (e: mongoose.mongo.CommandStartedEvent) => {
    const target = e.command[e.commandName];
    pending.set(e.requestId, typeof target === 'string' ? `${e.commandName} ${target}` : e.commandName);
  };
  const onDone = (e: mongoose.mongo.CommandSucceededEvent | mongoose.mongo.CommandFailedEvent) => {
    const kind = pending.get(e.requestId) ?? e.commandName;
    pending.delete(e.requestId);
    const stat = stats.get(kind) ?? { kind, count: 0, totalMs: 0 };
    stat.count += 1;
    stat.totalMs += e.duration;
    stats.set(kind, stat);
  };
  for (const client of clients) {
    client.on('commandStarted', onStarted);
    client.on('commandSucceeded', onDone);
    client.on('commandFailed', onDone);
  }
  return {
    stop(): CommandStat[] {
      for (const client of clients) {
        client.off('commandStarted', onStarted);
        client.off('commandSucceeded', onDone);
        client.off('commandFailed', onDone);
      }
      return [...stats.values()].sort((a, b) => b.totalMs - a.totalMs);
    },
  };
}

export interface CommandCost {
  n: number;
  /** Round-trip seconds: the database's time plus waiting for it, a proxy for where it is busy. */
  s: number;
}

/** The backend's database commands so far, by command name and collection (its Prometheus metrics). */
export async function scrapeDbCommands(url: string, token: string): Promise<Map<string, CommandCost>> {
  const costs = new Map<string, CommandCost>();
  for (const [series, value] of await scrapeMetrics(url, token)) {
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

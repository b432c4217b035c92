import mongoose from 'mongoose';

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

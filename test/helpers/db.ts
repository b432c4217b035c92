import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { databasesOf, openStore, type Store } from '../../backend/src/store';

export interface TestStore extends Store {
  dbName: string;
  /** Drops the test database and closes the store; idempotent. */
  drop(): Promise<void>;
}

/**
 * A store on a database of its own (`test_<name>_<random>`), so test files running side by side
 * never see each other's data. `name` defaults to the test file's name.
 */
export async function testStore(name?: string): Promise<TestStore> {
  const uri = process.env.MONGODB_URI;
  if (!uri) {
    throw new Error('MONGODB_URI is not set: run tests with `npm test` or `npx tsx test/run.ts <file>`');
  }
  const label = (name ?? basename(process.argv[1] ?? 'test').replace(/\.test\.ts$/, ''))
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 30);
  const dbName = `test_${label}_${randomBytes(4).toString('hex')}`;
  const store = await openStore({ uri, dbName });
  let dropping: Promise<void> | undefined;
  const drop = async () => {
    try {
      await dropDatabases(store);
    } finally {
      await store.close();
    }
  };
  return { ...store, dbName, drop: () => (dropping ??= drop()) };
}

/** Drops the store's databases: the main one and, on FerretDB, the search index's. */
export async function dropDatabases(store: Pick<Store, 'db' | 'searchDb'>): Promise<void> {
  for (const db of databasesOf(store)) await db.dropDatabase();
}

/** Drops every collection of the search index (what a database without an index, or one that lost it, holds). */
export async function dropSearchIndex(store: Pick<Store, 'searchDb'>): Promise<void> {
  for (const c of await store.searchDb.listCollections({}, { nameOnly: true }).toArray()) {
    if (c.name.startsWith('sx_') || c.name.startsWith('search_')) await store.searchDb.collection(c.name).drop();
  }
}

/**
 * Another connection to `dbName` that records each command it sends as `<command> <collection>`:
 * what a test counts to pin how many round trips an operation costs.
 */
export async function watchedStore(dbName: string): Promise<{ store: Store; commands: string[] }> {
  const store = await openStore({ uri: withCommandMonitoring(process.env.MONGODB_URI!), dbName });
  const commands: string[] = [];
  store.db.client.on('commandStarted', (e) => commands.push(`${e.commandName} ${String(e.command[e.commandName])}`));
  return { store, commands };
}

/** The URI with command monitoring switched on (a standard connection-string option). */
export function withCommandMonitoring(uri: string): string {
  return withUriOption(uri, 'monitorCommands', 'true');
}

/** The URI with one more connection-string option. */
export function withUriOption(uri: string, name: string, value: string): string {
  if (uri.includes('?')) return `${uri}&${name}=${value}`;
  const hasPath = uri.slice(uri.indexOf('://') + 3).includes('/');
  return `${uri}${hasPath ? '' : '/'}?${name}=${value}`;
}

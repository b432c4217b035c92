import mongoose from 'mongoose';
import type { Schema } from 'mongoose';
import { openBlobStore, type BlobStore } from './blobs';
import { endWritesWhenConnectionsClose } from './driver-fixes';
import { withOrphanRepair } from './collection-repair';
import { isFerretDB } from './server-kind';

export interface Store {
  conn: mongoose.Connection;
  /** The driver's handle on the same connection pool (GridFS and raw collections). */
  db: mongoose.mongo.Db;
  /**
   * The same database through a small client of its own, for lease renewals (job heartbeats,
   * locks, blob leases): a renewal late by the pool's queue loses its lease, so it never waits
   * for a connection behind bulk writes.
   */
  renewals: mongoose.mongo.Db;
  /**
   * The search index's database (store/postings.ts): on FerretDB a database of its own
   * (`searchDbName`), on MongoDB `db` itself.
   */
  searchDb: mongoose.mongo.Db;
  blobs: BlobStore;
  /** Rejects when the server does not answer (readiness checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  uri: string;
  dbName: string;
  /** How long to look for a reachable server before giving up (default 10 s). */
  serverSelectionTimeoutMS?: number;
  /** Told of every command the driver completes (command monitoring), for the metrics. */
  observeCommand?: (command: string, collection: string, seconds: number, ok: boolean) => void;
}

export class StoreError extends Error {
  constructor(
    readonly code: 'STORE_UNREACHABLE',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/**
 * Schemas declare their indexes and model modules register them as they load (through
 * `modelFor`), so that `openStore` creates every index before the first write instead of
 * mongoose's background autoIndex racing with it and hiding failures.
 */
const registered = new Map<string, Schema>();

export function registerModel(name: string, schema: Schema): void {
  const known = registered.get(name);
  if (known && known !== schema) throw new Error(`Model ${name} is registered with two schemas`);
  registered.set(name, schema);
}

/**
 * Additive only: dropping indexes that this version does not declare would break older workers
 * still running during a rolling upgrade.
 */
export async function ensureIndexes(conn: mongoose.Connection): Promise<void> {
  for (const [name, schema] of registered) {
    const model = conn.models[name] ?? conn.model(name, schema);
    await withOrphanRepair(conn.db!, model.collection.collectionName, () => model.createIndexes());
  }
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  endWritesWhenConnectionsClose();
  const serverSelectionTimeoutMS = opts.serverSelectionTimeoutMS ?? 10_000;
  const { client: renewals, pool } = await openRenewals(opts, serverSelectionTimeoutMS);
  const conn = mongoose.createConnection(opts.uri, {
    dbName: opts.dbName,
    autoIndex: false,
    autoCreate: false,
    serverSelectionTimeoutMS,
    ...pool,
    ...monitoring(opts),
  });
  if (opts.observeCommand) observeCommands(conn.getClient(), opts.observeCommand);
  const closeBoth = () => Promise.all([conn.close(), renewals.close()]).then(() => undefined);
  try {
    await conn.asPromise();
  } catch (err) {
    await closeBoth().catch(() => undefined);
    throw unreachable(opts.uri, err);
  }
  try {
    const db = conn.db;
    if (!db) throw new Error('mongoose connected without a database handle');
    await ensureIndexes(conn);
    const renewalsDb = renewals.db(opts.dbName);
    const blobs = await openBlobStore(db, { renewals: renewalsDb });
    const searchDb = (await isFerretDB(db)) ? conn.getClient().db(searchDbName(opts.dbName)) : db;
    let closing: Promise<void> | undefined;
    return {
      conn,
      db,
      renewals: renewalsDb,
      searchDb,
      blobs,
      ping: async () => void (await db.command({ ping: 1 })),
      close: () => (closing ??= closeBoth()),
    };
  } catch (err) {
    await closeBoth().catch(() => undefined);
    throw err;
  }
}

/**
 * FerretDB 1.24 keeps each database in a SQLite file of its own. The search index creates and
 * drops tables as it merges (a table per segment partition), and every schema change makes every
 * SQLite connection to that file parse the whole schema again before its next statement: in the
 * database that holds items, blobs and jobs, that was every archiving write. In a file of its
 * own, only the index's statements pay. `bench:archive`'s first run (20 × 2,000), four interleaved
 * pairs: 297 s on average with the index in the main database, 261 s apart (-12 %; the pairs
 * ranged from -3 to -22 %); FerretDB's CPU seconds 174 → 133 (-23 %).
 */
export const searchDbName = (dbName: string) => `${dbName}_search`;

/** Only switched on, never off: a URI's monitorCommands=true (tests counting commands) stays. */
function monitoring(opts: OpenStoreOptions): { monitorCommands?: true } {
  return opts.observeCommand ? { monitorCommands: true } : {};
}

/**
 * Renewals are single-document updates, a few per job every third of a lease: two connections
 * carry them. Opened first, the client also asks the server what it is, for the main pool's size.
 */
async function openRenewals(opts: OpenStoreOptions, serverSelectionTimeoutMS: number): Promise<{ client: mongoose.mongo.MongoClient; pool: { maxPoolSize?: number } }> {
  const client = new mongoose.mongo.MongoClient(opts.uri, { serverSelectionTimeoutMS, maxPoolSize: 2, ...monitoring(opts) });
  if (opts.observeCommand) observeCommands(client, opts.observeCommand);
  try {
    await client.connect();
    return { client, pool: await poolSize(opts.uri, client) };
  } catch (err) {
    await client.close().catch(() => undefined);
    throw unreachable(opts.uri, err);
  }
}

/**
 * Connections a process keeps to FerretDB for everything but renewals. FerretDB 1.24 runs each
 * command on a SQLite connection of its own pool, which keeps as many as ever ran at once (up to
 * 100), and every SQLite connection parses the whole schema again after any table is created or
 * dropped, which the search index does as it merges (a table per segment partition). With the
 * driver's default of 100, `bench:archive` left 92 SQLite connections open, and schema parsing
 * took 30 % of FerretDB's CPU by the end of the run. With 10: 20 open, FerretDB's CPU 16–18 %
 * lower and the first run 5–12 % faster (three pairs on the same stretch: 283/315, 284/322,
 * 291/308 s); 5 was too few (295 s). MongoDB keeps the driver's default.
 */
const FERRETDB_POOL_SIZE = 10;

/** The pool size to ask for: FerretDB's, unless the URI names one. */
async function poolSize(uri: string, client: mongoose.mongo.MongoClient): Promise<{ maxPoolSize?: number }> {
  if (/[?&]maxPoolSize=/i.test(uri)) return {};
  return (await isFerretDB(client.db('admin'))) ? { maxPoolSize: FERRETDB_POOL_SIZE } : {};
}

/**
 * Completed commands only carry their name, so the collection each started on is kept by request
 * id until it ends (a map as large as the commands in flight).
 */
function observeCommands(client: mongoose.mongo.MongoClient, observe: NonNullable<OpenStoreOptions['observeCommand']>): void {
  const collections = new Map<number, string>();
  const ended = (e: { requestId: number; commandName: string; duration: number }, ok: boolean) => {
    observe(e.commandName, collections.get(e.requestId) ?? '', e.duration / 1000, ok);
    collections.delete(e.requestId);
  };
  client.on('commandStarted', (e) => collections.set(e.requestId, collectionLabel(e.command, e.commandName)));
  client.on('commandSucceeded', (e) => ended(e, true));
  client.on('commandFailed', (e) => ended(e, false));
}

/**
 * The collection a command works on, as a metric label: the search index's partition tables
 * (`sx_<archive>_<segment>_<n>`, one per partition) are labelled by kind (`sx_*_meta`,
 * `sx_*_marks`, `sx_*_fresh`, `sx_*_tomb`, `sx_*_seg`), and the mailboxes' folder ledgers
 * (`fm_<profile>_<mailbox>`) as `fm_*`, so that the label's values stay few and still say which
 * part costs; names that are no collection's are empty.
 */
function collectionLabel(command: mongoose.mongo.Document, name: string): string {
  const target = name === 'getMore' ? command.collection : command[name];
  if (typeof target !== 'string') return '';
  if (target.startsWith('fm_')) return 'fm_*';
  if (!target.startsWith('sx_')) return target;
  const kind = /_(meta|marks|fresh|tomb)$/.exec(target)?.[1];
  return `sx_*_${kind ?? 'seg'}`;
}

/** Answers when a server at `uri` responds to `ping`; used to wait for a freshly started server. */
export async function pingDatabase(uri: string, timeoutMS = 2_000): Promise<void> {
  const client = new mongoose.mongo.MongoClient(uri, {
    serverSelectionTimeoutMS: timeoutMS,
    connectTimeoutMS: timeoutMS,
  });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
  } catch (err) {
    throw unreachable(uri, err);
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Hides credentials: URIs end up in logs and error messages. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

function unreachable(uri: string, err: unknown): StoreError {
  const reason = err instanceof Error ? err.message : String(err);
  return new StoreError('STORE_UNREACHABLE', `Cannot reach MongoDB at ${redactUri(uri)}: ${reason}`, {
    cause: err,
  });
}

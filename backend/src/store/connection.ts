import mongoose from 'mongoose';
import type { Schema } from 'mongoose';
import { openBlobStore, type BlobStore } from './blobs';
import { endWritesWhenConnectionsClose } from './driver-fixes';
import { withOrphanRepair } from './collection-repair';

export interface Store {
  conn: mongoose.Connection;
  /** The driver's handle on the same connection pool (GridFS and raw collections). */
  db: mongoose.mongo.Db;
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
  const conn = mongoose.createConnection(opts.uri, {
    dbName: opts.dbName,
    autoIndex: false,
    autoCreate: false,
    serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 10_000,
    // Only switched on, never off: a URI's monitorCommands=true (tests counting commands) stays.
    ...(opts.observeCommand ? { monitorCommands: true } : {}),
  });
  if (opts.observeCommand) observeCommands(conn.getClient(), opts.observeCommand);
  try {
    await conn.asPromise();
  } catch (err) {
    await conn.close().catch(() => undefined);
    throw unreachable(opts.uri, err);
  }
  try {
    const db = conn.db;
    if (!db) throw new Error('mongoose connected without a database handle');
    await ensureIndexes(conn);
    const blobs = await openBlobStore(db);
    let closing: Promise<void> | undefined;
    return {
      conn,
      db,
      blobs,
      ping: async () => void (await db.command({ ping: 1 })),
      close: () => (closing ??= conn.close()),
    };
  } catch (err) {
    await conn.close().catch(() => undefined);
    throw err;
  }
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
 * `sx_*_marks`, `sx_*_fresh`, `sx_*_tomb`, `sx_*_seg`), so that the label's values stay few
 * and still say which part of the index costs; names that are no collection's are empty.
 */
function collectionLabel(command: mongoose.mongo.Document, name: string): string {
  const target = name === 'getMore' ? command.collection : command[name];
  if (typeof target !== 'string') return '';
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

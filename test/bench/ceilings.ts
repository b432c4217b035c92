import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import { Limiter } from '../../backend/src/limiter';
import { archiveStored, storeMessage, type ArchiveEntry } from '../../backend/src/ingest';
import { parseMessage } from '../../backend/src/ingest/parse';
import { flushIndex } from '../../backend/src/search/index-store';
import { openStore, type Store } from '../../backend/src/store';
import { findItemBySource } from '../../backend/src/store/items';
import type { Timeline } from './end-to-end';
import { EXCHANGE } from './settings';
import { dropDatabases } from '../helpers/db';

/** One archived message, its bytes read back from the archive, and where it came from. */
export interface SampleMessage {
  sha256: string;
  archiveId: string;
  receivedAt: Date;
  mailboxId: string;
  messageId: string;
  bytes: Buffer;
}

export interface Rate {
  messages: number;
  bytes: number;
  seconds: number;
  perSecond: number;
  mbPerSecond: number;
}

/**
 * Every message of the archive the run filled, in the order they were archived. The bytes come
 * from two scans of the GridFS bucket rather than a lookup per message: FerretDB 1.24 answers
 * each lookup by `_id` with a scan of its collection, hours for tens of thousands of messages.
 */
const LARGE_BYTES = 32 * 1024 * 1024;

export async function loadArchived(store: Store): Promise<SampleMessage[]> {
  const files = new Map<string, { encoding: string; parts: Buffer[] }>();
  // The ceilings are the tenant's mail; BENCH_LARGE's message is measured on its own (large-message.ts).
  const large = new Set<string>();
  for await (const f of store.db.collection<{ _id: string; metadata: { encoding: string; size: number } }>('messages.files').find({}, { projection: { metadata: 1 } })) {
    if (f.metadata.size > LARGE_BYTES) large.add(f._id);
    else files.set(f._id, { encoding: f.metadata.encoding, parts: [] });
  }
  for await (const c of store.db.collection<{ files_id: string; n: number; data: Buffer }>('messages.chunks').find({}, { promoteBuffers: true })) {
    const file = files.get(c.files_id);
    if (file) file.parts[c.n] = c.data;
  }
  const bytesOf = (sha256: string): Buffer => {
    const file = files.get(sha256);
    if (file?.encoding !== 'gzip') throw new Error(`blob ${sha256} is ${file ? `encoded ${file.encoding}` : 'missing'}`);
    const bytes = gunzipSync(Buffer.concat(file.parts));
    if (createHash('sha256').update(bytes).digest('hex') !== sha256) throw new Error(`blob ${sha256} did not read back whole`);
    return bytes;
  };
  const items = store.db
    .collection<{ sha256: string; archiveId: string; receivedAt: Date; sources: { kind: string; mailboxId?: string; folderId?: string; messageId?: string }[] }>('items')
    .find({}, { projection: { sha256: 1, archiveId: 1, receivedAt: 1, sources: 1 } });
  const loaded: SampleMessage[] = [];
  for await (const item of items) {
    // Mail only: Teams lines are Graph sources too, in conversations whose ids start with `19:`.
    const source = item.sources.find((s) => s.kind === 'graph' && !s.folderId?.startsWith('19:'));
    if (!source?.mailboxId || !source.messageId || large.has(item.sha256)) continue;
    loaded.push({ sha256: item.sha256, archiveId: item.archiveId, receivedAt: item.receivedAt, mailboxId: source.mailboxId, messageId: source.messageId, bytes: bytesOf(item.sha256) });
  }
  return loaded;
}

/** Evenly spaced messages, so that sizes follow the tenant's mix. */
export function spread(messages: SampleMessage[], size: number): SampleMessage[] {
  const step = messages.length / Math.min(size, messages.length);
  return Array.from({ length: Math.min(size, messages.length) }, (_, i) => messages[Math.floor(i * step)]!);
}

/** Parse only: the ingest parser over bytes in memory, one message at a time (it is CPU-bound). */
export async function parseCeiling(sample: SampleMessage[]): Promise<Rate> {
  for (const m of sample.slice(0, 50)) await parseMessage(() => Readable.from([m.bytes])); // warm-up
  return timed(sample, 1, (m) => parseMessage(() => Readable.from([m.bytes])));
}

/** Blobs only: GridFS single-instance put into an empty database, no parsing, no documents. */
export async function blobCeiling(uri: string, sample: SampleMessage[], concurrency: number): Promise<Rate> {
  return withFreshStore(uri, 'bench_blobs', (store) =>
    timed(sample, concurrency, (m) => store.blobs.put(m.sha256, m.bytes.length, () => Readable.from([m.bytes]))),
  );
}

/** Messages per delta page, as the crawl asks for them (crawl-folder.ts). */
const PAGE = 50;

/**
 * Store only: the crawl's store path (spool, hash, parse, blob, message document; then a page's
 * items, source references and index batch together) into an empty database, no Graph. Each
 * archive is a mailbox: its pages one after another, EXCHANGE.concurrency messages of a page
 * stored at once, `mailboxes` archives at once (the process's ingest slots cap them all, as in
 * a run). Then the crawl's "already archived?" lookup in that small archive, for comparison
 * with the same lookup in the full one.
 */
export async function ingestCeiling(uri: string, sample: SampleMessage[], mailboxes: number): Promise<Rate & { lookup: { archivedMs: number; newMs: number } }> {
  return withFreshStore(uri, 'bench_ingest', async (store) => ({ ...(await storeCrawlShaped(store, sample, mailboxes)), lookup: await lookupCost(store, sample) }));
}

/**
 * Store only, the run's whole workload: every message it archived, stored the way the crawl
 * stores them into an empty database that grows as the run's did, the index merges included.
 * The sample ceiling above stores a thousand messages into an empty database, an upper bound
 * that a run of tens of thousands cannot reach: each write costs more in a larger database, and
 * an archive's merges grow with it.
 */
export async function replayCeiling(uri: string, messages: SampleMessage[], mailboxes: number): Promise<Rate & { timeline: Timeline }> {
  return withFreshStore(uri, 'bench_replay', async (store) => {
    const timeline: Timeline = [];
    const rate = await storeCrawlShaped(store, messages, mailboxes, timeline);
    await flushIndex(store); // not timed: the run's figures do not wait for its merges either
    return { ...rate, timeline };
  });
}

async function storeCrawlShaped(store: Store, sample: SampleMessage[], mailboxes: number, timeline: Timeline = []): Promise<Rate> {
  const byArchive = new Map<string, SampleMessage[]>();
  for (const m of sample) byArchive.set(m.archiveId, [...(byArchive.get(m.archiveId) ?? []), m]);
  const pages = [...byArchive.values()].map((msgs) =>
    Array.from({ length: Math.ceil(msgs.length / PAGE) }, (_, i) => msgs.slice(i * PAGE, (i + 1) * PAGE)),
  );
  const started = performance.now();
  let stored = 0;
  await forEachConcurrent(pages, mailboxes, async (mailbox) => {
    for (const page of mailbox) {
      await storePage(store, page);
      stored += page.length;
      timeline.push({ t: (performance.now() - started) / 1000, archived: stored });
    }
  });
  return rateOf(sample, started);
}

async function storePage(store: Store, page: SampleMessage[]): Promise<void> {
  const entries: ArchiveEntry[] = [];
  await forEachConcurrent(page, EXCHANGE.concurrency, async (m) => {
    const stored = await storeMessage(store, Readable.from([m.bytes]));
    entries.push({ archiveId: m.archiveId, folder: 'Inbox', receivedAt: m.receivedAt, source: { kind: 'graph', mailboxId: m.mailboxId, folderId: 'bench', messageId: m.messageId }, stored });
  });
  await archiveStored(store, entries);
}

/**
 * Graph only: $value of the sample, at most 4 requests in flight per mailbox as the crawl does,
 * every mailbox at once; the bytes are counted and dropped.
 */
export async function graphCeiling(graph: Client, sample: SampleMessage[]): Promise<Rate & { meanLatencyMs: number }> {
  const limiters = new Map<string, Limiter>();
  let latency = 0;
  const rate = await timed(sample, sample.length, (m) => {
    const limiter = limiters.get(m.mailboxId) ?? new Limiter(EXCHANGE.concurrency);
    limiters.set(m.mailboxId, limiter);
    return limiter.run(async () => {
      const started = performance.now();
      const body: WebReadableStream = await graph.api(`/users/${m.mailboxId}/messages/${m.messageId}/$value`).responseType(ResponseType.STREAM).get();
      for await (const chunk of Readable.fromWeb(body)) void chunk;
      latency += performance.now() - started;
    });
  });
  return { ...rate, meanLatencyMs: latency / sample.length };
}

/**
 * Milliseconds per "already archived?" lookup of the crawl (one per message) in a given archive:
 * for archived messages, and for messages it does not hold yet (every message of a first run).
 */
export async function lookupCost(store: Store, sample: SampleMessage[]): Promise<{ archivedMs: number; newMs: number }> {
  const probe = sample.slice(0, 40);
  const time = async (messageId: (m: SampleMessage) => string, expectFound: boolean) => {
    const started = performance.now();
    for (const m of probe) {
      const found = await findItemBySource(store.conn, m.archiveId, m.mailboxId, messageId(m));
      if (Boolean(found) !== expectFound) throw new Error(`lookup of ${messageId(m)} ${expectFound ? 'missed' : 'found something'}`);
    }
    return (performance.now() - started) / probe.length;
  };
  return { archivedMs: await time((m) => m.messageId, true), newMs: await time((m) => `${m.messageId}-not-archived`, false) };
}

export async function withFreshStore<T>(uri: string, prefix: string, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({ uri, dbName: `${prefix}_${randomBytes(4).toString('hex')}` });
  try {
    return await work(store);
  } finally {
    await dropDatabases(store).catch(() => undefined);
    await store.close();
  }
}

async function timed(sample: SampleMessage[], concurrency: number, each: (m: SampleMessage) => Promise<unknown>): Promise<Rate> {
  const started = performance.now();
  await forEachConcurrent(sample, concurrency, each);
  return rateOf(sample, started);
}

function rateOf(sample: SampleMessage[], started: number): Rate {
  const seconds = (performance.now() - started) / 1000;
  const bytes = sample.reduce((sum, m) => sum + m.bytes.length, 0);
  return { messages: sample.length, bytes, seconds, perSecond: sample.length / seconds, mbPerSecond: bytes / 1e6 / seconds };
}

async function forEachConcurrent<T>(items: T[], concurrency: number, each: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await each(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
}

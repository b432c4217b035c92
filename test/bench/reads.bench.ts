/**
 * `npm run bench:reads`: what a user waits for when reading the archive (issue 21), through the
 * HTTP API of a real backend (auth, rights, audit), FerretDB or MongoDB underneath.
 *
 * One archive (Megan's) of BENCH_READS_MESSAGES corpus messages (default 100k) loaded through the
 * indexer as search.bench does; an audit trail of BENCH_READS_AUDIT entries (default 1,000,000)
 * bulk-inserted in the store's own format (a verifiable chain); one generated message of
 * BENCH_READS_LARGE_MB (default 143 MB, 100 MB of it an incompressible attachment) stored through
 * ingest. Measures: search p95 through HTTP with audit on; the same with 16 users at once while
 * messages are being archived (the crawl's store path: blob, document, item, index); the .eml
 * download rate and the view of the large message; index bytes per byte of indexed text (and for
 * a second, index-only archive of the corpus once: the 100k repeat each body about twenty times,
 * which flatters an index); peak RSS of the backend. The backend runs as its own API-only process (WORKER_CONCURRENCY=0, as README's
 * scale-out deploys one, from the production build; BENCH_TSX=1 under tsx); the loader, the archiving and
 * the 16 users' clients run in this process, the emulator and the database in their own.
 * BENCH_CPU_PROFILE=1: the backend writes CPU.….cpuprofile here when it stops.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { startDatabase } from '../../dev/database';
import { DEMO_USERS } from '../../emulator/src/index';
import { loadConfig } from '../../backend/src/config';
import { audit } from '../../backend/src/access';
import { sealEntry } from '../../backend/src/access/chain';
import { parseQuery } from '../../backend/src/search/query';
import { searchIndex } from '../../backend/src/search/service';
import { archiveStored, storeMessage } from '../../backend/src/ingest';
import { openStore, type Store } from '../../backend/src/store';
import { archiveKey, indexBytes } from '../../backend/src/store/postings';
import { INDEX_PARTS, indexComposition, type IndexPart } from './index-composition';
import { RETIRE_GRACE_MS, mergeStep } from '../../backend/src/search/index-merge';
import { clearIndexCache, indexBatch, indexCtx } from '../../backend/src/search/index-store';
import { startEmulatorProcess } from './emulator-process';
import { benchBackend, peakRss, vmHwm } from './probes';
import { describeCommands, diffCounts, scrapeDbCommands, total, type CommandCost } from './db-commands';
import { printReport, type Row } from './report';
import { MIX, loadTemplates, percentile, variant, textBytes } from './search-corpus';
import { tenantEnv } from '../helpers/tenant-env';
import { dropDatabases } from '../helpers/db';

const log = (line: string) => console.error(`[bench:reads] ${line}`);
const MESSAGES = Number(process.env.BENCH_READS_MESSAGES ?? 100_000);
const AUDIT = Number(process.env.BENCH_READS_AUDIT ?? 1_000_000);
const LARGE_MB = Number(process.env.BENCH_READS_LARGE_MB ?? 143);
const ROUNDS = Number(process.env.BENCH_READS_ROUNDS ?? 3);
/** The search benchmark's query mix, in one list (each round runs it once). */
const QUERIES = Object.values(MIX).flat();
const USERS = 16;
const MB = 1024 * 1024;
const MEGAN = DEMO_USERS.megan;
/** An index-only archive of the corpus, each message once. */
const DISTINCT_ARCHIVE = 'bench-distinct-corpus';

async function main(): Promise<void> {
  const db = await startDatabase({ log: (line) => console.error(`[database] ${line}`) });
  const emulator = await startEmulatorProcess('demo');
  const dbName = `bench_reads_${randomBytes(4).toString('hex')}`;
  const store = await openStore({ uri: db.uri, dbName });
  const rss = peakRss();
  try {
    const templates = await loadTemplates();
    const loaded = await loadArchive(store, templates, MEGAN.id, MESSAGES);
    // The corpus once: the archive above repeats each body about twenty times, which flatters an index.
    const distinct = await loadArchive(store, templates, DISTINCT_ARCHIVE, templates.length);
    const auditLoad = await loadAuditTrail(store);
    const appendMs = await auditAppends(store);
    const core = await coreRounds(store);
    const large = await storeLarge(store);
    const config = loadConfig({
      ...process.env,
      MONGODB_URI: db.uri,
      MONGODB_DB: dbName,
      ...tenantEnv(emulator.info),
    });
    const backends = await benchBackend();
    const backend = await backends.spawn(config, { WORKER_CONCURRENCY: '0' });
    const commands = () => scrapeDbCommands(backend.url, backends.metricsToken);
    const token = await emulator.userToken(MEGAN.upn);
    const get = (path: string) => fetch(`${backend.url}/api${path}`, { headers: { authorization: `Bearer ${token}` } });
    try {
      log('search through HTTP, one user…');
      const atStart = await commands();
      // The first round reads every term bucket from the database; later rounds find them cached.
      const firstRound = await searchRounds(get, 1);
      const single = [...firstRound, ...(await searchRounds(get, ROUNDS - 1))].sort((a, b) => a - b);
      const afterSingle = await commands();
      // The chain's head holds its length (a count would read the whole trail on FerretDB: a minute).
      const auditEntries = ((await store.db.collection<{ _id: string; seq: number }>('audit_head').findOne({ _id: 'head' }))?.seq ?? 0);
      const backendPeak = () => `backend peak RSS so far ${(vmHwm(backend.child.pid!) / MB).toFixed(0)} MB`;
      log(`search through HTTP, ${USERS} users while archiving… (${backendPeak()})`);
      const archiving = startArchiving(store, templates);
      const users = Promise.all(Array.from({ length: USERS }, (_, u) => searchRounds(get, 1, Math.floor((u * QUERIES.length) / USERS))));
      // Archiving stops before an error goes on: its writes must not outlive the store.
      const [searched, archived] = await Promise.allSettled([users, users.then(archiving.stop, archiving.stop)]);
      if (searched.status === 'rejected') throw searched.reason;
      if (archived.status === 'rejected') throw archived.reason;
      const concurrent = searched.value.flat().sort((a, b) => a - b);
      const used = { single: diffCounts(afterSingle, atStart), concurrent: diffCounts(await commands(), afterSingle) };
      log(`large message: download and view… (${backendPeak()})`);
      const download = await timedDownload(get, `/messages/${encodeURIComponent(large.itemId)}/raw`, large.size);
      log(`large message: view… (${backendPeak()})`);
      const view = await timedView(get, `/messages/${encodeURIComponent(large.itemId)}`);
      const peakRss = { backend: vmHwm(backend.child.pid!), bench: rss.stop() };
      report({ loaded, distinct, audit: auditLoad, appendMs, core, auditEntries, single, firstRound, concurrent, archived: archived.value, download, view, peakRss, dbKind: db.kind, large, backend: backends.label, commands: used });
    } finally {
      await backend.stop();
    }
  } finally {
    await dropDatabases(store).catch(() => undefined);
    await store.close();
    await emulator.close();
    await db.stop();
  }
}

async function loadArchive(store: Store, templates: Awaited<ReturnType<typeof loadTemplates>>, archiveId: string, count: number) {
  const started = performance.now();
  // On MongoDB every archive's index shares its collections: this archive's bytes are what its load added.
  const before = await indexBytes(store, archiveKey(archiveId));
  let text = 0;
  for (let loaded = 0; loaded < count; ) {
    const batch = Array.from({ length: Math.min(2000, count - loaded) }, (_, k) => variant(templates, loaded + k));
    for (const e of batch) text += textBytes(e);
    await indexBatch(store, archiveId, batch);
    const ctx = await indexCtx(store, archiveId);
    while (await mergeStep(ctx));
    loaded += batch.length;
    if (loaded % 20_000 === 0) log(`${loaded} messages indexed`);
  }
  await mergeStep(await indexCtx(store, archiveId), { now: () => Date.now() + RETIRE_GRACE_MS + 1 });
  const stored = (await indexBytes(store, archiveKey(archiveId))).bytes - before.bytes;
  const bson = await indexComposition(store, archiveId);
  return { messages: count, ms: performance.now() - started, textBytes: text, indexBytes: stored, bsonBytes: bson.total, bson };
}

/** The trail as appenders leave it: a chain from 1, and the head in audit_head. */
async function loadAuditTrail(store: Store) {
  const started = performance.now();
  const entries = store.db.collection<any>('audit');
  // The first entry through the API's own path, so that the trail's indexes exist before it grows, as they do in use.
  await audit(store, { caller: { system: 'bench' }, action: 'bench-start' });
  let prev = ((await entries.findOne({ _id: 1 })) as { hash: string }).hash;
  const at = new Date(Date.UTC(2026, 0, 1));
  for (let seq = 2; seq <= AUDIT; ) {
    const docs = [];
    for (let k = 0; k < 10_000 && seq <= AUDIT; k++, seq++) {
      const doc = sealEntry({ at, actor: { oid: MEGAN.id, upn: MEGAN.upn, name: 'Megan Bowen', roles: [] }, action: 'search', archiveId: MEGAN.id, details: { query: 'kernel', hits: seq % 97 } }, seq, prev);
      prev = doc.hash;
      docs.push(doc);
    }
    await entries.insertMany(docs, { ordered: false });
    if ((seq - 1) % 200_000 === 0) log(`${seq - 1} audit entries`);
  }
  await store.db.collection<any>('audit_head').replaceOne({ _id: 'head' }, { seq: AUDIT, hash: prev });
  return { ms: performance.now() - started };
}

/** A message of LARGE_MB: an HTML body, then an attachment of 100 MB random bytes, then text filler. */
function largeMessage(): { open: () => Readable; size: number } {
  const head = Buffer.from(
    ['From: Lee Gu <lee.gu@contoso.example>', `To: ${MEGAN.upn}`, 'Subject: the recording', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"', '', '--b1', 'Content-Type: text/html; charset=utf-8', '', '<p>The <b>recording</b> is attached.</p>', '--b1', 'Content-Type: application/octet-stream; name="recording.bin"', 'Content-Transfer-Encoding: base64', '', ''].join('\r\n'),
  );
  const random = Math.ceil((100 * MB) / 57);
  const fillerLines = Math.max(0, Math.ceil((LARGE_MB * MB - head.length - random * 78) / 78));
  const filler = Buffer.from(`${'A'.repeat(76)}\r\n`);
  const tail = Buffer.from('--b1\r\nContent-Type: application/octet-stream; name="log.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n');
  const end = Buffer.from('--b1--\r\n');
  const size = head.length + random * 78 + tail.length + fillerLines * 78 + end.length;
  const seed = createHash('sha256').update('bench reads').digest();
  const open = () =>
    Readable.from(
      (function* () {
        yield head;
        const noise = createCipheriv('aes-256-ctr', seed, Buffer.alloc(16));
        for (let i = 0; i < random; i += 1000) {
          const b64 = noise.update(Buffer.alloc(Math.min(1000, random - i) * 57)).toString('base64');
          yield Buffer.from(b64.replace(/(.{76})/g, '$1\r\n'));
        }
        yield tail;
        for (let i = 0; i < fillerLines; i += 10_000) yield Buffer.concat(Array.from({ length: Math.min(10_000, fillerLines - i) }, () => filler));
        yield end;
      })(),
    );
  return { open, size };
}

async function storeLarge(store: Store) {
  const message = largeMessage();
  log(`storing a ${(message.size / MB).toFixed(0)} MB message…`);
  const started = performance.now();
  const stored = await storeMessage(store, message.open(), { maxBytes: message.size + 1 });
  const [status] = await archiveStored(store, [{ archiveId: MEGAN.id, folder: 'Inbox', receivedAt: new Date(), source: { kind: 'graph', mailboxId: MEGAN.id, folderId: 'bench', messageId: 'large' }, stored }]);
  const item = await store.db.collection<{ _id: string }>('items').findOne({ archiveId: MEGAN.id, sha256: stored.sha256 });
  if (!item) throw new Error(`the large message was not archived (${String(status)})`);
  return { itemId: item._id, size: stored.size, storeMs: performance.now() - started };
}

/** Milliseconds per audited access, the trail at its full length: the append alone, as the API does it. */
async function auditAppends(store: Store): Promise<number[]> {
  const ms: number[] = [];
  for (let n = 0; n < 20; n++) {
    const t0 = performance.now();
    await audit(store, { caller: { system: 'bench' }, action: 'search', archiveId: MEGAN.id, details: { n } });
    ms.push(performance.now() - t0);
  }
  return ms.sort((a, b) => a - b);
}

/**
 * The mix as the HTTP rows run it (ROUNDS rounds, the first from an empty cache) in this process,
 * without HTTP and the audit trail: so that the two rows differ by what those cost.
 */
async function coreRounds(store: Store): Promise<number[]> {
  clearIndexCache();
  const ms: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const q of QUERIES) {
      const t0 = performance.now();
      await searchIndex(store, [MEGAN.id], parseQuery(q), { limit: 25 });
      ms.push(performance.now() - t0);
    }
  }
  return ms.sort((a, b) => a - b);
}

/** The query mix `rounds` times, starting at query `from` (users at once do not type the same query at the same moment). */
async function searchRounds(get: (path: string) => Promise<Response>, rounds: number, from = 0): Promise<number[]> {
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < QUERIES.length; k++) {
      const q = QUERIES[(from + k) % QUERIES.length]!;
      const t0 = performance.now();
      const res = await get(`/search?q=${encodeURIComponent(q)}&limit=25`);
      if (res.status !== 200) throw new Error(`search ${q} answered ${res.status} after ${Math.round(performance.now() - t0)} ms: ${await res.text()}`);
      await res.arrayBuffer();
      ms.push(performance.now() - t0);
    }
  }
  return ms.sort((a, b) => a - b);
}

/** Stores corpus messages (with a header of their own) in pages of 10, as a crawl does, until stopped. */
function startArchiving(store: Store, templates: Awaited<ReturnType<typeof loadTemplates>>) {
  const files = templates.map((t) => readFileSync(t.path));
  let stop = false;
  let count = 0;
  const run = (async () => {
    while (!stop) {
      const page = await Promise.all(
        Array.from({ length: 10 }, async (_, k) => {
          const i = count + k;
          const bytes = Buffer.concat([Buffer.from(`X-Bench-Copy: ${i} ${randomBytes(4).toString('hex')}\r\n`), files[i % files.length]!]);
          return { archiveId: MEGAN.id, folder: 'Inbox', receivedAt: new Date(), source: { kind: 'graph' as const, mailboxId: MEGAN.id, folderId: 'bench-live', messageId: `live-${i}-${randomBytes(3).toString('hex')}` }, stored: await storeMessage(store, Readable.from([bytes])) };
        }),
      );
      await archiveStored(store, page);
      count += page.length;
    }
  })();
  return { stop: async () => ((stop = true), await run, count) };
}

async function timedDownload(get: (path: string) => Promise<Response>, path: string, size: number) {
  const t0 = performance.now();
  const res = await get(path);
  if (res.status !== 200 || !res.body) throw new Error(`download answered ${res.status}`);
  let bytes = 0;
  for await (const chunk of Readable.fromWeb(res.body as never) as AsyncIterable<Buffer>) bytes += chunk.length;
  const ms = performance.now() - t0;
  if (bytes !== size) throw new Error(`downloaded ${bytes} bytes of ${size}`);
  return { ms, mbPerS: bytes / MB / (ms / 1000) };
}

async function timedView(get: (path: string) => Promise<Response>, path: string) {
  const t0 = performance.now();
  const res = await get(path);
  const body = (await res.json()) as { html?: string; attachments?: unknown[]; headers?: { subject?: string } };
  const ms = performance.now() - t0;
  const complete = res.status === 200 && /recording/.test(body.html ?? '') && body.attachments?.length === 2 && body.headers?.subject === 'the recording';
  return { ms, status: res.status, complete };
}

function report(r: {
  loaded: Awaited<ReturnType<typeof loadArchive>>;
  distinct: Awaited<ReturnType<typeof loadArchive>>;
  audit: { ms: number };
  appendMs: number[];
  core: number[];
  auditEntries: number;
  single: number[];
  firstRound: number[];
  concurrent: number[];
  archived: number;
  download: { ms: number; mbPerS: number };
  view: { ms: number; status: number; complete: boolean };
  peakRss: { backend: number; bench: number };
  backend: string;
  commands: { single: Map<string, CommandCost>; concurrent: Map<string, CommandCost> };
  dbKind: string;
  large: { size: number; storeMs: number };
}): void {
  const p95 = percentile(r.single, 95);
  const c95 = percentile(r.concurrent, 95);
  const ratio = r.loaded.indexBytes / r.loaded.textBytes;
  const bsonRatio = r.loaded.bsonBytes / r.loaded.textBytes;
  const rssMb = r.peakRss.backend / MB;
  const rows: Row[] = [
    { key: 'http_search_p50_ms', label: `search through HTTP, audit on, ${r.auditEntries} audit entries: p50`, value: percentile(r.single, 50), unit: 'ms' },
    { key: 'http_search_p95_ms', label: '  p95', value: p95, unit: 'ms', target: '< 150', ok: p95 < 150 },
    { key: 'http_search_first_round_p95_ms', label: '  p95 of the first round (term buckets read from the database, not yet cached)', value: percentile(r.firstRound, 95), unit: 'ms' },
    { key: 'audit_append_p50_ms', label: `  audit append alone at ${AUDIT} entries: p50`, value: percentile(r.appendMs, 50), unit: 'ms' },
    { key: 'audit_append_max_ms', label: '  audit append alone: max of 20 (the first loses its insert to the bulk-loaded trail and reads the head)', value: r.appendMs.at(-1) ?? NaN, unit: 'ms' },
    { key: 'db_commands_per_search', label: '  database commands per search (API process, one user)', value: total(r.commands.single) / r.single.length, unit: '', digits: 1 },
    { key: 'core_search_p50_ms', label: `  search core alone (no HTTP, no audit; the same ${ROUNDS} rounds from an empty cache): p50`, value: percentile(r.core, 50), unit: 'ms' },
    { key: 'core_search_p95_ms', label: '  search core alone: p95', value: percentile(r.core, 95), unit: 'ms' },
    { key: 'concurrent_search_p50_ms', label: `search, ${USERS} users at once while archiving (the mix again, its term buckets cached): p50`, value: percentile(r.concurrent, 50), unit: 'ms' },
    { key: 'concurrent_search_p95_ms', label: '  p95', value: c95, unit: 'ms', target: '< 300', ok: c95 < 300 },
    { key: 'archived_during_concurrent', label: '  messages archived meanwhile', value: r.archived, unit: '', digits: 0 },
    { key: 'index_bytes_per_text_byte', label: `index bytes / raw text bytes (${MESSAGES} messages, as ${r.dbKind} reports its size)`, value: ratio, unit: '', digits: 3, target: '≤ 0.5', ok: ratio <= 0.5 },
    { key: 'index_bson_bytes_per_text_byte', label: '  the same documents as BSON, as MongoDB stores and counts them (FerretDB: binary as base64 text)', value: bsonRatio, unit: '', digits: 3, target: '≤ 0.5', ok: bsonRatio <= 0.5 },
    ...Object.entries(INDEX_PARTS).map(([part, what]): Row => ({ key: `index_bson_${part}_per_text_byte`, label: `    of which ${what}`, value: r.loaded.bson[part as IndexPart] / r.loaded.textBytes, unit: '', digits: 3 })),
    {
      key: 'index_bytes_per_text_byte_distinct',
      label: `  the corpus once (${r.distinct.messages} distinct messages; the ${MESSAGES} above repeat each body ${(MESSAGES / r.distinct.messages).toFixed(0)}×), as ${r.dbKind} reports`,
      value: r.distinct.indexBytes / r.distinct.textBytes,
      unit: '',
      digits: 3,
    },
    { key: 'index_bson_bytes_per_text_byte_distinct', label: '    as BSON', value: r.distinct.bsonBytes / r.distinct.textBytes, unit: '', digits: 3 },
    { key: 'eml_download_mb_per_s', label: `.eml download of the ${(r.large.size / MB).toFixed(0)} MB message`, value: r.download.mbPerS, unit: 'MB/s', target: '≥ 50', ok: r.download.mbPerS >= 50 },
    { key: 'eml_download_ms', label: '  time', value: r.download.ms, unit: 'ms', digits: 0 },
    { key: 'large_view_ms', label: `view of the ${(r.large.size / MB).toFixed(0)} MB message (status ${r.view.status}, ${r.view.complete ? 'headers, body, attachments' : 'INCOMPLETE'})`, value: r.view.ms, unit: 'ms', digits: 0, target: '< 2000', ok: r.view.complete && r.view.ms < 2000 },
    { key: 'peak_rss_mb', label: `backend peak RSS (API process, ${r.backend})`, value: rssMb, unit: 'MB', digits: 0, target: '< 300', ok: rssMb < 300 },
    { key: 'bench_rss_mb', label: '  bench process peak RSS (loader, archiving, clients)', value: r.peakRss.bench / MB, unit: 'MB', digits: 0 },
    { key: 'index_load_s', label: `loading ${MESSAGES} messages into the index`, value: r.loaded.ms / 1000, unit: 's', digits: 0 },
    { key: 'audit_load_s', label: `bulk insert of ${AUDIT} audit entries`, value: r.audit.ms / 1000, unit: 's', digits: 0 },
    { key: 'large_store_s', label: 'storing the large message through ingest', value: r.large.storeMs / 1000, unit: 's', digits: 0 },
  ];
  printReport('Reads benchmark', rows, [`database ${r.dbKind}; ${ROUNDS} rounds of the search.bench query mix through GET /api/search (limit 25), each audited`, `the _ok figures are 1 when met`, `database commands of the API process, one user (count, summed round trips): ${describeCommands(r.commands.single)}`, `… ${USERS} users while archiving: ${describeCommands(r.commands.concurrent)}`]);
}

await main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);

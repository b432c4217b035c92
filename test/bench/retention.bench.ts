/**
 * `npm run bench:retention`: a disposal run over 200,000 archived messages of which 100,000 are
 * due (MISSION M13): messages disposed per second, storage freed, search still correct
 * afterwards, peak memory. Table, then the last line: JSON.
 *
 * The archive is seeded through the store layer directly (a full ingest of 200,000 messages
 * takes hours on this machine's FerretDB): real blobs through the blob store (gzip, SHA-256
 * checked), message documents, items, and the real search index (indexBatch, merged by its
 * policy). Four archives; half the items are copies of a message another archive holds too:
 * 50,000 messages in two archives each (20,000 pairs old, 10,000 pairs old in one archive and
 * young in the other, 20,000 young), 100,000 in one archive (half old). One tenant-wide policy:
 * maximum one year. BENCH_RETENTION_MESSAGES scales it (default 200000); BENCH_RETENTION_BATCH is
 * the disposal batch (default 10000).
 */
import { Readable } from 'node:stream';
import { startDatabase } from '../../dev/database';
import { runDisposal } from '../../backend/src/retention/disposal';
import { saveRetentionSettings, DEFAULT_SETTINGS } from '../../backend/src/retention/settings';
import { compactIndex, indexBatch, type IndexEntry } from '../../backend/src/search/index-store';
import { parseQuery } from '../../backend/src/search/query';
import { searchIndex } from '../../backend/src/search/service';
import { openStore, type Store } from '../../backend/src/store';
import { insertPolicy } from '../../backend/src/store/retention-policies';
import { expected, oracleOfEntries } from '../search-api/oracle';
import { entryOf, mime, synthetic, type Synthetic } from '../retention/synthetic';
import { printReport, type Row } from './report';
import { dropDatabases } from '../helpers/db';

const log = (line: string) => console.error(`[bench:retention] ${line}`);
const TOTAL = Number(process.env.BENCH_RETENTION_MESSAGES ?? 200_000);
const BATCH = Number(process.env.BENCH_RETENTION_BATCH ?? 10_000);
const ARCHIVES = ['bench-a', 'bench-b', 'bench-c', 'bench-d'];
const QUERIES = ['', 'budget', 'from:dan@contractor.example', 'subject:merger -subject:audit', 'folder:Inbox/Projects', '"number 1234"', 'invoice OR payroll'];
const OLD_DAYS = 500;
const YOUNG_DAYS = 100;
const actor = { oid: 'bench', upn: 'bench@contoso.example' };

interface Copy {
  archiveId: string;
  m: Synthetic;
}

/** Every item of the seed: which message, in which archive, received when. */
function plan(): Copy[] {
  const unit = TOTAL / 200_000;
  const pairs = { old: 20_000 * unit, mixed: 10_000 * unit, young: 20_000 * unit };
  const unique = 100_000 * unit;
  const out: Copy[] = [];
  let n = 0;
  const copy = (archiveId: string, m: Synthetic) => out.push({ archiveId, m });
  // A pair's copies have the same bytes (the same message in two mailboxes); received dates are per archive.
  for (let i = 0; i < pairs.old + pairs.mixed + pairs.young; i++, n++) {
    const age = i < pairs.old ? OLD_DAYS : i < pairs.old + pairs.mixed ? OLD_DAYS : YOUNG_DAYS;
    const m = synthetic(n, age);
    const [x, y] = [ARCHIVES[i % 4]!, ARCHIVES[(i + 1) % 4]!];
    copy(x, m);
    copy(y, i >= pairs.old && i < pairs.old + pairs.mixed ? { ...m, receivedAt: new Date(Date.now() - YOUNG_DAYS * 86_400_000) } : m);
  }
  for (let i = 0; i < unique; i++, n++) copy(ARCHIVES[i % 4]!, synthetic(n, i % 2 === 0 ? OLD_DAYS : YOUNG_DAYS));
  return out;
}

async function seed(store: Store, copies: Copy[]): Promise<void> {
  const started = Date.now();
  const messages = new Map<number, Synthetic>();
  for (const c of copies) messages.set(c.m.n, c.m);
  // Blobs and message documents, once per distinct message.
  const list = [...messages.values()];
  let done = 0;
  const worker = async () => {
    while (done < list.length) {
      const m = list[done++]!;
      const bytes = mime(m);
      const e = entryOf(m);
      await store.blobs.put(e.sha256, bytes.length, () => Readable.from([bytes]));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  log(`${list.length} blobs stored in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const docs = list.map((m) => messageDoc(m));
  for (let i = 0; i < docs.length; i += 2000) await store.db.collection('messages').insertMany(docs.slice(i, i + 2000) as never[]);
  const items = copies.map((c) => itemDoc(c));
  for (let i = 0; i < items.length; i += 2000) await store.db.collection('items').insertMany(items.slice(i, i + 2000) as never[]);
  log(`message documents and ${items.length} items written after ${((Date.now() - started) / 1000).toFixed(0)} s`);
  for (const archiveId of ARCHIVES) {
    const entries = copies.filter((c) => c.archiveId === archiveId).map((c) => ({ ...entryOf(c.m), receivedAt: c.m.receivedAt }));
    for (let i = 0; i < entries.length; i += 4096) await indexBatch(store, archiveId, entries.slice(i, i + 4096));
    await compactIndex(store, archiveId, { force: true });
  }
  log(`indexed after ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

function messageDoc(m: Synthetic) {
  const e = entryOf(m);
  const addr = (a: string) => ({ name: '', address: a });
  return {
    _id: e.sha256, size: e.size, storedAt: new Date(), messageId: null, subject: m.subject, date: m.receivedAt, from: [addr(m.from)], sender: [], replyTo: [], to: [addr(m.to)], cc: [], bcc: [],
    inReplyTo: null, references: [], listId: null, xMailer: null, isJournalReport: false, hasAttachments: false, attachments: [], bodyText: m.body, attachmentText: [], textTruncated: false, parseErrors: [],
  };
}

function itemDoc(c: Copy) {
  const e = entryOf(c.m);
  return {
    _id: `${c.archiveId}:${e.sha256}`, archiveId: c.archiveId, sha256: e.sha256, folder: c.m.folder, receivedAt: c.m.receivedAt, subject: c.m.subject, from: { name: '', address: c.m.from },
    size: e.size, hasAttachments: false, sources: [{ kind: 'import', file: `bench-${c.m.n}.eml` }], archivedAt: new Date(Date.now() - 86_400_000),
  };
}

async function collBytes(store: Store, name: string): Promise<number> {
  const stats = await store.db.command({ collStats: name }).catch(() => null);
  return Number(stats?.size ?? 0);
}

/** Every query's total and ids against a brute-force oracle of what is left. */
async function searchCheck(store: Store, left: Copy[]): Promise<{ correct: boolean; p50: number; detail: string[] }> {
  const times: number[] = [];
  const detail: string[] = [];
  let correct = true;
  for (const archiveId of ARCHIVES) {
    const entries: IndexEntry[] = left.filter((c) => c.archiveId === archiveId).map((c) => ({ ...entryOf(c.m), receivedAt: c.m.receivedAt }));
    const oracle = oracleOfEntries(archiveId, entries);
    for (const text of QUERIES) {
      const q = parseQuery(text);
      const want = expected(oracle, q);
      const t0 = performance.now();
      const got = await searchIndex(store, [archiveId], q, { limit: 100 });
      times.push(performance.now() - t0);
      const firstPage = want.length <= 100 ? got.value.map((v) => v.id).sort().join() === want.join() : true;
      if (got.total !== want.length || !firstPage) {
        correct = false;
        detail.push(`${archiveId} "${text}": ${got.total} found, ${want.length} expected`);
      }
    }
  }
  times.sort((a, b) => a - b);
  return { correct, p50: times[Math.floor(times.length / 2)] ?? NaN, detail };
}

async function main(): Promise<void> {
  const db = await startDatabase({ log });
  const store = await openStore({ uri: db.uri, dbName: `bench_retention_${Date.now()}` });
  try {
    const copies = plan();
    log(`seeding ${copies.length} items (${db.kind})`);
    await seed(store, copies);
    await insertPolicy(store, { active: { name: 'One year', description: '', minDays: 0, maxDays: 365, scope: { tenant: true, archives: [], groups: [], sharedMailboxes: false, journal: false }, folders: [] }, pending: null, createdBy: actor, approvedBy: null });
    await saveRetentionSettings(store, { ...DEFAULT_SETTINGS, batchSize: BATCH });
    const cutoff = Date.now() - 365 * 86_400_000;
    const due = copies.filter((c) => c.m.receivedAt.getTime() < cutoff);
    const chunksBefore = await collBytes(store, 'messages.chunks');
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
    log(`disposing ${due.length} due items in batches of ${BATCH}`);
    const t0 = Date.now();
    const result = await runDisposal({ store, graph: null });
    const seconds = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    const chunksAfter = await collBytes(store, 'messages.chunks');
    const left = copies.filter((c) => c.m.receivedAt.getTime() >= cutoff);
    const search = await searchCheck(store, left);
    for (const line of search.detail) log(line);
    const itemsLeft = await store.db.collection('items').countDocuments({});
    const rows: Row[] = [
      { key: 'items', label: 'items archived before the run', value: copies.length, unit: '', digits: 0 },
      { key: 'due', label: 'items due (older than one year)', value: due.length, unit: '', digits: 0 },
      { key: 'disposed', label: 'items disposed', value: result.disposed, unit: '', digits: 0, ok: result.disposed === due.length, target: `= ${due.length}` },
      { key: 'items_left', label: 'items left', value: itemsLeft, unit: '', digits: 0, ok: itemsLeft === left.length, target: `= ${left.length}` },
      { key: 'seconds', label: 'disposal run', value: seconds, unit: 's' },
      { key: 'messages_per_s', label: 'messages disposed per second', value: result.disposed / seconds, unit: '/s' },
      { key: 'bytes_freed', label: 'original bytes of the blobs deleted', value: result.bytesFreed / 1e6, unit: 'MB', digits: 2 },
      { key: 'stored_bytes_freed', label: 'stored (compressed) bytes freed', value: result.storedBytesFreed / 1e6, unit: 'MB', digits: 2 },
      { key: 'chunks_bytes_before', label: 'blob chunks collection before', value: chunksBefore / 1e6, unit: 'MB', digits: 2 },
      { key: 'chunks_bytes_after', label: 'blob chunks collection after', value: chunksAfter / 1e6, unit: 'MB', digits: 2 },
      { key: 'search_correct', label: 'search correct afterwards (totals and hits of 7 queries × 4 archives)', value: search.correct ? 1 : 0, unit: '', digits: 0, ok: search.correct },
      { key: 'search_p50_ms', label: 'search p50 right after the run', value: search.p50, unit: 'ms' },
      { key: 'peak_rss_mb', label: 'peak RSS during the run', value: peak / 1e6, unit: 'MB', digits: 0 },
    ];
    printReport(`Retention disposal (${db.kind}, batches of ${BATCH})`, rows, [
      'Seeded through the store layer (blob store, message documents, items, search index), not the full ingest.',
      'Half the items are copies of a message another archive also holds; a blob goes with its last due copy.',
    ]);
  } finally {
    await dropDatabases(store).catch(() => undefined);
    await store.close();
    await db.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

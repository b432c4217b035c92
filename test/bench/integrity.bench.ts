/**
 * `npm run bench:integrity`: the verification job's throughput over BENCH_INTEGRITY_MESSAGES
 * (default 100,000) stored messages, without and with encryption at rest, and what encryption
 * costs ingest, in one run on one database server (FerretDB here unless MONGODB_URI is set).
 *
 *  - Ingest: BENCH_INGEST_SAMPLE (default 2,000) real messages through the whole ingest path
 *    (spool, hash, blob, parse, message document, items, search index, ledger), 8 at once,
 *    into an empty database with encryption off, then into another with it on; the ratio.
 *  - Verification: the archive is seeded through the store layer (real blobs through
 *    `blobs.put`, items, ledger events, sealed into roots): the whole ingest path is some
 *    100 messages/s on FerretDB, too slow for 100,000 twice in a run. Then a backend process of
 *    its own (the production build, as README's `npm start` runs it; BENCH_TSX=1 under tsx; one
 *    job at a time, no throttle, the emulator's demo tenant and no archiving profile) runs the
 *    verification job, which re-reads and re-hashes every blob, checks ledger and items.
 *  - Sealing: the seeding queues MESSAGES ledger events and seals them at once (a backlog, as
 *    the backfill of an existing archive or a large disposal leaves): events chained per second.
 *
 * Messages are the corpus's mail made unique by one added header (generated mail without the
 * corpus). Peak RSS of the verification is that backend's, from the job's enqueueing to its end;
 * its rate is over the job's own run (from its start to its end).
 * Prints a table; the last line is one JSON object.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { startDatabase } from '../../dev/database';
import { archiveStored, storeMessage, type ArchiveEntry } from '../../backend/src/ingest';
import { FileKms } from '../../backend/src/integrity/keys';
import { recordAdded, type AddedMessage } from '../../backend/src/integrity/ledger';
import { sealLedger, setEncryption, VERIFY_JOB, type IntegritySettings } from '../../backend/src/integrity/service';
import { loadConfig } from '../../backend/src/config';
import { Limiter } from '../../backend/src/limiter';
import { flushIndex } from '../../backend/src/search/index-store';
import { openStore, type Store } from '../../backend/src/store';
import { addItems, type NewItem } from '../../backend/src/store/items';
import { enqueue, getJob } from '../../backend/src/store/jobs';
import { corpusFiles } from '../helpers/corpus';
import { benchBackend, peakRss } from './probes';
import { startEmulatorProcess, type EmulatorProcess } from './emulator-process';
import { tenantEnv } from '../helpers/tenant-env';
import { ensureCertificates } from '../../emulator/src/tls';
import { printReport, type Row } from './report';
import { dropDatabases } from '../helpers/db';

const log = (line: string) => console.error(`[bench] ${line}`);
const int = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const MESSAGES = int('BENCH_INTEGRITY_MESSAGES', 100_000);
const INGEST_SAMPLE = int('BENCH_INGEST_SAMPLE', 2_000);
const BATCH = 250;

function rawMessages(): Buffer[] {
  const skip = /(imaptest|mimekit-mbox|msgreader-msg|java-libpst|mimekit-tnef|tnefparse-extra|\.pst$|\.msg$|\.zip$)/;
  const corpus = corpusFiles()
    .filter((f) => !skip.test(f))
    .map((f) => readFileSync(f))
    .filter((b) => b.length > 0 && b.length < 200_000);
  if (corpus.length > 0) return corpus;
  log('no corpus: generated messages');
  return Array.from({ length: 500 }, (_, i) => Buffer.from(`From: a${i}@contoso.example\r\nTo: b@contoso.example\r\nSubject: Generated ${i}\r\n\r\n${randomBytes(1500 + (i % 7) * 900).toString('base64')}\r\n`));
}

const uniqueCopy = (messages: Buffer[], n: number) => Buffer.concat([Buffer.from(`X-Bench-Copy: ${n}\r\n`), messages[n % messages.length]!]);

function settings(kms: FileKms): IntegritySettings {
  return { tsa: { url: null, graceMs: 86_400_000 }, periodMs: 3_600_000, verify: { trustedTsaCerts: [], stampDueMs: 90_000_000, maxBytesPerSecond: 0 }, verifyCron: null, kms: { current: kms, previous: null } };
}

interface Fresh {
  store: Store;
  settings: IntegritySettings;
  /** The master key, for a backend process to read the archive with (encrypted only). */
  masterKey: Buffer | null;
}

async function freshStore(uri: string, name: string, encrypted: boolean): Promise<Fresh> {
  const store = await openStore({ uri, dbName: `bench_integrity_${name}_${randomBytes(3).toString('hex')}` });
  const masterKey = randomBytes(32);
  const s = settings(new FileKms(masterKey));
  if (encrypted) await setEncryption(store, s, true);
  return { store, settings: s, masterKey: encrypted ? masterKey : null };
}

/** The whole ingest path, 8 at once, in pages of 32 as the import runner adds them. */
async function ingest(store: Store, messages: Buffer[], count = INGEST_SAMPLE): Promise<{ perSecond: number; mbPerSecond: number }> {
  const started = Date.now();
  const slots = new Limiter(8);
  let bytes = 0;
  for (let page = 0; page < count; page += 32) {
    const entries = await Promise.all(
      Array.from({ length: Math.min(32, count - page) }, (_, i) =>
        slots.run(async (): Promise<ArchiveEntry> => {
          const raw = uniqueCopy(messages, page + i);
          bytes += raw.length;
          const stored = await storeMessage(store, Readable.from([raw]));
          return { archiveId: 'bench', folder: '', source: { kind: 'import', file: `bench/${page + i}` }, stored };
        }),
      ),
    );
    await archiveStored(store, entries);
  }
  const seconds = (Date.now() - started) / 1000;
  return { perSecond: count / seconds, mbPerSecond: bytes / 1024 / 1024 / seconds };
}

/** MESSAGES real blobs with their items and ledger events, through the store layer; then sealed (timed: a backlog of MESSAGES events). */
async function seed(store: Store, s: IntegritySettings, messages: Buffer[]): Promise<{ bytes: number; sealSeconds: number }> {
  const slots = new Limiter(8);
  let bytes = 0;
  for (let from = 0; from < MESSAGES; from += BATCH) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(BATCH, MESSAGES - from) }, (_, i) =>
        slots.run(async () => {
          const raw = uniqueCopy(messages, from + i);
          bytes += raw.length;
          const who = store.blobs.identify(createHash('sha256').update(raw).digest('hex'));
          await store.blobs.put(who.id, raw.length, () => Readable.from([raw]));
          return { who, size: raw.length, n: from + i };
        }),
      ),
    );
    const now = new Date();
    const items: NewItem[] = batch.map((b) => ({ archiveId: 'bench', sha256: b.who.id, folder: '', receivedAt: now, subject: `m${b.n}`, from: null, size: b.size, hasAttachments: false, source: { kind: 'import', file: `bench/${b.n}` } }));
    await addItems(store.conn, items.map((item) => ({ item })));
    await recordAdded(store, batch.map((b): AddedMessage => ({ archiveId: 'bench', blobId: b.who.id, digest: b.who.digest, salted: b.who.salted, size: b.size, receivedAt: now, source: { kind: 'import', file: `bench/${b.n}` }, outcome: 'inserted' })));
    if ((from / BATCH) % 40 === 0) log(`seeded ${from + batch.length} of ${MESSAGES}`);
  }
  const started = Date.now();
  await sealLedger(store, s, { closeOpen: true });
  const sealSeconds = (Date.now() - started) / 1000;
  log(`sealed ${MESSAGES} queued events in ${sealSeconds.toFixed(1)} s`);
  return { bytes, sealSeconds };
}

type Backends = Awaited<ReturnType<typeof benchBackend>>;

/** The verification job, run by a backend process of its own on this archive. */
async function verify(uri: string, fresh: Fresh, emulator: EmulatorProcess, backends: Backends) {
  const config = loadConfig({ ...process.env, MONGODB_URI: uri, MONGODB_DB: fresh.store.db.databaseName, ...tenantEnv(emulator.info) });
  const backend = await backends.spawn(config, {
    WORKER_CONCURRENCY: '1',
    INTEGRITY_VERIFY_MAX_MB_PER_S: '0',
    INTEGRITY_VERIFY_CRON: 'off',
    ...(fresh.masterKey ? { ENCRYPTION_MASTER_KEY: fresh.masterKey.toString('hex') } : {}),
  });
  try {
    const rss = peakRss(backend.child.pid!);
    const job = await enqueue(fresh.store, { type: VERIFY_JOB });
    for (;;) {
      const j = await getJob(fresh.store, job._id);
      if (j && ['succeeded', 'failed', 'cancelled'].includes(j.status)) {
        // The job's own run, not the wait for the backend's worker to pick it up.
        const seconds = (j.finishedAt!.getTime() - j.startedAt!.getTime()) / 1000;
        const peak = rss.stop();
        if (j.status !== 'succeeded') throw new Error(`verification ${j.status}: ${j.error?.message}`);
        const r = j.result as { messagesChecked: number; bytesRead: number; problems: number };
        if (r.problems > 0) throw new Error(`verification found ${r.problems} problems in a sound archive`);
        return { ...r, seconds, perSecond: r.messagesChecked / seconds, mbPerSecond: r.bytesRead / 1024 / 1024 / seconds, peakRssMb: peak / 1024 / 1024, backend: backends.label };
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await backend.stop();
  }
}

/** Drops a store's database once its index writers are done (their idle merges would find it gone). */
async function dropStore(store: Store): Promise<void> {
  await flushIndex(store);
  await dropDatabases(store);
  await store.close();
}

async function main(): Promise<void> {
  const db = await startDatabase({ log });
  const emulator = await startEmulatorProcess('demo');
  // The backend processes trust the emulator's certificate (Node reads this when a process starts).
  process.env.NODE_EXTRA_CA_CERTS = (await ensureCertificates()).caCertPath;
  const backends = await benchBackend();
  const messages = rawMessages();
  log(`${messages.length} distinct source messages; ${MESSAGES} to verify, ${INGEST_SAMPLE} to ingest, each without and with encryption`);
  try {
    // A first ingest warms up the code and the database, so that the first mode measured pays no start-up.
    const warm = await freshStore(db.uri, 'warmup', false);
    await ingest(warm.store, messages, 200);
    await dropStore(warm.store);
    const results: Record<'plain' | 'encrypted', { ingest: { perSecond: number; mbPerSecond: number }; verify: Awaited<ReturnType<typeof verify>>; rawMb: number; sealSeconds: number }> = {} as never;
    for (const mode of ['plain', 'encrypted'] as const) {
      const a = await freshStore(db.uri, `ingest_${mode}`, mode === 'encrypted');
      const ingested = await ingest(a.store, messages);
      log(`${mode}: ingest ${ingested.perSecond.toFixed(1)} msg/s`);
      await dropStore(a.store);
      const b = await freshStore(db.uri, `verify_${mode}`, mode === 'encrypted');
      const seeded = await seed(b.store, b.settings, messages);
      const verified = await verify(db.uri, b, emulator, backends);
      log(`${mode}: verified ${verified.messagesChecked} in ${verified.seconds.toFixed(1)} s`);
      await dropStore(b.store);
      results[mode] = { ingest: ingested, verify: verified, rawMb: seeded.bytes / 1024 / 1024, sealSeconds: seeded.sealSeconds };
    }
    const { plain, encrypted } = results;
    const rows: Row[] = [
      { key: 'verify_msgs_per_s', label: 'verification, clear (messages/s)', value: plain.verify.perSecond, unit: 'msg/s' },
      { key: 'verify_mb_per_s', label: 'verification, clear (stored MB/s)', value: plain.verify.mbPerSecond, unit: 'MB/s', digits: 2 },
      { key: 'verify_enc_msgs_per_s', label: 'verification, encrypted (messages/s)', value: encrypted.verify.perSecond, unit: 'msg/s' },
      { key: 'verify_enc_mb_per_s', label: 'verification, encrypted (stored MB/s)', value: encrypted.verify.mbPerSecond, unit: 'MB/s', digits: 2 },
      { key: 'verify_messages', label: 'messages verified per run', value: plain.verify.messagesChecked, unit: '', digits: 0 },
      { key: 'verify_peak_rss_mb', label: `backend peak RSS, verification clear (${plain.verify.backend})`, value: plain.verify.peakRssMb, unit: 'MB', target: '< 300', ok: plain.verify.peakRssMb < 300, digits: 0 },
      { key: 'verify_enc_peak_rss_mb', label: 'backend peak RSS, verification encrypted', value: encrypted.verify.peakRssMb, unit: 'MB', target: '< 300', ok: encrypted.verify.peakRssMb < 300, digits: 0 },
      { key: 'seal_msgs_per_s', label: `sealing a backlog of ${MESSAGES} ledger events, clear (events/s)`, value: MESSAGES / plain.sealSeconds, unit: 'msg/s' },
      { key: 'seal_enc_msgs_per_s', label: `sealing a backlog of ${MESSAGES} ledger events, encrypted (events/s)`, value: MESSAGES / encrypted.sealSeconds, unit: 'msg/s' },
      { key: 'ingest_msgs_per_s', label: 'ingest, clear', value: plain.ingest.perSecond, unit: 'msg/s' },
      { key: 'ingest_enc_msgs_per_s', label: 'ingest, encrypted', value: encrypted.ingest.perSecond, unit: 'msg/s' },
      { key: 'ingest_enc_ratio', label: 'ingest throughput with encryption / without', value: encrypted.ingest.perSecond / plain.ingest.perSecond, unit: '', digits: 3 },
    ];
    printReport(`Integrity benchmark (${db.kind}; ${MESSAGES} messages verified, ${INGEST_SAMPLE} ingested, per mode)`, rows, [
      `verification archives were seeded through the store layer (real blobs, ${plain.rawMb.toFixed(0)} MB of raw mail); ingest figures use the whole ingest path`,
      'verification without throttle (INTEGRITY_VERIFY_MAX_MB_PER_S bounds it in production); stored MB are compressed (and encrypted) bytes read',
    ]);
  } finally {
    await emulator.close();
    await db.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

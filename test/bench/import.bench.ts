/**
 * `npm run bench:import`: import throughput and memory. Each source is imported by the import CLI
 * (`npm run import`, the same service and job as the Teams tab) as its own process, started with
 * the backend's memory settings, whose RSS is sampled from /proc throughout:
 *  - an mbox of at least BENCH_MBOX_MB (default 1024) generated from the real corpus mail into a
 *    temporary folder (every copy made unique by one added header, so that each is stored, not
 *    recognised as a duplicate), deleted afterwards;
 *  - the corpus's PST files (no maintained PST writer exists on npm to generate a large one);
 *  - BENCH_IMAP_MESSAGES messages from a real Dovecot.
 * And, in the same run, the store-only ceiling: the same ingest calls (spool, hash, parse, blob,
 * document, items, index) on a sample of the mbox's messages in memory, into an empty database,
 * in the runner's shape (rounds of 64, 4 at once). Prints a table; the last line is one JSON object.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { once } from 'node:events';
import { ImapFlow } from 'imapflow';
import { startDatabase } from '../../dev/database';
import { archiveStored, storeMessage, type ArchiveEntry } from '../../backend/src/ingest';
import { withMemoryEnv } from '../../backend/src/memory-env';
import { openStore } from '../../backend/src/store';
import { createManualUser } from '../../backend/src/store/directory';
import { Limiter } from '../../backend/src/limiter';
import { corpusDir, corpusFiles } from '../helpers/corpus';
import { startDovecot } from '../helpers/dovecot';
import { withFreshStore } from './ceilings';
import { printReport, type Row } from './report';
import { dropDatabases } from '../helpers/db';

const log = (line: string) => console.error(`[bench] ${line}`);
const int = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const MBOX_MB = int('BENCH_MBOX_MB', 1024);
const IMAP_MESSAGES = int('BENCH_IMAP_MESSAGES', 2000);
const CEILING_SAMPLE = int('BENCH_CEILING_MESSAGES', 3000);
const RSS_TARGET_MB = 300;
const root = resolve(import.meta.dirname, '../..');
const GUID = '00000000-0000-4000-8000-000000000001';

interface CliRun {
  seconds: number;
  peakRssMb: number;
  archived: number;
  duplicate: number;
  failed: number;
  bytes: number;
}

/** Real corpus mail (MIME files only), the raw material of the generated mbox. */
function corpusMessages(): Buffer[] {
  const skip = /(imaptest|mimekit-mbox|msgreader-msg|java-libpst|mimekit-tnef|tnefparse-extra)/;
  return corpusFiles().filter((f) => !skip.test(f)).map((f) => readFileSync(f)).filter((b) => b.length > 0 && b.length < 5_000_000);
}

/** Message `copy` of a corpus message: one header more, so every copy is a distinct message. */
const uniqueCopy = (m: Buffer, copy: number) => Buffer.concat([Buffer.from(`X-Bench-Copy: ${copy}\n`), m]);
const quoted = (m: Buffer) => Buffer.from(m.toString('latin1').replace(/^(>*From )/gm, '>$1'), 'latin1');

async function writeMbox(path: string, mails: Buffer[], minBytes: number): Promise<{ bytes: number; messages: number }> {
  const out = createWriteStream(path);
  let bytes = 0;
  let messages = 0;
  for (let copy = 0; bytes < minBytes; copy++) {
    for (const m of mails) {
      const chunk = Buffer.concat([Buffer.from('From bench@example.com Thu Jan  1 00:00:00 2004\n'), quoted(uniqueCopy(m, copy)), Buffer.from('\n')]);
      if (!out.write(chunk)) await once(out, 'drain');
      bytes += chunk.length;
      messages++;
      if (bytes >= minBytes) break;
    }
  }
  out.end();
  await once(out, 'finish');
  return { bytes, messages };
}

/** Runs the import CLI as its own process, sampling its resident memory. */
async function runCli(env: NodeJS.ProcessEnv, args: string[], store: Awaited<ReturnType<typeof openStore>>): Promise<CliRun> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'backend/src/import/cli.ts'), ...args], { env: withMemoryEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d.toString()).length > 100_000 && (output = output.slice(-20_000)));
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024);
    } catch {
      /* the process has ended */
    }
  }, 200);
  const [code] = (await once(child, 'exit')) as [number];
  clearInterval(timer);
  const id = /import ([0-9a-f-]{36})/.exec(output)?.[1];
  if (code !== 0 && code !== 1) throw new Error(`the import CLI exited with ${code}:\n${output.slice(-3000)}`);
  const p = (await store.db.collection('import_progress').findOne({ _id: id as never }))!;
  return { seconds: (performance.now() - started) / 1000, peakRssMb: peak / 1024 / 1024, archived: p.archived, duplicate: p.duplicate, failed: p.failed, bytes: p.bytesRead };
}

/** The store-only ceiling: the import's ingest calls on messages already in memory, in the runner's shape. */
async function storeCeiling(uri: string, sample: Buffer[], archiveId: string): Promise<{ perSecond: number; mbPerSecond: number }> {
  return withFreshStore(uri, 'bench_import_ceiling', async (store) => {
    const limiter = new Limiter(4);
    const started = performance.now();
    for (let i = 0; i < sample.length; i += 64) {
      const round = sample.slice(i, i + 64);
      const stored = await Promise.all(round.map((m) => limiter.run(() => storeMessage(store, Readable.from([m])))));
      await archiveStored(store, stored.map((s): ArchiveEntry => ({ archiveId, folder: 'Bench', source: { kind: 'import', file: 'ceiling' }, stored: s, unit: 'import:ceiling' })));
    }
    const seconds = (performance.now() - started) / 1000;
    return { perSecond: sample.length / seconds, mbPerSecond: sample.reduce((n, m) => n + m.length, 0) / 1e6 / seconds };
  });
}

async function main(): Promise<void> {
  const corpus = corpusDir();
  if (!corpus) throw new Error('the benchmark needs the real-mail corpus (../shared/corpus)');
  const db = await startDatabase({ log: (line) => console.error(`[database] ${line}`) });
  const dbName = `bench_import_${randomBytes(4).toString('hex')}`;
  const store = await openStore({ uri: db.uri, dbName });
  const work = mkdtempSync(join(tmpdir(), 'bench-import-'));
  const env = { ...process.env, MONGODB_URI: db.uri, MONGODB_DB: dbName, TENANT_ID: GUID, CLIENT_ID: GUID, CLIENT_SECRET: 'unused', LOG_LEVEL: 'warn' };
  const rows: Row[] = [];
  const notes: string[] = [];
  const dovecot = await startDovecot();
  try {
    await createManualUser(store.conn, { _id: 'bench-archive', upn: 'bench@archive.example', displayName: 'Bench', mail: 'bench@archive.example', addresses: ['bench@archive.example'], kind: 'manual' });
    const mails = corpusMessages();
    log(`${mails.length} corpus messages; writing a ${MBOX_MB} MB mbox`);
    const mbox = await writeMbox(join(work, 'bench.mbox'), mails, MBOX_MB * 1024 * 1024);

    log('store-only ceiling');
    const sample = Array.from({ length: CEILING_SAMPLE }, (_, i) => uniqueCopy(mails[i % mails.length]!, 1_000_000 + i));
    const ceiling = await storeCeiling(db.uri, sample, 'bench-ceiling');

    log(`importing the mbox (${(mbox.bytes / 1e6).toFixed(0)} MB, ${mbox.messages} messages)`);
    const m = await runCli(env, ['--archive', 'bench@archive.example', '--folder-prefix', 'mbox', join(work, 'bench.mbox')], store);
    rmSync(join(work, 'bench.mbox'), { force: true });
    const mboxRate = (m.archived + m.duplicate) / m.seconds;
    rows.push(
      { key: 'mbox_messages_per_s', label: `mbox ${(mbox.bytes / 1e9).toFixed(2)} GB: messages/s`, value: mboxRate, unit: 'msg/s', digits: 1 },
      { key: 'mbox_mb_per_s', label: 'mbox: MB/s', value: m.bytes / 1e6 / m.seconds, unit: 'MB/s', digits: 2 },
      { key: 'mbox_failed', label: 'mbox: messages failed', value: m.failed, unit: '', target: '0', ok: m.failed === 0 },
      { key: 'mbox_peak_rss_mb', label: 'mbox: peak RSS of the importing process', value: m.peakRssMb, unit: 'MB', target: `< ${RSS_TARGET_MB}`, ok: m.peakRssMb < RSS_TARGET_MB, digits: 0 },
      { key: 'store_ceiling_messages_per_s', label: 'store-only ceiling (same calls, messages in memory)', value: ceiling.perSecond, unit: 'msg/s', digits: 1 },
      { key: 'mbox_share_of_ceiling', label: 'mbox import as share of the ceiling', value: (100 * mboxRate) / ceiling.perSecond, unit: '%', digits: 0 },
    );

    const psts = readdirSync(join(corpus, 'java-libpst')).filter((f) => f.endsWith('.pst') && !f.startsWith('passworded'));
    const pstPath = join(corpus, 'java-libpst', psts.sort((a, b) => statSync(join(corpus, 'java-libpst', b)).size - statSync(join(corpus, 'java-libpst', a)).size)[0]!);
    log(`importing ${pstPath}`);
    const p = await runCli(env, ['--archive', 'bench@archive.example', '--folder-prefix', 'pst', pstPath], store);
    rows.push(
      { key: 'pst_messages_per_s', label: `PST (${statSync(pstPath).size / 1024} KB, corpus): items/s incl. start-up`, value: (p.archived + p.duplicate) / p.seconds, unit: 'items/s', digits: 1 },
      { key: 'pst_items', label: 'PST: items imported', value: p.archived + p.duplicate, unit: '' },
      { key: 'pst_peak_rss_mb', label: 'PST: peak RSS', value: p.peakRssMb, unit: 'MB', target: `< ${RSS_TARGET_MB}`, ok: p.peakRssMb < RSS_TARGET_MB, digits: 0 },
    );
    notes.push('No maintained PST writer exists on npm, so no large PST is generated; the corpus PSTs hold 3 items, so their rate is mostly process start-up.');

    log(`delivering ${IMAP_MESSAGES} messages to Dovecot`);
    const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, doSTARTTLS: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
    await client.connect();
    let imapBytes = 0;
    for (let i = 0; i < IMAP_MESSAGES; i++) {
      const bytes = uniqueCopy(mails[i % mails.length]!, 2_000_000 + i);
      imapBytes += bytes.length;
      await client.append('INBOX', bytes);
    }
    await client.logout();
    log('importing from IMAP');
    const i = await runCli({ ...env, IMPORT_SECRET: dovecot.password }, ['--archive', 'bench@archive.example', '--folder-prefix', 'imap', `imap://${dovecot.user}@127.0.0.1:${dovecot.port}/INBOX`], store);
    rows.push(
      { key: 'imap_messages_per_s', label: `IMAP (Dovecot, ${IMAP_MESSAGES} messages): messages/s`, value: (i.archived + i.duplicate) / i.seconds, unit: 'msg/s', digits: 1 },
      { key: 'imap_mb_per_s', label: 'IMAP: MB/s', value: imapBytes / 1e6 / i.seconds, unit: 'MB/s', digits: 2 },
      { key: 'imap_failed', label: 'IMAP: messages failed', value: i.failed, unit: '', target: '0', ok: i.failed === 0 },
      { key: 'imap_peak_rss_mb', label: 'IMAP: peak RSS', value: i.peakRssMb, unit: 'MB', target: `< ${RSS_TARGET_MB}`, ok: i.peakRssMb < RSS_TARGET_MB, digits: 0 },
    );
    notes.push(`Database: ${db.kind}. Rates include the CLI's start-up (a few seconds) and end when its import is done.`);
  } finally {
    await dovecot.stop();
    rmSync(work, { recursive: true, force: true });
    await dropDatabases(store).catch(() => undefined);
    await store.close();
    await db.stop();
  }
  printReport('Import benchmark', rows, notes);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

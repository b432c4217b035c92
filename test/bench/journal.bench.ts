/**
 * `npm run bench:journal`: the journal gateway under sustained load. The backend runs as its own
 * process with the SMTP gateway on; the emulator's journal rule sends BENCH_REPORTS Exchange
 * journal reports (each naming three people of the demo tenant, one of them Bcc, and an external
 * recipient) over BENCH_CONNECTIONS parallel SMTP connections as fast as the gateway answers.
 * Measured: reports/s accepted (250) and archived, the time from each 250 until the message is in
 * every participant's archive, and the backend's peak RSS. Prints a table; the last line is one
 * JSON object of the figures. The backend runs from the production build; BENCH_TSX=1 runs it under tsx.
 * BENCH_PROCESSES=N adds N-1 backend processes with workers and no gateway on the same database, as
 * a scaled-out deployment runs them: any process files what any gateway spooled.
 * BENCH_BACKLOG_LIMIT sets the gateway's SMTP_BACKLOG_LIMIT (back pressure; 0 = off, the
 * gateway then accepts at its full speed and the backlog builds up in the spool).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDatabase } from '../../dev/database';
import { loadConfig } from '../../backend/src/config';
import { openStore, type Store } from '../../backend/src/store';
import { DEMO_USERS, startEmulator } from '../../emulator/src/index';
import { ensureCertificates } from '../../emulator/src/tls';
import { freePort } from '../helpers/process';
import { benchBackend, cpuSeconds, diffCpu, vmHwm } from './probes';
import { describeCommands, diffCounts, scrapeDbCommands, sumCounts, total } from './db-commands';
import { printReport, type Row } from './report';
import { tenantEnv } from '../helpers/tenant-env';
import { dropDatabases } from '../helpers/db';

const log = (line: string) => console.error(`[bench] ${line}`);
const int = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const REPORTS = int('BENCH_REPORTS', 1000);
const CONNECTIONS = int('BENCH_CONNECTIONS', 10);
const WORKERS = int('BENCH_WORKERS', 8);
const BODY_KB = int('BENCH_BODY_KB', 8);
const TIMEOUT_MS = int('BENCH_TIMEOUT_MIN', 30) * 60_000;
/** Reports sent one at a time at a rate the archive keeps up with: the latency without a backlog. */
const PACED = int('BENCH_PACED', 60);
const PACED_PER_S = int('BENCH_PACED_PER_S', 1);
const PROCESSES = int('BENCH_PROCESSES', 1);
const PEOPLE = [DEMO_USERS.admin, DEMO_USERS.megan, DEMO_USERS.alex, DEMO_USERS.lee, DEMO_USERS.diego];

interface Sent {
  report: Buffer;
  originalSha: string;
  archives: string[];
  acceptedAt: number;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!.toFixed(1);
  const db = await startDatabase({ log: (line) => console.error(`[database] ${line}`) });
  const emulator = await startEmulator({ seed: 'demo', timeScale: 1, throttle: false });
  process.env.NODE_EXTRA_CA_CERTS = (await ensureCertificates()).caCertPath;
  const dbName = `bench_journal_${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    MONGODB_URI: db.uri, MONGODB_DB: dbName, ...tenantEnv(emulator),
    ...(process.env.BENCH_BACKLOG_LIMIT ? { SMTP_BACKLOG_LIMIT: process.env.BENCH_BACKLOG_LIMIT } : {}),
  });
  const smtpPort = await freePort();
  const backends = await benchBackend();
  let backend = await backends.spawn(config, {
    SMTP_PORT: String(smtpPort), SMTP_ALLOWED_HOSTS: '127.0.0.1', WORKER_CONCURRENCY: String(WORKERS), SMTP_BACKLOG_LIMIT: String(config.SMTP_BACKLOG_LIMIT),
  });
  let extra = await Promise.all(Array.from({ length: PROCESSES - 1 }, () => backends.spawn(config, { WORKER_CONCURRENCY: String(WORKERS) })));
  const stopExtra = async () => {
    await Promise.all(extra.map((p) => p.stop()));
    extra = [];
  };
  const store = await openStore({ uri: db.uri, dbName });
  let rows: Row[] = [];
  let notes: string[] = [];
  try {
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${backend.url}/api${path}`, {
        method,
        headers: { authorization: `Bearer ${await emulator.issueUserToken(DEMO_USERS.admin.upn)}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    await api('POST', '/admin/directory/sync');
    // The gateway adds a random part to the address; the journal rule sends to the result.
    const MAILBOX = ((await api('POST', '/admin/journal/mailboxes', { address: 'journal@archive.example' })) as { address: string }).address;
    await api('POST', '/admin/journal/profiles', { name: 'Benchmark', mailbox: MAILBOX });
    emulator.journal.configure({ host: '127.0.0.1', port: smtpPort, journalAddress: MAILBOX, tls: 'none', connections: CONNECTIONS });

    log(`composing ${REPORTS} reports (${BODY_KB} KB bodies)…`);
    const planned = await compose(emulator.journal, REPORTS);
    log(`sending over ${CONNECTIONS} connections to a backend with ${WORKERS} workers…`);
    // Counted from here: the setup's commands (and the first read of the database's size, which
    // a process's first /metrics makes) are no part of filing reports.
    const commandsAt = () => Promise.all([backend, ...extra].map((p) => scrapeDbCommands(p.url, backends.metricsToken))).then(sumCounts);
    const commandsBefore = await commandsAt();
    const started = Date.now();
    // The sender (the emulator's journal rule) runs in this process.
    const cpuBefore = cpuSeconds(backend.child.pid!, process.pid);
    const { sent, refused } = await send(emulator.journal, planned);
    const sendSeconds = (Math.max(...sent.map((s) => s.acceptedAt)) - started) / 1000;
    log(`${sent.length} accepted in ${sendSeconds.toFixed(1)} s (${refused} refused); waiting for the archive…`);
    const archivedAt = await waitArchived(store.db, sent, started);
    const burstCpu = diffCpu(cpuBefore, cpuSeconds(backend.child.pid!, process.pid));
    const burstSeconds = (Date.now() - started) / 1000;
    const peakRss = vmHwm(backend.child.pid!);
    const extraRss = Math.max(0, ...extra.map((p) => vmHwm(p.child.pid!)));
    const commands = diffCounts(await commandsAt(), commandsBefore);

    const latencies = sent.map((s) => archivedAt.get(s.originalSha)! - s.acceptedAt).sort((a, b) => a - b);
    const lastArchived = Math.max(...archivedAt.values());
    const duplicates = await store.db.collection('items').countDocuments({ 'sources.1': { $exists: true } });
    const items = await store.db.collection('items').countDocuments();
    const expectedItems = sent.reduce((n, s) => n + s.archives.length, 0);
    const acceptedPerSecond = sent.length / sendSeconds;

    log(`${PACED} more at ${PACED_PER_S}/s, for the latency without a backlog…`);
    const pacedPlan = await compose(emulator.journal, PACED);
    const pacedStart = Date.now();
    const paced: Sent[] = [];
    for (const [i, p] of pacedPlan.entries()) {
      await sleep(Math.max(0, pacedStart + (i * 1000) / PACED_PER_S - Date.now()));
      const res = await emulator.journal.deliver(p.report);
      if (res.response.startsWith('250')) paced.push({ ...p, acceptedAt: Date.now() });
    }
    const pacedAt = await waitArchived(store.db, [...sent, ...paced], pacedStart);
    const pacedLatencies = paced.map((x) => pacedAt.get(x.originalSha)! - x.acceptedAt).sort((a, b) => a - b);

    // The gateway's own ceiling: a process that only receives (WORKER_CONCURRENCY=0), as when
    // gateway and workers run as separate processes; nothing archives meanwhile.
    await stopExtra();
    await backend.stop();
    const gatewayPort = await freePort();
    // No workers anywhere: back pressure would hold senders for good, and this measures the gateway's own speed.
    backend = await backends.spawn(config, { SMTP_PORT: String(gatewayPort), SMTP_ALLOWED_HOSTS: '127.0.0.1', WORKER_CONCURRENCY: '0', SMTP_BACKLOG_LIMIT: '0' });
    const gatewayPid = backend.child.pid!;
    emulator.journal.configure({ host: '127.0.0.1', port: gatewayPort, journalAddress: MAILBOX, tls: 'none', connections: CONNECTIONS });
    const more = await compose(emulator.journal, REPORTS);
    const alone = Date.now();
    const gatewayOnly = await send(emulator.journal, more);
    const gatewayPerSecond = gatewayOnly.sent.length / ((Math.max(...gatewayOnly.sent.map((x) => x.acceptedAt)) - alone) / 1000);
    const gatewayRss = vmHwm(gatewayPid);
    log(`gateway alone: ${gatewayOnly.sent.length} accepted at ${gatewayPerSecond.toFixed(1)}/s`);
    rows = [
      { key: 'accepted_per_s', label: `reports accepted (250) per second, ${CONNECTIONS} connections, while archiving`, value: acceptedPerSecond, unit: '/s', target: '≥ 100', ok: acceptedPerSecond >= 100 },
      { key: 'gateway_only_accepted_per_s', label: 'reports accepted per second, gateway process without workers', value: gatewayPerSecond, unit: '/s', target: '≥ 100', ok: gatewayPerSecond >= 100 },
      { key: 'archived_per_s', label: 'reports archived per second (first send → last archived)', value: sent.length / ((lastArchived - started) / 1000), unit: '/s' },
      { key: 'latency_p50_ms', label: 'time from 250 to searchable under the burst (backlog included), p50', value: pct(latencies, 50), unit: 'ms', digits: 0 },
      { key: 'latency_p95_ms', label: 'time from 250 to searchable under the burst (backlog included), p95', value: pct(latencies, 95), unit: 'ms', digits: 0, target: '< 5000', ok: pct(latencies, 95) < 5000 },
      { key: 'paced_latency_p50_ms', label: `time from 250 to searchable at ${PACED_PER_S} report/s, p50`, value: pct(pacedLatencies, 50), unit: 'ms', digits: 0 },
      { key: 'paced_latency_p95_ms', label: `time from 250 to searchable at ${PACED_PER_S} report/s, p95`, value: pct(pacedLatencies, 95), unit: 'ms', digits: 0 },
      { key: 'filed_per_accepted', label: 'reports archived per second / accepted per second, under the burst', value: sent.length / ((lastArchived - started) / 1000) / acceptedPerSecond, unit: '', digits: 2, target: '≥ 0.9', ok: sent.length / ((lastArchived - started) / 1000) / acceptedPerSecond >= 0.9 },
      { key: 'cpu_backend_pct', label: 'CPU during the burst and its backlog: backend', value: (100 * burstCpu.backend) / burstSeconds, unit: '% of a core', digits: 0 },
      { key: 'cpu_database_pct', label: `CPU during the burst and its backlog: ${db.kind}`, value: (100 * burstCpu.database) / burstSeconds, unit: '% of a core', digits: 0 },
      { key: 'cpu_sender_pct', label: "CPU during the burst and its backlog: sender and emulator (the benchmark's process)", value: (100 * burstCpu.emulator) / burstSeconds, unit: '% of a core', digits: 0 },
      { key: 'db_commands_per_report', label: 'database commands per report (gateway and workers, burst and its backlog)', value: total(commands) / sent.length, unit: '', digits: 2 },
      { key: 'peak_rss_mb', label: `backend peak RSS (gateway + ${WORKERS} workers, ingest and search indexing included)`, value: peakRss / 1024 / 1024, unit: 'MB', digits: 0 },
      ...(PROCESSES > 1 ? [{ key: 'worker_process_rss_mb', label: 'peak RSS of the other backend processes (workers, no gateway), the largest', value: extraRss / 1024 / 1024, unit: 'MB', digits: 0 }] : []),
      { key: 'gateway_rss_mb', label: 'gateway process peak RSS (no workers)', value: gatewayRss / 1024 / 1024, unit: 'MB', digits: 0 },
      { key: 'lost', label: 'accepted but not archived (items missing)', value: expectedItems - items, unit: '', digits: 0, target: '0', ok: expectedItems === items },
      { key: 'duplicates', label: 'copies archived twice', value: duplicates, unit: '', digits: 0, target: '0', ok: duplicates === 0 },
    ];
    notes = [
      `${REPORTS} reports, ${expectedItems} archive copies (3 internal participants each), ${BODY_KB} KB bodies, database ${db.kind}, ${PROCESSES} backend process${PROCESSES > 1 ? 'es' : ''} of ${WORKERS} workers each, backend ${backends.label}, back pressure ${config.SMTP_BACKLOG_LIMIT > 0 ? `from ${config.SMTP_BACKLOG_LIMIT} reports (SMTP_BACKLOG_LIMIT)` : 'off'}`,
      'searchable = the item is in every participant\'s archive (its archivedAt); the clock is the same machine\'s',
      `database commands by kind and collection during the burst (count, summed round trips): ${describeCommands(commands)}`,
      `machine: ${availableParallelism()} CPUs, load average ${loadAtStart} at start and ${loadavg()[0]!.toFixed(1)} at the end (database, backend and sender share them)`,
    ];
  } finally {
    await stopExtra();
    await backend.stop();
    await dropDatabases(store).catch(() => undefined);
    await store.close();
    await emulator.close();
    await db.stop();
  }
  printReport('Journal gateway benchmark', rows, notes);
}

type Sender = Awaited<ReturnType<typeof startEmulator>>['journal'];

async function compose(sender: Sender, n: number) {
  const out: Omit<Sent, 'acceptedAt'>[] = [];
  for (let i = 0; i < n; i++) {
    const [from, to, bcc] = [PEOPLE[i % 5]!, PEOPLE[(i + 1) % 5]!, PEOPLE[(i + 3) % 5]!];
    const mail = await sender.compose({
      from: from.upn, to: [to.upn, 'partner@fabrikam.example'], bcc: [bcc.upn], subject: `Benchmark ${i} ${randomUUID()}`,
      text: randomBytes((BODY_KB * 1024 * 3) / 4).toString('base64').replace(/.{76}/g, '$&\n'),
    });
    out.push({ report: mail.report, originalSha: sha(mail.original), archives: [from.id, to.id, bcc.id] });
  }
  return out;
}

async function send(sender: Sender, planned: Omit<Sent, 'acceptedAt'>[]) {
  const sent: Sent[] = [];
  let refused = 0;
  const queue = [...planned];
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      for (let p = queue.shift(); p; p = queue.shift()) {
        const res = await sender.deliver(p.report).catch(() => null);
        if (res?.response.startsWith('250')) sent.push({ ...p, acceptedAt: Date.now() });
        else refused += 1;
      }
    }),
  );
  return { sent, refused };
}

/** When each original reached its last archive (the items' archivedAt). */
async function waitArchived(db: Store['db'], sent: Sent[], started: number): Promise<Map<string, number>> {
  const wanted = new Map(sent.map((s) => [s.originalSha, s.archives.length]));
  const expected = sent.reduce((n, s) => n + s.archives.length, 0);
  for (;;) {
    const count = await db.collection('items').countDocuments();
    if (count >= expected) break;
    if (Date.now() - started > TIMEOUT_MS) throw new Error(`only ${count} of ${expected} copies archived after ${TIMEOUT_MS / 60_000} min`);
    await sleep(1000);
  }
  const at = new Map<string, number>();
  for await (const item of db.collection<{ sha256: string; archivedAt: Date }>('items').find({}, { projection: { sha256: 1, archivedAt: 1 } })) {
    if (!wanted.has(item.sha256)) continue;
    at.set(item.sha256, Math.max(at.get(item.sha256) ?? 0, item.archivedAt.getTime()));
  }
  return at;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);

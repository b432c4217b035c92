/**
 * `npm run bench:hostile`: what mail built to be expensive costs the archive (issue 13).
 *
 * For every hostile shape (test/fixtures/hostile/shapes.ts: long style blocks, deep nesting, many
 * attributes, huge single lines, many tiny parts, long header folding) at size N and 2N: the
 * message is stored through the one ingest path (timed: parse on this thread), then opened as a
 * reader opens it (messageView, which renders in a worker, then the frame document and JSON on
 * this thread; the fastest of BENCH_HOSTILE_ROUNDS, the least disturbed by other work). Linear work doubles from N to 2N: the target
 * is a ratio of at most 2.5. The event loop's delay is recorded while the messages are opened:
 * the API, the archiving workers and the SMTP gateway share it, target under 100 ms.
 * N: BENCH_HOSTILE_N (default 200000); BENCH_HOSTILE_SHAPES: a comma-separated subset. Last line: JSON.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { startDatabase } from '../../dev/database';
import { ingestMessage } from '../../backend/src/ingest';
import { MessageTooComplexError } from '../../backend/src/retrieval/render';
import { messageView, viewDocument } from '../../backend/src/retrieval/view';
import { openStore, type Store } from '../../backend/src/store';
import { getItem } from '../../backend/src/store/items';
import { HOSTILE_SHAPES } from '../fixtures/hostile/shapes';
import { printReport, type Detail, type Row } from './report';
import { dropDatabases } from '../helpers/db';

const log = (line: string) => console.error(`[bench:hostile] ${line}`);
const N = Number(process.env.BENCH_HOSTILE_N ?? 200_000);
const ROUNDS = Number(process.env.BENCH_HOSTILE_ROUNDS ?? 5);
const ARCHIVE = 'bench-hostile';
const ONLY = process.env.BENCH_HOSTILE_SHAPES?.split(',');
const MAX_RATIO = 2.5;
const MAX_DELAY_MS = 100;


async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

async function ingest(store: Store, bytes: Buffer): Promise<{ ms: number; sha256: string }> {
  const { ms, value } = await timed(() => ingestMessage(store, { archiveId: ARCHIVE, folder: 'Inbox', source: { kind: 'import', file: 'bench' }, content: Readable.from([bytes]) }));
  return { ms, sha256: value.sha256 };
}

/** Opens the message as the reader's two requests do: the JSON view and the frame's document. */
async function open(store: Store, sha256: string): Promise<string> {
  const item = (await getItem(store.conn, ARCHIVE, sha256))!;
  try {
    const view = await messageView(store, item, { cidUrl: (cid) => `/api/messages/x/cid/${cid}`, allowRemote: false });
    JSON.stringify(view);
    viewDocument(view);
    return view.html === null ? 'text' : `html ${Math.round(view.html.length / 1024)} KB`;
  } catch (err) {
    if (err instanceof MessageTooComplexError) return 'too complex';
    throw err;
  }
}

async function openTimes(store: Store, sha256: string): Promise<{ openMs: number; outcome: string }> {
  const runs: number[] = [];
  let outcome = '';
  for (let i = 0; i < ROUNDS; i++) {
    const { ms, value } = await timed(() => open(store, sha256));
    runs.push(ms);
    outcome = value;
  }
  return { openMs: Math.min(...runs), outcome };
}

async function main(): Promise<void> {
  const db = await startDatabase({ log: (line) => console.error(`[database] ${line}`) });
  const store = await openStore({ uri: db.uri, dbName: `bench_hostile_${randomBytes(4).toString('hex')}` });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const rows: Row[] = [];
  let worst = 0;
  let worstP99 = 0;
  let busiest = 0;
  const detail: Detail = { title: `Hostile shapes at N = ${N} and 2N (open: fastest of ${ROUNDS})`, header: ['shape', 'bytes N', 'ingest N ms', 'ingest 2N ms', 'open N ms', 'open 2N ms', 'open 2N gives', 'loop max ms'], rows: [] };
  try {
    const shapes = HOSTILE_SHAPES.filter((s) => !ONLY || ONLY.includes(s.name));
    // Stored first, all of them: ingest parses on this thread, and is not what is measured below.
    const stored = [];
    for (const shape of shapes) {
      log(`${shape.name}: ${shape.what}`);
      const [small, large] = [shape.message(N), shape.message(2 * N)];
      stored.push({ shape, bytes: small.length, small: await ingest(store, small), large: await ingest(store, large) });
    }
    await open(store, stored[0]!.small.sha256); // starts the render worker
    for (const { shape, bytes, small, large } of stored) {
      delay.reset();
      delay.enable();
      const busyBefore = performance.eventLoopUtilization();
      const openN = await openTimes(store, small.sha256);
      const open2N = await openTimes(store, large.sha256);
      busiest = Math.max(busiest, performance.eventLoopUtilization(busyBefore).utilization);
      delay.disable();
      worst = Math.max(worst, delay.max / 1e6);
      worstP99 = Math.max(worstP99, delay.percentile(99) / 1e6);
      detail.rows.push([shape.name, String(bytes), small.ms.toFixed(0), large.ms.toFixed(0), openN.openMs.toFixed(1), open2N.openMs.toFixed(1), open2N.outcome, (delay.max / 1e6).toFixed(0)]);
      const ratio = open2N.openMs / openN.openMs;
      rows.push({ key: `${shape.name}_open_ratio`, label: `${shape.name}: open 2N / N`, value: ratio, unit: '', digits: 2, target: `≤ ${MAX_RATIO}`, ok: ratio <= MAX_RATIO });
      const ingestRatio = large.ms / small.ms;
      rows.push({ key: `${shape.name}_ingest_ratio`, label: `${shape.name}: ingest 2N / N`, value: ingestRatio, unit: '', digits: 2, target: `≤ ${MAX_RATIO}`, ok: ingestRatio <= MAX_RATIO });
    }
  } finally {
    await dropDatabases(store).catch(() => undefined);
    await store.close();
    await db.stop();
  }
  const maxDelay = worst;
  rows.push({ key: 'event_loop_p99_delay_ms', label: 'event-loop delay while opening them (p99 of the worst shape)', value: worstP99, unit: 'ms' });
  rows.push({ key: 'event_loop_busy_share', label: 'share of the time the event loop was busy while opening (worst shape)', value: busiest, unit: '', digits: 2 });
  rows.push({ key: 'event_loop_max_delay_ms', label: 'event-loop delay while opening them (max)', value: maxDelay, unit: 'ms', target: `< ${MAX_DELAY_MS}`, ok: maxDelay < MAX_DELAY_MS });
  printReport('Hostile input: linear growth and a free event loop', rows, [
    'open = messageView (MIME walk and sanitising in the render worker) + JSON + frame document; ingest = spool, blob, parse, message document, item, index.',
    'A ratio near 2 is linear; 4 is quadratic. Event-loop delay is sampled every 10 ms while the messages are opened;',
    `on a machine shared with other work it includes time the thread waited for a core (load average now ${loadavg()[0]!.toFixed(1)}).`,
  ], [detail]);
}

await main();
process.exit(0);

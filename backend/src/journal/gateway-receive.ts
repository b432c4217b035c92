import { randomUUID } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { spool, type Spool } from '../ingest/spool';
import type { Logger } from '../log';
import type { Store } from '../store';
import { INLINE_LIMIT, insertSpoolBatch, type SmtpTrace, type SpoolDoc } from '../store/journal-spool';
import { BackPressure } from './back-pressure';
import { newJobKey, queueReports } from './queue';

export type Received = { kind: 'spooled'; spool: Spool } | { kind: 'too-large'; bytes: number };

/**
 * Reads the DATA stream once: hashed and counted on the way, kept in memory up to 8 MB and in a
 * temporary file beyond. A message over `maxBytes` is read to its end (the SMTP dialogue needs
 * that) but not kept.
 */
export async function receive(stream: Readable, maxBytes: number): Promise<Received> {
  const cap = new Cap(maxBytes);
  stream.once('error', (err) => cap.destroy(err));
  const spooled = await spool(stream.pipe(cap), { memoryLimit: INLINE_LIMIT });
  if (!cap.exceeded) return { kind: 'spooled', spool: spooled };
  await spooled.dispose();
  return { kind: 'too-large', bytes: cap.bytes };
}

class Cap extends Transform {
  bytes = 0;
  exceeded = false;

  constructor(private readonly max: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.max) this.exceeded = true;
    callback(null, this.exceeded ? undefined : chunk);
  }
}

export type NewSpool = Omit<SpoolDoc, 'jobKey'>;

/** A job takes the reports spooled within this long, or this many (the job system's cost is per job). */
const JOB_WINDOW_MS = 200;
const JOB_MAX_REPORTS = 50;
/**
 * While the jobs already queued hold a full job's worth of reports, a window stays open up to
 * this long: under a burst the jobs, and the index batches and merges they cause, are then as
 * large as JOB_MAX_REPORTS allows instead of however many reports back pressure let in.
 */
const JOB_WINDOW_BUSY_MS = 2_000;

/**
 * Writes reports durably, in batches (group commit): whatever arrives while one insert is in
 * flight goes into the next, so a busy gateway writes many reports per command and an idle one
 * waits for nothing. `write` resolves once its documents are acknowledged: what the 250
 * promises. Their job is queued after that, for every report spooled in the same short window;
 * each document names the job's key, so if the process dies first the maintenance sweep finds
 * the reports and queues the job itself.
 */
export class SpoolWriter {
  private queue: { docs: NewSpool[]; bytes: number; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private flushing = false;
  /** The reports of the job to be queued next; it closes by count or at `due`. */
  private window: { key: string; ids: string[]; opened: number; due: number } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    /** What this writer spooled and its jobs have not filed yet (the gateway holds senders on it). */
    readonly pressure = new BackPressure(store, 0),
    private readonly limits = { docs: 64, bytes: 32 * 1024 * 1024 },
  ) {}

  write(docs: NewSpool[]): Promise<void> {
    const bytes = docs.reduce((n, d) => n + ((d.raw ?? d.sealed)?.length ?? 0), 0);
    const written = new Promise<void>((resolve, reject) => this.queue.push({ docs, bytes, resolve, reject }));
    void this.flush();
    return written;
  }

  /** Queues the job of the open window now (at shutdown). */
  close(): void {
    if (!this.flushing) this.closeWindow();
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.take();
        const window = (this.window ??= { key: newJobKey(), ids: [], opened: Date.now(), due: Date.now() + JOB_WINDOW_MS });
        const docs = batch.flatMap((e) => e.docs.map((d) => ({ ...d, jobKey: window.key })));
        try {
          await insertSpoolBatch(this.store.conn, docs);
        } catch (err) {
          for (const e of batch) e.reject(err);
          continue;
        }
        window.ids.push(...docs.map((d) => d._id));
        this.pressure.spooled(docs.length);
        for (const e of batch) e.resolve();
        // A window closes only between inserts: none of its documents can still be on the way.
        if (window.ids.length >= JOB_MAX_REPORTS || Date.now() >= window.due) this.closeWindow();
      }
    } finally {
      this.flushing = false;
      if (this.window && this.window.ids.length > 0 && !this.timer) this.armTimer(this.window.due - Date.now());
    }
  }

  private armTimer(delayMs: number): void {
    // Armed only for an open window; closing one clears its timer.
    const timer = setTimeout(async () => {
      const window = this.window!;
      const busy = Date.now() - window.opened < JOB_WINDOW_BUSY_MS && (await this.pressure.queuedReports()) >= JOB_MAX_REPORTS;
      if (this.timer !== timer) return; // the window was closed meanwhile
      this.timer = null;
      if (busy) {
        window.due = Date.now() + JOB_WINDOW_MS;
        this.armTimer(JOB_WINDOW_MS);
      } else if (!this.flushing) this.closeWindow(); // else the flush loop closes it after its insert
    }, Math.max(0, delayMs));
    this.timer = timer;
  }

  private closeWindow(): void {
    const window = this.window;
    if (!window || window.ids.length === 0) return;
    this.window = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    queueReports(this.store, window.ids, window.key).then(
      () => this.pressure.queued(window.key, window.ids.length),
      (err: unknown) => {
        this.pressure.queued(null, window.ids.length);
        this.log.warn({ err, jobKey: window.key, reports: window.ids.length }, 'queueing spooled journal reports failed; the maintenance sweep will');
      },
    );
  }

  private take() {
    const batch: typeof this.queue = [];
    let docs = 0;
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (batch.length > 0 && (docs + next.docs.length > this.limits.docs || bytes + next.bytes > this.limits.bytes)) break;
      batch.push(this.queue.shift()!);
      docs += next.docs.length;
      bytes += next.bytes;
    }
    return batch;
  }
}

/**
 * One spool document per journal mailbox the report was addressed to. Large reports go to the
 * blob store first (under their blob id, so a retry stores nothing twice), and the spool
 * documents point at them. The report is known by that id from here on (its record, its items'
 * source): under encryption at rest a keyed hash, so that the database does not give away the
 * report's SHA-256, and still the same for the same bytes, so a resent report is filed once.
 */
export async function spoolReport(store: Store, writer: SpoolWriter, received: Spool, mailboxes: string[], smtp: SmtpTrace): Promise<string[]> {
  const { size } = received;
  const sha256 = store.blobs.identify(received.sha256).id;
  let raw: Buffer | null = null;
  let sealed: Buffer | null = null;
  if (size <= INLINE_LIMIT) {
    raw = await buffer(received.open());
    sealed = await store.blobs.seal(raw);
    if (sealed) raw = null; // under encryption at rest, not a byte in clear
  } else {
    await store.blobs.put(sha256, size, received.open);
  }
  const receivedAt = new Date();
  const docs = mailboxes.map((mailbox) => ({ _id: randomUUID(), mailbox, receivedAt, sha256, size, raw, sealed, smtp }));
  await writer.write(docs);
  return docs.map((d) => d._id);
}

import { buffer } from 'node:stream/consumers';
import { getDirectorySettings } from '../directory/settings';
import { syncDirectory } from '../directory/sync';
import type { JobHandler } from '../jobs/worker';
import type { Logger } from '../log';
import { journalReports } from '../metrics';
import type { Store } from '../store';
import { profileForMailbox, type JournalProfile } from '../store/journal';
import { quarantineReport, recordReports, type ReportRecord } from '../store/journal-records';
import { doneSpoolIds, getSpools, holdSpool, markSpoolsDone, spoolSizes, type SpoolDoc, type StoredBytes } from '../store/journal-spool';
import { Limiter } from '../limiter';
import { DirectorySync, asError, fileOriginals, planFiling, type Filing, type FilingPlan, type JournalDeps } from './archive';
import { header, readEntity } from './report-mime';
import { parseJournalReport, type JournalParse } from './report';
import { ParticipantResolver } from './resolve';

const PROFILE_CACHE_MS = 2_000;
/** The gateway's own jobs (queue.ts newJobKey): on their first attempt none of their reports can be done yet. */
const GATEWAY_JOB = /^journal:[0-9a-f-]{36}$/;

export type ReportOutcome =
  | { outcome: 'archived'; reportId: string; archives: number }
  | { outcome: 'quarantined'; reportId: string; kind: 'not-journal' | 'malformed' }
  | { outcome: 'held'; mailbox: string }
  | { outcome: 'gone' };

/** What processing one report leaves to be written: its record, then its done marker. */
export interface Processed {
  outcome: ReportOutcome;
  record?: ReportRecord;
  done?: Pick<SpoolDoc, '_id' | 'mailbox'>;
}

/**
 * The worker side of the gateway: one job per batch of spooled reports, at least once. Whatever
 * a retry finds already done it does again without effect, and a report is marked done last, so
 * a crash at any point leaves it to be processed again rather than lost. The batch is processed
 * together: reports are read and parsed a few at a time, then every original is filed in one
 * round of writes (fileOriginals), and records and done markers are written a command each: the
 * database's commands are the gateway's bottleneck on FerretDB. A report that fails does not
 * stop the others; the job then fails, and its retry finds only what is left.
 */
export function journalReportHandler(deps: JournalDeps): JobHandler {
  const processor = createReportProcessor(deps);
  return async (ctx) => {
    const ids = (ctx.job.payload.spoolIds as string[] | undefined) ?? [];
    const checkDone = ctx.job.attempts > 1 || !GATEWAY_JOB.test(ctx.job._id);
    const results = await processor.processBatch(ids, { checkDone, signal: ctx.signal });
    const counts: Record<string, number> = {};
    let failed = 0;
    let firstError: Error | undefined;
    for (const [i, r] of results.entries()) {
      if (r instanceof Error) {
        failed += 1;
        firstError ??= r;
        ctx.logger.warn({ err: r, spoolId: ids[i] }, 'processing a journal report failed');
      } else {
        counts[r.outcome.outcome] = (counts[r.outcome.outcome] ?? 0) + 1;
        if (r.outcome.outcome !== 'gone') journalReports.inc({ outcome: r.outcome.outcome });
      }
    }
    const ok = results.filter((r): r is Processed => !(r instanceof Error));
    await recordReports(deps.store.conn, ok.flatMap((r) => (r.record ? [r.record] : [])));
    await markSpoolsDone(deps.store.conn, ok.flatMap((r) => (r.done ? [r.done] : [])));
    if (failed > 0) throw new Error(`${failed} of ${ids.length} journal reports failed, the first with: ${firstError!.message}`);
    return { reports: ids.length, ...counts };
  };
}

/** Reports of a batch parsed at once: enough to overlap the reads of large ones from the blob store with parsing. */
const READ_PARALLEL = 4;
/** Report bytes a batch holds in memory before it files what it has read so far. */
const ROUND_BYTES = 16 * 1024 * 1024;

/** Positions of the spooled reports in rounds of at most ROUND_BYTES (and at least one report). */
function rounds(ids: string[], sizes: Map<string, number>): number[][] {
  const out: number[][] = [];
  let round: number[] = [];
  let bytes = 0;
  for (const [i, id] of ids.entries()) {
    const size = sizes.get(id);
    if (size === undefined) continue;
    if (round.length > 0 && bytes + size > ROUND_BYTES) {
      out.push(round);
      round = [];
      bytes = 0;
    }
    round.push(i);
    bytes += size;
  }
  if (round.length > 0) out.push(round);
  return out;
}

interface Planned {
  plan: FilingPlan;
  spooled: SpoolDoc;
  parsed: Extract<JournalParse, { kind: 'journal' }>;
}
type Prepared = Processed | Error | Planned;
const gone = async (): Promise<Processed> => ({ outcome: { outcome: 'gone' } });

export function createReportProcessor(deps: JournalDeps) {
  const { store, log } = deps;
  const resolver = new ParticipantResolver(store.conn);
  const profiles = new Map<string, { profile: JournalProfile; until: number }>();
  // Profiles change rarely and every report asks: a short cache saves a query per report. Only
  // enabled ones are cached, so that enabling a profile releases held reports at once.
  const profileOf = async (mailbox: string) => {
    const cached = profiles.get(mailbox);
    if (cached && cached.until > Date.now()) return cached.profile;
    const profile = await profileForMailbox(store.conn, mailbox);
    if (profile?.enabled) profiles.set(mailbox, { profile, until: Date.now() + PROFILE_CACHE_MS });
    return profile;
  };
  const sync = new DirectorySync(async () => {
    try {
      await syncDirectory(store.conn, deps.graph, await getDirectorySettings(store.conn));
      resolver.invalidate();
      return true;
    } catch (err) {
      log.warn({ err }, 'directory sync before journal archiving failed; applying the unknown-address policy');
      return false;
    }
  });

  /** Parses and plans one report; quarantined and held reports are finished here. */
  const prepare = async (spooled: SpoolDoc): Promise<Prepared> => {
    const spoolId = spooled._id;
    const raw = await reportBytes(store, spooled);
    const parsed = await parseJournalReport(raw);
    if (parsed.kind !== 'journal') return { outcome: await quarantine(store, log, spooled, raw, parsed), done: spooled };
    const profile = await profileOf(spooled.mailbox);
    if (!profile?.enabled) {
      await holdSpool(store.conn, spooled);
      log.info({ spoolId, mailbox: spooled.mailbox }, 'journal report held: no enabled profile takes this mailbox');
      return { outcome: { outcome: 'held', mailbox: spooled.mailbox } };
    }
    const original = 'bytes' in parsed.original ? parsed.original.bytes : raw.subarray(parsed.original.start, parsed.original.end);
    const plan = await planFiling(resolver, sync, { reportId: spooled.sha256, receivedAt: spooled.receivedAt, envelope: parsed.envelope, original, profile });
    return { plan, spooled, parsed };
  };

  /**
   * One answer per id, in order: what became of the report, or why it failed. Reports are read
   * a round at a time (a round's reports in one command, as many as fit in ROUND_BYTES), parsed
   * a few at once, and each round's originals filed together.
   */
  const processBatch = async (spoolIds: string[], opts: { checkDone: boolean; signal?: AbortSignal }): Promise<(Processed | Error)[]> => {
    const done = opts.checkDone ? await doneSpoolIds(store.conn, spoolIds) : new Set<string>();
    const sizes = await spoolSizes(store.conn, spoolIds.filter((id) => !done.has(id)));
    const out: (Processed | Error)[] = new Array(spoolIds.length);
    const parsing = new Limiter(READ_PARALLEL);
    for (const round of rounds(spoolIds, sizes)) {
      opts.signal?.throwIfAborted();
      const docs = await getSpools(store.conn, round.map((i) => spoolIds[i]!));
      const prepared = await Promise.all(round.map((i) => {
        const doc = docs.get(spoolIds[i]!);
        return doc ? parsing.run(() => prepare(doc)).catch(asError) : gone();
      }));
      const planned: { i: number; p: Planned }[] = [];
      prepared.forEach((p, k) => {
        if (p instanceof Error || 'outcome' in p) out[round[k]!] = p;
        else planned.push({ i: round[k]!, p });
      });
      opts.signal?.throwIfAborted();
      if (planned.length === 0) continue;
      const filings = await fileOriginals(deps, planned.map(({ p }) => p.plan));
      planned.forEach(({ i, p }, k) => {
        const filing = filings[k]!;
        out[i] = filing instanceof Error ? filing : archived(p, filing);
      });
    }
    // Processed and purged already, or never spooled: nothing is left to do for them.
    for (const [i, id] of spoolIds.entries()) if (!sizes.has(id)) out[i] = { outcome: { outcome: 'gone' } };
    return out;
  };
  return { processBatch };
}

function archived({ spooled, parsed, plan }: Planned, filing: Filing): Processed {
  const reportId = plan.input.reportId;
  const record: ReportRecord = {
    _id: reportId,
    spoolId: spooled._id,
    mailbox: spooled.mailbox,
    profileId: plan.input.profile._id,
    receivedAt: spooled.receivedAt,
    processedAt: new Date(),
    messageId: parsed.envelope.messageId,
    originalSha256: filing.originalSha256,
    originalSize: plan.input.original.length,
    participants: parsed.envelope.participants.length,
    archives: filing.archives,
    unknown: filing.unknown,
    external: filing.external,
    warnings: parsed.warnings,
  };
  return { outcome: { outcome: 'archived', reportId, archives: filing.archives.length }, record, done: spooled };
}

async function quarantine(store: Store, log: Logger, spooled: SpoolDoc, raw: Buffer, parsed: Exclude<JournalParse, { kind: 'journal' }>): Promise<ReportOutcome> {
  const outer = readEntity(raw, 0, Math.min(raw.length, 256 * 1024)).headers;
  await quarantineReport(store.conn, {
    _id: spooled.sha256,
    kind: parsed.kind,
    reason: parsed.reason,
    spoolId: spooled._id,
    mailbox: spooled.mailbox,
    receivedAt: spooled.receivedAt,
    quarantinedAt: new Date(),
    sha256: spooled.sha256,
    size: spooled.size,
    // Large reports stay where the gateway put them: in the blob store under their hash.
    raw: spooled.raw,
    sealed: spooled.sealed ?? null,
    smtp: spooled.smtp,
    subject: (header(outer, 'subject') ?? '').slice(0, 500),
    from: (header(outer, 'from') ?? '').slice(0, 500),
    envelope: parsed.kind === 'malformed' ? ((parsed.envelope as Record<string, unknown> | undefined) ?? null) : null,
  });
  log.warn({ spoolId: spooled._id, reportId: spooled.sha256, kind: parsed.kind, reason: parsed.reason }, 'journal report quarantined');
  return { outcome: 'quarantined', reportId: spooled.sha256, kind: parsed.kind };
}

/** A spooled or quarantined report's bytes, wherever the gateway kept them (StoredBytes). */
export async function reportBytes(store: Store, doc: StoredBytes): Promise<Buffer> {
  if (doc.raw) return doc.raw;
  if (doc.sealed) return store.blobs.unseal(doc.sealed);
  return buffer(store.blobs.open(doc.sha256));
}

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ServiceDeps } from '../deps';
import { archiveStored, prepareMessage, storePrepared, type ArchiveEntry, type PreparedMessage, type StoredMessage } from '../ingest';
import { Limiter } from '../limiter';
import { addPending, pendingId, type ArchivedCopy, type UnknownAddress } from '../store/journal-records';
import type { JournalProfile } from '../store/journal';
import type { JournalEnvelope } from './report';
import type { ParticipantResolver, Resolution } from './resolve';

export type JournalDeps = Pick<ServiceDeps, 'store' | 'graph' | 'log'>;

/** How long a `create-at-sync` address waits for the directory before it is given up. */
export const PENDING_DAYS = 30;
/** Originals of one batch stored at once (the process's ingest slots cap all batches together). */
const STORE_PARALLEL = 4;

export interface FilingInput {
  reportId: string;
  receivedAt: Date;
  envelope: JournalEnvelope;
  original: Buffer;
  profile: JournalProfile;
}

export interface Filing {
  /** The original's blob id (its SHA-256, or a keyed hash of it under encryption at rest): what the report's record keeps. */
  originalSha256: string;
  archives: ArchivedCopy[];
  unknown: UnknownAddress[];
  external: number;
}

/** Where one report's original goes, decided before anything is written. */
export interface FilingPlan {
  input: FilingInput;
  originalSha256: string;
  /** Archive id → the participant addresses that led to it. */
  targets: Map<string, string[]>;
  unknown: UnknownAddress[];
  external: number;
}

/**
 * Resolves the participants of one report to archives and applies the profile's policy to
 * internal addresses nobody has (after a directory sync, when the profile asks for one).
 */
export async function planFiling(resolver: ParticipantResolver, sync: DirectorySync, input: FilingInput): Promise<FilingPlan> {
  const { profile } = input;
  let resolution = await resolver.resolve(input.envelope.participants, profile.internalDomains);
  if (resolution.unknown.length > 0 && profile.syncDirectoryFirst && (await sync.maybeSync())) {
    resolution = await resolver.resolve(input.envelope.participants, profile.internalDomains, true);
  }
  const targets = new Map(resolution.archives);
  const unknown = decideUnknown(profile, resolution, targets);
  const originalSha256 = createHash('sha256').update(input.original).digest('hex');
  return { input, originalSha256, targets, unknown, external: resolution.external.length };
}

/**
 * Files the originals of a batch of reports, byte for byte, into the archive of every internal
 * participant: each distinct original is stored once, then every copy of the batch is added in
 * one batch of writes (items in one command, one index batch per archive) rather than a
 * round of commands per copy. Every write is idempotent (items by archive + hash, pending
 * entries by report + address), so a retried report changes nothing. The answer is per plan: a
 * report whose original could not be stored fails alone; a failed batch write fails them all.
 */
export async function fileOriginals(deps: JournalDeps, plans: FilingPlan[]): Promise<(Filing | Error)[]> {
  const stored = await storeDistinct(deps, plans.filter((p) => p.targets.size > 0 || p.unknown.some((u) => u.action === 'pending')));
  const results = plans.map((p): Filing | Error => {
    const message = stored.get(p.originalSha256);
    return message instanceof Error ? message : filing(p, message?.sha256 ?? deps.store.blobs.identify(p.originalSha256).id);
  });
  const copies = plans.flatMap((plan, i) => {
    const message = stored.get(plan.originalSha256);
    if (!message || message instanceof Error) return [];
    const { receivedAt, reportId } = plan.input;
    return [...plan.targets.keys()].map((archiveId) => ({ i, entry: { archiveId, folder: '', receivedAt, source: { kind: 'journal', reportId }, stored: message } satisfies ArchiveEntry }));
  });
  const statuses = copies.length > 0 ? await archiveStored(deps.store, copies.map((c) => c.entry)).catch(asError) : [];
  if (statuses instanceof Error) return results.map((r, i) => (r instanceof Error || plans[i]!.targets.size === 0 ? r : statuses));
  copies.forEach(({ i, entry: { archiveId } }, k) => {
    const result = results[i]!;
    if (!(result instanceof Error)) result.archives.push({ archiveId, addresses: plans[i]!.targets.get(archiveId)!, status: statuses[k]! });
  });
  for (const [i, plan] of plans.entries()) {
    const message = stored.get(plan.originalSha256);
    if (!(results[i] instanceof Error) && message && !(message instanceof Error)) await addPendings(deps, plan, message.sha256).catch((err: unknown) => (results[i] = asError(err)));
  }
  return results;
}

function filing(plan: FilingPlan, blobId: string): Filing {
  return { originalSha256: blobId, archives: [], unknown: plan.unknown, external: plan.external };
}

/**
 * Blob and message document of each distinct original (the pending sweep reads the blob too):
 * each prepared on its own, then all stored in one batch of writes.
 */
async function storeDistinct(deps: JournalDeps, plans: FilingPlan[]): Promise<Map<string, StoredMessage | Error>> {
  const originals = new Map(plans.map((p) => [p.originalSha256, p.input.original]));
  const limiter = new Limiter(STORE_PARALLEL);
  const prepared = await Promise.all([...originals.values()].map((bytes) => limiter.run(() => prepareMessage(deps.store, Readable.from([bytes]))).catch(asError)));
  const ready = prepared.filter((p): p is PreparedMessage => !(p instanceof Error));
  const stored = await storePrepared(deps.store, ready).catch(asError);
  const result = new Map<string, StoredMessage | Error>();
  [...originals.keys()].forEach((sha, i) => {
    const p = prepared[i]!;
    result.set(sha, p instanceof Error ? p : stored instanceof Error ? stored : stored[ready.indexOf(p)]!);
  });
  return result;
}

/** `blobId`: where the original is stored (its SHA-256, or a keyed hash of it under encryption at rest). */
async function addPendings(deps: JournalDeps, plan: FilingPlan, blobId: string): Promise<void> {
  const waiting = plan.unknown.filter((u) => u.action === 'pending');
  if (waiting.length === 0) return;
  const { reportId, receivedAt, profile } = plan.input;
  const expiresAt = new Date(receivedAt.getTime() + PENDING_DAYS * 86_400_000);
  for (const { address } of waiting) {
    await addPending(deps.store.conn, {
      _id: pendingId(reportId, address), reportId, address, profileId: profile._id,
      originalSha256: blobId, receivedAt, expiresAt,
    });
  }
}

export const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * The catch-all archive gets a message once: when some internal address is unknown, or when no
 * participant has an archive at all (a message between external people that a journal rule caught).
 */
function decideUnknown(profile: JournalProfile, resolution: Resolution, targets: Map<string, string[]>): UnknownAddress[] {
  const policy = profile.unknownAddresses;
  const catchAll = policy === 'catch-all' && profile.catchAllArchiveId;
  if (catchAll && (resolution.unknown.length > 0 || targets.size === 0)) {
    targets.set(profile.catchAllArchiveId!, [...(targets.get(profile.catchAllArchiveId!) ?? []), '*']);
  }
  const action: UnknownAddress['action'] = catchAll ? 'catch-all' : policy === 'create-at-sync' ? 'pending' : 'ignored';
  return resolution.unknown.map((address) => ({ address, action }));
}

/**
 * "Synchronise the directory before archiving", for reports that name unknown internal
 * addresses: at most one sync per interval in this process, shared by every report that asks.
 */
export class DirectorySync {
  private running: Promise<boolean> | null = null;
  private last = 0;

  /** `run` answers whether the sync succeeded (it logs its own failures). */
  constructor(
    private readonly run: () => Promise<boolean>,
    private readonly minIntervalMs = 60_000,
  ) {}

  /** True when a sync succeeded (now, or for a report that was waiting at the same time). */
  maybeSync(): Promise<boolean> {
    if (this.running) return this.running;
    if (Date.now() - this.last < this.minIntervalMs) return Promise.resolve(false);
    this.last = Date.now();
    this.running = this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }
}

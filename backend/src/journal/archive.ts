import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ServiceDeps } from '../deps';
import { ingestMessage } from '../ingest';
import { addPending, pendingId, type ArchivedCopy, type UnknownAddress } from '../store/journal-records';
import type { JournalProfile } from '../store/journal';
import type { JournalEnvelope } from './report';
import type { ParticipantResolver, Resolution } from './resolve';

export type JournalDeps = Pick<ServiceDeps, 'store' | 'graph' | 'log'>;

/** How long a `create-at-sync` address waits for the directory before it is given up. */
export const PENDING_DAYS = 30;

export interface FilingInput {
  reportId: string;
  receivedAt: Date;
  envelope: JournalEnvelope;
  original: Buffer;
  profile: JournalProfile;
}

export interface Filing {
  originalSha256: string;
  archives: ArchivedCopy[];
  unknown: UnknownAddress[];
  external: number;
}

/**
 * Files the original, byte for byte, into the archive of every internal participant, and applies
 * the profile's policy to internal addresses nobody has. Every write is idempotent (items by
 * archive + hash, pending entries by report + address), so a retried report changes nothing.
 */
export async function fileOriginal(deps: JournalDeps, resolver: ParticipantResolver, sync: DirectorySync, input: FilingInput): Promise<Filing> {
  const { profile } = input;
  let resolution = await resolver.resolve(input.envelope.participants, profile.internalDomains);
  if (resolution.unknown.length > 0 && profile.syncDirectoryFirst && (await sync.maybeSync())) {
    resolution = await resolver.resolve(input.envelope.participants, profile.internalDomains, true);
  }
  const targets = new Map(resolution.archives);
  const unknown = decideUnknown(profile, resolution, targets);
  const archives: ArchivedCopy[] = [];
  for (const [archiveId, addresses] of targets) {
    const result = await ingestMessage(deps.store, {
      archiveId,
      folder: '',
      receivedAt: input.receivedAt,
      source: { kind: 'journal', reportId: input.reportId },
      content: Readable.from([input.original]),
    });
    archives.push({ archiveId, addresses, status: result.status });
  }
  const originalSha256 = createHash('sha256').update(input.original).digest('hex');
  const waiting = unknown.filter((u) => u.action === 'pending');
  if (waiting.length > 0) {
    // The pending sweep reads the original from the blob store, whoever else got it.
    await deps.store.blobs.put(originalSha256, input.original.length, () => Readable.from([input.original]));
    const expiresAt = new Date(input.receivedAt.getTime() + PENDING_DAYS * 86_400_000);
    for (const { address } of waiting) {
      await addPending(deps.store.conn, {
        _id: pendingId(input.reportId, address), reportId: input.reportId, address, profileId: profile._id,
        originalSha256, receivedAt: input.receivedAt, expiresAt,
      });
    }
  }
  return { originalSha256, archives, unknown, external: resolution.external.length };
}

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

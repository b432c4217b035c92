import type { Connection } from 'mongoose';
import { findByAddresses, listArchiveUsers, type ArchiveUser } from '../store/directory';

export interface Resolution {
  /** Archive id → the participant addresses that resolved to it. */
  archives: Map<string, string[]>;
  /** Addresses of an internal domain that no archive user has (yet). */
  unknown: string[];
  /** Addresses of other domains: other organisations' people, never archived for themselves. */
  external: string[];
}

const KNOWN_TTL_MS = 30_000;
/** Short: a user the directory sync just created should not wait long to be found. */
const UNKNOWN_TTL_MS = 10_000;
const DOMAINS_TTL_MS = 60_000;

/**
 * Participant address → archive, through every address the directory sync recorded (primary
 * and aliases). Cached per process: a report names the same people again and again, and on
 * FerretDB any lookup by address scans the users. Addresses of external domains are never looked up.
 */
export class ParticipantResolver {
  private readonly cache = new Map<string, { archiveIds: string[]; until: number }>();
  private domains: { set: Set<string>; until: number } | null = null;

  constructor(private readonly conn: Connection) {}

  /** `fresh` skips the cache (after a directory sync, and for pending addresses). */
  async resolve(addresses: string[], internalDomains: string[], fresh = false): Promise<Resolution> {
    const internal = internalDomains.length > 0 ? new Set(internalDomains) : await this.directoryDomains(fresh);
    const result: Resolution = { archives: new Map(), unknown: [], external: [] };
    const toLookUp: string[] = [];
    const found = new Map<string, string[]>();
    for (const address of new Set(addresses.map((a) => a.toLowerCase()))) {
      if (!internal.has(domainOf(address))) {
        result.external.push(address);
        continue;
      }
      const cached = fresh ? undefined : this.cache.get(address);
      if (cached && cached.until > Date.now()) found.set(address, cached.archiveIds);
      else toLookUp.push(address);
    }
    if (toLookUp.length > 0) {
      const users = await findByAddresses(this.conn, toLookUp);
      const now = Date.now();
      for (const address of toLookUp) {
        const archiveIds = choose(users.filter((u) => u.addresses.includes(address)));
        this.cache.set(address, { archiveIds, until: now + (archiveIds.length ? KNOWN_TTL_MS : UNKNOWN_TTL_MS) });
        found.set(address, archiveIds);
      }
    }
    for (const [address, archiveIds] of found) {
      if (archiveIds.length === 0) result.unknown.push(address);
      for (const id of archiveIds) result.archives.set(id, [...(result.archives.get(id) ?? []), address]);
    }
    return result;
  }

  /** Forgets everything: the directory just changed. */
  invalidate(): void {
    this.cache.clear();
    this.domains = null;
  }

  /** The domains of every address the directory knows: what "internal" means without a list. */
  private async directoryDomains(fresh: boolean): Promise<Set<string>> {
    if (!fresh && this.domains && this.domains.until > Date.now()) return this.domains.set;
    const set = new Set<string>();
    for (const user of await listArchiveUsers(this.conn)) for (const a of user.addresses) set.add(domainOf(a));
    this.domains = { set, until: Date.now() + DOMAINS_TTL_MS };
    return set;
  }
}

/**
 * An address held by an active user belongs to that user; a departed user keeps it only while
 * nobody active has it (addresses are reassigned after people leave).
 */
function choose(users: ArchiveUser[]): string[] {
  const active = users.filter((u) => u.status === 'active');
  return (active.length > 0 ? active : users).map((u) => u._id);
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

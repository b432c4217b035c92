import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** The gateway's answers to "who may file a report": each configured one must hold. */
export interface SenderChecks {
  allowedHosts: string[];
  clientNames: string[];
  auth: 'off' | 'optional' | 'required';
}

/**
 * Anyone who reaches the port could file a forged report into any user's archive: no allowed
 * hosts, no client certificate names, AUTH not required.
 */
export function acceptsAnySender(c: SenderChecks): boolean {
  return c.allowedHosts.length === 0 && c.clientNames.length === 0 && c.auth !== 'required';
}

export const ANY_SENDER_PROBLEM =
  'starts a journal gateway that would file reports from anyone who reaches it: set SMTP_ALLOWED_HOSTS (Exchange Online\'s ranges), ' +
  'SMTP_TLS_CLIENT_NAMES (its certificate) or SMTP_AUTH=required, or SMTP_INSECURE_ACCEPT_ANY=true in a lab';

/**
 * Who may connect: IP addresses, CIDR ranges, and host names. A host name matches only when the
 * client's reverse DNS name matches it and that name resolves back to the client's address
 * (forward-confirmed), because whoever owns an IP range controls its PTR records.
 */
export class HostAllowList {
  private readonly ips = new BlockList();
  private readonly names: { exact?: string; suffix?: string }[] = [];
  readonly empty: boolean;

  constructor(entries: string[]) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      const [addr, bits] = entry.split('/');
      const family = isIP(addr ?? '');
      if (family && bits !== undefined) this.ips.addSubnet(addr!, Number(bits), family === 6 ? 'ipv6' : 'ipv4');
      else if (family) this.ips.addAddress(addr!, family === 6 ? 'ipv6' : 'ipv4');
      else if (entry.startsWith('*.') || entry.startsWith('.')) this.names.push({ suffix: entry.slice(entry.indexOf('.')) });
      else this.names.push({ exact: entry });
    }
    this.empty = entries.length === 0;
  }

  /** Reverse DNS is only worth its latency when some entry is a name. */
  get needsHostnames(): boolean {
    return this.names.length > 0;
  }

  async allows(remoteAddress: string, reverseName: string | undefined): Promise<boolean> {
    if (this.empty) return true;
    const address = plainAddress(remoteAddress);
    const family = isIP(address);
    if (family && this.ips.check(address, family === 6 ? 'ipv6' : 'ipv4')) return true;
    const name = reverseName?.toLowerCase().replace(/\.$/, '');
    if (!name || isIP(name) || name.startsWith('[')) return false;
    if (!this.names.some((n) => n.exact === name || (n.suffix && name.endsWith(n.suffix)))) return false;
    const forward = await lookup(name, { all: true }).catch(() => []);
    return forward.some((f) => plainAddress(f.address) === address);
  }
}

/** `::ffff:192.0.2.1` (an IPv4 client on a dual-stack socket) is 192.0.2.1. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Open connections per sending host. */
export class ConnectionCounter {
  private readonly open = new Map<string, number>();

  constructor(private readonly perHost: number) {}

  /** False (and nothing counted) when the host already has its share. */
  tryOpen(host: string): boolean {
    const n = this.open.get(host) ?? 0;
    if (n >= this.perHost) return false;
    this.open.set(host, n + 1);
    return true;
  }

  close(host: string): void {
    const n = (this.open.get(host) ?? 1) - 1;
    if (n <= 0) this.open.delete(host);
    else this.open.set(host, n);
  }
}

/**
 * A token bucket per host: `perMinute` events a minute, with bursts up to that many. Hosts idle
 * for a minute (their bucket full again) are forgotten once many are tracked.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perMinute: number) {}

  take(host: string, now = Date.now()): boolean {
    if (this.perMinute <= 0) return true;
    const bucket = this.refill(host, now);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    if (this.buckets.size > 10_000) this.forgetIdle(now);
    return true;
  }

  /** True when `host` has used up its share for now (without using any). */
  exhausted(host: string, now = Date.now()): boolean {
    return this.perMinute > 0 && this.buckets.has(host) && this.refill(host, now).tokens < 1;
  }

  private refill(host: string, now: number): { tokens: number; at: number } {
    const bucket = this.buckets.get(host) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + ((now - bucket.at) * this.perMinute) / 60_000);
    bucket.at = now;
    this.buckets.set(host, bucket);
    return bucket;
  }

  private forgetIdle(now: number): void {
    for (const [host, b] of this.buckets) if (now - b.at > 60_000) this.buckets.delete(host);
  }
}

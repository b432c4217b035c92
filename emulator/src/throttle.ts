import type { ThrottleOptions } from './config';

export type ThrottleDecision =
  | { ok: true; release: () => void }
  | { ok: false; retryAfterSeconds: number; code: string; message: string };

interface Window { start: number; count: number }

/** How much looser the app-wide directory limit is than the per-mailbox one. */
const DIRECTORY_FACTOR = 10;

/**
 * Exchange Online's per app+mailbox limits: concurrent requests, and requests per window
 * (https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits). Windows are
 * scaled by timeScale; Retry-After stays a whole number of seconds, at least 1.
 */
export class Throttler {
  private readonly inFlight = new Map<string, number>();
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly opts: ThrottleOptions | false,
    private readonly timeScale: number,
  ) {}

  acquire(key: string, scope: 'mailbox' | 'directory'): ThrottleDecision {
    if (!this.opts) return { ok: true, release: () => {} };
    const now = Date.now();
    const windowMs = this.opts.windowSeconds * 1000 * this.timeScale;
    const limit = scope === 'mailbox' ? this.opts.requestsPerWindow : this.opts.requestsPerWindow * DIRECTORY_FACTOR;
    const active = this.inFlight.get(key) ?? 0;
    if (scope === 'mailbox' && active >= this.opts.concurrency) {
      return { ok: false, retryAfterSeconds: 1, code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' };
    }
    let w = this.windows.get(key);
    if (!w || now - w.start >= windowMs) {
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    if (w.count >= limit) {
      const retryAfterSeconds = Math.max(1, Math.ceil((w.start + windowMs - now) / 1000));
      return { ok: false, retryAfterSeconds, code: 'TooManyRequests', message: 'Too many requests. Application is over its MailboxRequests limit; retry after the time given in Retry-After.' };
    }
    w.count++;
    this.inFlight.set(key, active + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight.set(key, (this.inFlight.get(key) ?? 1) - 1);
      },
    };
  }
}

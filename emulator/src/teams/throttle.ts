import { GraphError } from '../graph/errors';
import type { TeamsLimits } from './model';

/**
 * Per-second windows of the Teams service limits (model.ts TeamsLimits): one per app for the
 * export APIs, one per app and team. Over a limit: 429 TooManyRequests with Retry-After.
 */
export class TeamsThrottle {
  private readonly windows = new Map<string, { second: number; count: number }>();

  constructor(private readonly limits: () => TeamsLimits) {}

  take(appId: string, teamId: string | null): void {
    const l = this.limits();
    this.count(`app|${appId}`, l.exportPerSecond);
    if (teamId) this.count(`team|${appId}|${teamId}`, l.perTeamPerSecond);
  }

  private count(key: string, limit: number): void {
    const second = Math.floor(Date.now() / 1000);
    const w = this.windows.get(key);
    if (!w || w.second !== second) {
      this.windows.set(key, { second, count: 1 });
      return;
    }
    if (w.count >= limit) throw new GraphError(429, 'TooManyRequests', 'Too many requests: the Teams service limit for this app was reached.', { 'retry-after': '1' });
    w.count++;
  }
}

import { owePending } from '../store/pending';
import type { CrawlContext } from './context';
import type { MessageOutcome, Offered } from './process-message';

/** How failed downloads are retried: after `baseMs`, doubling, up to `maxAttempts` failures in all. */
export interface RetryPolicy {
  baseMs: number;
  maxAttempts: number;
  /** How long a mailbox waits at its end for retries that fall due soon, rather than leave them to the next run. */
  waitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 60_000, maxAttempts: 8, waitMs: 120_000 };
/** No retry waits longer than this, however many attempts failed. */
const MAX_DELAY_MS = 6 * 3_600_000;

/** When the next attempt is due after `attempts` failures; null once the cap is reached. */
export function nextAttemptAt(policy: RetryPolicy, attempts: number, now = Date.now()): Date | null {
  if (attempts >= policy.maxAttempts) return null;
  return new Date(now + Math.min(MAX_DELAY_MS, policy.baseMs * 2 ** Math.max(0, attempts - 1)));
}

/**
 * A message whose download failed: owed in the pending work, due again on the schedule, or
 * failed for good once it has failed `maxAttempts` times (then an error of the run, naming it).
 */
export async function owe(ctx: CrawlContext, { folder, msg }: Offered, error: string): Promise<MessageOutcome> {
  const item = await owePending(
    ctx.store.conn,
    {
      profileId: ctx.profileId,
      mailboxId: ctx.mailbox.id,
      messageId: msg.id!,
      folderId: folder.id,
      folderPath: folder.path,
      receivedAt: msg.receivedDateTime ? new Date(msg.receivedDateTime) : ctx.now,
      subject: msg.subject ?? undefined,
      lastError: error.slice(0, 500),
    },
    (attempts) => nextAttemptAt(ctx.retry, attempts),
  );
  if (item.dueAt) {
    ctx.retries.due(item.dueAt);
    return { counts: { deferred: 1 }, state: 'owed' };
  }
  const subject = item.subject ? ` “${item.subject}”` : '';
  return { counts: { failed: 1 }, state: 'failed', error: `failed for good after ${item.attempts} attempts${subject}: ${error}` };
}

/** When this mailbox's next owed download falls due, as far as this crawl knows. */
export class RetryClock {
  private next: number | null;

  constructor(first: Date | null) {
    this.next = first?.getTime() ?? null;
  }

  due(at: Date): void {
    this.next = this.next === null ? at.getTime() : Math.min(this.next, at.getTime());
  }

  /** Milliseconds until the next retry is due (0 if due now), null when none is owed. */
  wait(now = Date.now()): number | null {
    return this.next === null ? null : Math.max(0, this.next - now);
  }

  /** After due work was handled: what is still owed sets the clock again through `due`. */
  reset(): void {
    this.next = null;
  }
}

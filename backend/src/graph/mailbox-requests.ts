import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { Limiter } from '../limiter';

/**
 * What every Graph request that reaches a mailbox's Outlook data goes through, whoever sends it
 * (the crawl, a restore, the directory sync's mailbox settings):
 *
 * - `Prefer: IdType="ImmutableId"`: Exchange gives an item a new id when it moves to another
 *   folder unless the request asks for immutable ids, and ids the archive keeps (pending work, a
 *   message's source, a restore target) must survive moves
 *   (https://learn.microsoft.com/en-us/graph/outlook-immutable-id). Also on every part of a `$batch`.
 * - One concurrency limit per mailbox for the whole process: Exchange allows an app 4 concurrent
 *   requests per mailbox and answers more with 429 MailboxConcurrency; it runs up to 4 parts of a
 *   `$batch` at once, so a batch takes min(parts, 4) of its mailbox's slots
 *   (https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits). A slot is
 *   held until the response body is read, as Exchange counts the request until then.
 */
export const MAILBOX_CONCURRENCY = 4;
const IMMUTABLE = 'IdType="ImmutableId"';
/** Outlook resources of a user; `/users/{id}` itself is a directory object. */
const OUTLOOK_SEGMENTS = new Set(['messages', 'mailfolders', 'mailboxsettings', 'inferenceclassification', 'outlook']);

const slots = new Map<string, Limiter>();
/**
 * Mailboxes whose requests take another mailbox's slots: an online archive its owner's. Graph's
 * limits are "per app ID and mailbox combination" and its docs do not say whether an archive
 * mailbox counts apart from its owner's, so the archive shares the owner's 4 (never over the limit).
 */
const slotOwners = new Map<string, string>();
export function shareSlots(mailbox: string, owner: string): void {
  slotOwners.set(mailbox.toLowerCase(), owner.toLowerCase());
}
/** The mailbox whose slots a request to `addressed` takes. */
const slotKey = (addressed: string) => slotOwners.get(addressed) ?? addressed;
const slotsOf = (mailbox: string) => {
  let limiter = slots.get(mailbox);
  if (!limiter) slots.set(mailbox, (limiter = new Limiter(MAILBOX_CONCURRENCY)));
  return limiter;
};

/**
 * What a Graph URL (absolute, or relative as in a batch part) addresses: `users/{id}/…`,
 * `groups/{id}/…` or `teams/{id}/…`, also in the key syntax links may use (`users('{id}')/…`),
 * with the resource segment after the id.
 */
function addressed(url: string): { collection: string; id: string; segment: string | undefined } | null {
  const path = url.replace(/^https?:\/\/[^/]+/i, '').replace(/^\/?(v1\.0|beta)\//i, '/').split('?')[0]!;
  const m = /^\/?(users|groups|teams)(?:\/([^/]+)|\('([^']+)'\))(?:\/([^/(]+))?/i.exec(path);
  if (!m) return null;
  return { collection: m[1]!.toLowerCase(), id: decodeURIComponent(m[2] ?? m[3]!).toLowerCase(), segment: m[4]?.toLowerCase() };
}

/** The mailbox a Graph URL addresses, if an Outlook resource: `users/{id}/messages…`. */
export function mailboxOf(url: string): string | null {
  const a = addressed(url);
  return a?.collection === 'users' && a.segment !== undefined && OUTLOOK_SEGMENTS.has(a.segment) ? a.id : null;
}

/** The user, group or team a Graph URL addresses (any resource of it). */
export function principalOf(url: string): string | null {
  return addressed(url)?.id ?? null;
}

interface BatchPart {
  url?: string;
  headers?: Record<string, string>;
}

/** The URL a middleware's request goes to. */
export const requestUrl = (context: Context): string => (typeof context.request === 'string' ? context.request : context.request.url);

/** A `$batch` request's JSON body, parsed; null for any other request (or a body that is not JSON). */
export function batchBody(context: Context): { requests?: BatchPart[] } | null {
  const body = context.options?.body;
  if (!/\/\$batch(\?|$)/.test(requestUrl(context)) || typeof body !== 'string') return null;
  try {
    return JSON.parse(body) as { requests?: BatchPart[] };
  } catch {
    return null;
  }
}

export class MailboxRequestHandler implements Middleware {
  private next: Middleware | undefined;

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const weights = new Map<string, number>();
    const single = mailboxOf(requestUrl(context));
    if (single) {
      preferImmutable(context);
      weights.set(slotKey(single), 1);
    } else {
      for (const [mailbox, parts] of batchParts(context)) weights.set(mailbox, Math.min(parts, MAILBOX_CONCURRENCY));
    }
    // Taken in one order (sorted), so two batches spanning the same mailboxes never deadlock.
    const releases: (() => void)[] = [];
    for (const mailbox of [...weights.keys()].sort()) releases.push(await slotsOf(mailbox).acquire(weights.get(mailbox)));
    const release = () => releases.forEach((r) => r());
    try {
      await this.next!.execute(context);
    } catch (err) {
      release();
      throw err;
    }
    context.response = releasingAfterBody(context.response, release);
  }
}

/** Adds the immutable-id preference to a request's `Prefer` header, keeping what it prefers already. */
function preferImmutable(context: Context): void {
  const options = (context.options ??= {});
  const headers = options.headers;
  if (headers instanceof Headers) {
    headers.set('Prefer', withImmutable(headers.get('Prefer')));
    return;
  }
  const record = { ...(headers as Record<string, string> | undefined) };
  const key = Object.keys(record).find((k) => k.toLowerCase() === 'prefer') ?? 'Prefer';
  record[key] = withImmutable(record[key] ?? null);
  options.headers = record;
}

function withImmutable(prefer: string | null): string {
  if (prefer && /IdType\s*=/i.test(prefer)) return prefer;
  return prefer ? `${prefer}, ${IMMUTABLE}` : IMMUTABLE;
}

/** A `$batch`'s mailbox → number of parts, and the immutable-id preference added to every mail part. */
function batchParts(context: Context): Map<string, number> {
  const counts = new Map<string, number>();
  const parsed = batchBody(context);
  if (!parsed) return counts;
  for (const part of parsed.requests ?? []) {
    const addressed = part.url ? mailboxOf(part.url) : null;
    if (!addressed) continue;
    const mailbox = slotKey(addressed);
    counts.set(mailbox, (counts.get(mailbox) ?? 0) + 1);
    const headers = { ...part.headers };
    const key = Object.keys(headers).find((k) => k.toLowerCase() === 'prefer') ?? 'Prefer';
    headers[key] = withImmutable(headers[key] ?? null);
    part.headers = headers;
  }
  context.options!.body = JSON.stringify(parsed);
  return counts;
}

const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * Gives the slots back once the body has been read, cancelled or has failed. An error answer is
 * read by the SDK only sometimes (never for a streamed request), so it gives them back at once.
 */
function releasingAfterBody(response: Response | undefined, release: () => void): Response | undefined {
  if (!response?.body || !response.ok || NO_BODY.has(response.status)) {
    release();
    return response;
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          release();
          controller.close();
        } else controller.enqueue(value);
      } catch (err) {
        release();
        controller.error(err);
      }
    },
    async cancel(reason) {
      release();
      await reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

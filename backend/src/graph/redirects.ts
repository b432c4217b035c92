import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { requestUrl } from './mailbox-requests';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_HOPS = 5;

/** A redirect Graph answered towards a host that is not the configured Graph host: not followed. */
export class ForeignRedirectError extends Error {
  /** The Graph client reports an error's name as its code. */
  override readonly name = 'ForeignRedirectRefused';
  constructor(status: number, location: string) {
    super(`Graph answered ${status} to ${safeOrigin(location)}, which is not the configured Graph host; not followed (the access token is never sent there)`);
  }
}

/**
 * Follows redirects itself instead of letting fetch do it. Online archive mailboxes answer reads
 * and delta of a folder whose content lives in an auxiliary archive with 308 Permanent Redirect
 * and the URL to use in `Location`; the docs require "an HTTP client that can handle redirects
 * without automatically forwarding credentials to an untrusted host"
 * (https://learn.microsoft.com/en-us/graph/archive-mailbox-mail-api,
 * https://learn.microsoft.com/graph/handle-archive-mailbox-redirects). So a redirect is followed,
 * with the bearer token, only to the configured Graph host over HTTPS; anywhere else it fails
 * before anything is sent. Sits below the auth and retry handlers: a followed request that is
 * throttled is retried at its new address.
 */
export class GraphRedirectHandler implements Middleware {
  private next: Middleware | undefined;
  constructor(private readonly graphHost: string) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    context.options = { ...context.options, redirect: 'manual' };
    for (let hop = 0; ; hop++) {
      await this.next!.execute(context);
      const response = context.response;
      const location = response?.headers.get('location');
      if (!response || !REDIRECTS.has(response.status) || !location) return;
      const current = requestUrl(context);
      const target = new URL(location, current);
      if (target.protocol !== 'https:' || target.host !== this.graphHost) throw new ForeignRedirectError(response.status, target.href);
      if (hop >= MAX_HOPS) throw new Error(`Graph redirected more than ${MAX_HOPS} times from ${current}`);
      await response.body?.cancel();
      context.request = target.href;
    }
  }
}

function safeOrigin(location: string): string {
  try {
    return new URL(location).origin;
  } catch {
    return 'an invalid URL';
  }
}

import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { graphRequests, graphRetries, graphThrottled } from './index';

/**
 * The kind of mailbox the Graph calls made inside `inMailboxClass` are for (user, shared, …):
 * Exchange throttles per mailbox, so 429s are read per class. Calls outside one (directory sync,
 * restores) count as `tenant`.
 */
const mailboxClass = new AsyncLocalStorage<string>();

export function inMailboxClass<T>(cls: string, work: () => Promise<T>): Promise<T> {
  return mailboxClass.run(cls, work);
}

/** Counts every request the chain sends; sits right before the HTTP handler, so each attempt passes it. */
export class GraphMetricsHandler implements Middleware {
  private next: Middleware | undefined;

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const cls = mailboxClass.getStore() ?? 'tenant';
    if (isRetry(context)) graphRetries.inc({ mailbox_class: cls });
    try {
      await this.next!.execute(context);
    } catch (err) {
      graphRequests.inc({ mailbox_class: cls, status: 'network' });
      throw err;
    }
    const status = context.response?.status ?? 0;
    graphRequests.inc({ mailbox_class: cls, status: String(status) });
    if (status === 429) graphThrottled.inc({ mailbox_class: cls });
  }
}

/** The SDK's RetryHandler marks a request it sends again with Retry-Attempt. */
function isRetry(context: Context): boolean {
  if (context.request instanceof Request) return context.request.headers.has('Retry-Attempt');
  const headers = context.options?.headers;
  if (headers instanceof Headers) return headers.has('Retry-Attempt');
  if (Array.isArray(headers)) return headers.some(([name]) => name.toLowerCase() === 'retry-attempt');
  return headers !== undefined && Object.keys(headers).some((name) => name.toLowerCase() === 'retry-attempt');
}

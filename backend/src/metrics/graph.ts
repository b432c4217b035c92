import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { batchBody, principalOf, requestUrl } from '../graph/mailbox-requests';
import { graphRequests, graphRetries, graphThrottled } from './index';

/**
 * The kind of each mailbox, group or user (user, shared, group, …) a job works on: Exchange
 * throttles per mailbox, so 429s are read per class. A request counts under the class of the
 * principal its URL addresses (`/users/{id}/…`, `/groups/{id}/…`, `/teams/{id}/…`; a `$batch` by
 * its first part's); requests for no classed principal (the directory sync's listings) count as
 * `tenant`. One entry per principal a job has started on: bounded by the tenant.
 *
 * Not an AsyncLocalStorage around the job: on Node 20 one `run` turns on promise hooks for the
 * whole process, and every promise then pays for them (a promise-heavy loop ran 2.5× slower;
 * the hooks took about 3 % of the archive benchmark's backend CPU, and more in garbage).
 */
const classes = new Map<string, string>();

export function classifyPrincipal(id: string, cls: string): void {
  classes.set(id.toLowerCase(), cls);
}

function classOf(context: Context): string {
  const batch = batchBody(context);
  const url = batch ? batch.requests?.[0]?.url : requestUrl(context);
  const id = url ? principalOf(url) : null;
  return (id && classes.get(id)) ?? 'tenant';
}

/** Counts every request the chain sends; sits right before the HTTP handler, so each attempt passes it. */
export class GraphMetricsHandler implements Middleware {
  private next: Middleware | undefined;

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const cls = classOf(context);
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

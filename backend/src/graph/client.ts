import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  RetryHandler,
  RetryHandlerOptions,
  type AuthenticationProvider,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { GraphMetricsHandler } from '../metrics/graph';
import { MailboxRequestHandler } from './mailbox-requests';
import { GraphRedirectHandler } from './redirects';
import type { TokenSource } from './token';

/** Retries beyond the SDK default (3): a tenant-wide crawl rides out long throttling storms. */
const MAX_RETRIES = 10;
const MAX_NETWORK_RETRIES = 6;

/**
 * The SDK's RetryHandler covers 429/503/504 with Retry-After, but a dropped connection makes
 * fetch throw, which it never retries. This middleware sits right before the HTTP handler and
 * retries such resets with exponential backoff and full jitter.
 */
class NetworkRetryHandler implements Middleware {
  private next: Middleware | undefined;
  constructor(private readonly baseDelayMs: number) {}
  setNext(next: Middleware): void {
    this.next = next;
  }
  async execute(context: Context): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.next!.execute(context);
      } catch (err) {
        if (attempt >= MAX_NETWORK_RETRIES || !isTransientNetworkError(err) || !isReplayable(context)) throw err;
        await sleep(Math.random() * this.baseDelayMs * 2 ** attempt);
      }
    }
  }
}

function isReplayable(context: Context): boolean {
  const body = context.options?.body;
  return body === undefined || body === null || typeof body === 'string';
}

export function isTransientNetworkError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code ?? '';
  return (
    ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'].includes(code) ||
    /fetch failed|socket hang up|other side closed/i.test(err.message)
  );
}

/**
 * For `$value`: a gateway timeout (Graph answers 504 now and then for large items) is retried
 * once here, then the message stays owed and is retried on a schedule (archiving/retries.ts)
 * instead of holding a mailbox slot through ten growing SDK delays. Throttling is retried as for
 * any request, honouring Retry-After.
 */
export const downloadRetryOptions = () =>
  new RetryHandlerOptions(1, MAX_RETRIES, (_delay, attempt, _request, _options, response) => response.status !== 504 || attempt < 1);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface GraphClientOptions {
  baseUrl: string;
  tokens: TokenSource;
  networkRetryBaseMs?: number;
}

/** The beta twin of each client createGraphClient made (see betaGraph). */
const betaTwins = new WeakMap<Client, Client>();

export function createGraphClient({ baseUrl, tokens, networkRetryBaseMs = 250 }: GraphClientOptions): Client {
  const authProvider: AuthenticationProvider = { getAccessToken: () => tokens.graphToken() };
  const host = new URL(baseUrl).host;
  const chain: Middleware[] = [
    new AuthenticationHandler(authProvider),
    new RetryHandler(new RetryHandlerOptions(1, MAX_RETRIES)),
    new GraphRedirectHandler(host),
    new NetworkRetryHandler(networkRetryBaseMs),
    new MailboxRequestHandler(),
    new GraphMetricsHandler(),
    new HTTPMessageHandler(),
  ];
  // The SDK attaches the bearer token only to hosts it knows; a configured Graph host (national
  // cloud, emulator) must be listed or requests go out unauthenticated.
  const options = { baseUrl: `${baseUrl}/`, middleware: chain, customHosts: new Set([new URL(baseUrl).hostname]) };
  const client = Client.initWithMiddleware(options);
  betaTwins.set(client, Client.initWithMiddleware({ ...options, defaultVersion: 'beta' }));
  return client;
}

/**
 * The same client (token, retries, per-mailbox slots) on Graph's beta endpoint: relative paths
 * go to `/beta`. Online archive mailboxes are reachable through the beta mail API only
 * (https://learn.microsoft.com/en-us/graph/archive-mailbox-mail-api).
 */
export function betaGraph(client: Client): Client {
  const beta = betaTwins.get(client);
  if (!beta) throw new Error('betaGraph: the client was not made by createGraphClient');
  return beta;
}

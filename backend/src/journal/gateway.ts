import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config';
import { ConfigError } from '../config';
import type { Logger } from '../log';
import type { Store } from '../store';
import { ANY_SENDER_PROBLEM, acceptsAnySender } from './gateway-limits';
import { sessionHandlers } from './gateway-session';

/**
 * The journal gateway: Exchange Online's journal rules send their reports here by SMTP. A report
 * is answered 250 only once it is durably in the database (gateway-receive.ts); anything that
 * fails before that is answered 4xx, and the sender tries again.
 */
export interface GatewayOptions {
  port: number;
  host: string;
  name?: string;
  tls: { key: Buffer; cert: Buffer } | null;
  requireTls: boolean;
  auth: 'off' | 'optional' | 'required';
  maxBytes: number;
  maxConnections: number;
  maxConnectionsPerHost: number;
  /** Messages per minute per host; 0 = unlimited. */
  ratePerMinute: number;
  /** Reports accepted and not yet filed from which senders are held (back-pressure.ts); 0 = never. */
  backlogLimit: number;
  allowedHosts: string[];
  /** Names a client certificate must carry (see SMTP_TLS_CLIENT_NAMES); empty = none asked for. */
  clientNames: string[];
  /** CAs client certificates must chain to; null = Node's public roots. */
  clientCa: Buffer | null;
  /** Lab only: start without any check of who sends (SMTP_INSECURE_ACCEPT_ANY). */
  insecureAcceptAny: boolean;
}

export interface RunningGateway {
  port: number;
  close(): Promise<void>;
}

/** Reads the certificate files named by the configuration; a problem names its variable. */
export function gatewayOptions(config: Config): GatewayOptions {
  const read = (name: 'SMTP_TLS_CERT' | 'SMTP_TLS_KEY' | 'SMTP_TLS_CLIENT_CA') => {
    try {
      return readFileSync(config[name]!);
    } catch (err) {
      throw new ConfigError([`${name} cannot be read: ${(err as Error).message}`]);
    }
  };
  const tls = config.SMTP_TLS_CERT && config.SMTP_TLS_KEY ? { cert: read('SMTP_TLS_CERT'), key: read('SMTP_TLS_KEY') } : null;
  return {
    port: config.SMTP_PORT,
    host: config.SMTP_HOST,
    name: config.SMTP_NAME,
    tls,
    requireTls: config.SMTP_REQUIRE_TLS ?? tls !== null,
    auth: tls ? config.SMTP_AUTH : 'off',
    maxBytes: config.SMTP_MAX_BYTES,
    maxConnections: config.SMTP_MAX_CONNECTIONS,
    maxConnectionsPerHost: config.SMTP_MAX_CONNECTIONS_PER_HOST,
    ratePerMinute: config.SMTP_RATE_LIMIT,
    backlogLimit: config.SMTP_BACKLOG_LIMIT,
    allowedHosts: config.SMTP_ALLOWED_HOSTS,
    clientNames: config.SMTP_TLS_CLIENT_NAMES,
    clientCa: config.SMTP_TLS_CLIENT_CA ? read('SMTP_TLS_CLIENT_CA') : null,
    insecureAcceptAny: config.SMTP_INSECURE_ACCEPT_ANY,
  };
}

export async function startJournalGateway(deps: { store: Store; log: Logger }, opts: GatewayOptions): Promise<RunningGateway> {
  if (acceptsAnySender(opts) && !opts.insecureAcceptAny) throw new ConfigError([`SMTP_PORT ${ANY_SENDER_PROBLEM}`]);
  if (opts.clientNames.length > 0 && !opts.tls) throw new ConfigError(['SMTP_TLS_CLIENT_NAMES needs SMTP_TLS_CERT and SMTP_TLS_KEY']);
  const log = deps.log.child({ component: 'journal-gateway' });
  const handlers = sessionHandlers(deps.store, log, opts);
  const { SMTPServer } = await import('smtp-server'); // loaded only where the gateway runs (build.ts: LOADED_ON_FIRST_USE)
  const server = new SMTPServer({
    name: opts.name,
    banner: 'M365 Archive journal gateway',
    ...(opts.tls ?? {}),
    // A client certificate is asked for, never demanded in the handshake: a sender without the
    // right one gets an SMTP answer that says why (gateway-session.ts), not a broken connection.
    ...(opts.tls && opts.clientNames.length > 0 ? { requestCert: true, rejectUnauthorized: false, ...(opts.clientCa ? { ca: opts.clientCa } : {}) } : {}),
    disabledCommands: handlers.disabledCommands,
    authOptional: opts.auth !== 'required',
    authMethods: ['PLAIN', 'LOGIN'],
    // Our replies carry their own enhanced codes (5.1.1, 4.3.0, …); the server's would add a second.
    hideENHANCEDSTATUSCODES: true,
    size: opts.maxBytes,
    maxClients: opts.maxConnections,
    disableReverseLookup: !handlers.allow.needsHostnames,
    socketTimeout: 60_000,
    closeTimeout: 10_000,
    logger: false,
    ...handlers.callbacks,
  });
  server.on('error', (err) => log.warn({ err }, 'SMTP connection error'));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;
  log.info({ host: opts.host, port, tls: Boolean(opts.tls), requireTls: opts.requireTls, auth: opts.auth, clientNames: opts.clientNames }, 'journal gateway listening');
  if (opts.insecureAcceptAny && acceptsAnySender(opts)) log.warn('SMTP_INSECURE_ACCEPT_ANY: anyone who reaches the gateway can file reports into any archive');
  let closing: Promise<void> | undefined;
  const close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    handlers.writer.close();
  };
  return { port, close: () => (closing ??= close()) };
}

import { hostname } from 'node:os';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { Config } from '../config';
import { fetchAuthorityMetadata } from '../graph/authority';
import { createGraphClient } from '../graph/client';
import { createTokenSource } from '../graph/token';
import type { Caller } from '../access/caller';
import type { Logger } from '../log';
import type { Store } from '../store';

/** Who an operator at this machine is in the audit trail: an administrator named after the login and host. */
export function cliCaller(config: Pick<Config, 'TENANT_ID'>, name: string): Caller {
  return { oid: `cli:${hostname()}`, tenantId: config.TENANT_ID, upn: `${process.env.USER ?? 'operator'}@${hostname()}`, name, roles: new Set(['admin']) };
}

/** A command's input is wrong: usage exit code (2), message printed as it is. */
export class UsageError extends Error {}

export interface CliContext {
  config: Config;
  log: Logger;
  store: Store;
  caller: Caller;
  /** The app's Graph client, signed in on first use (only sync needs it). */
  graph(): Promise<Client>;
  out(line: string): void;
  json: boolean;
}

export function graphFor(config: Config, log: Logger): () => Promise<Client> {
  let client: Promise<Client> | undefined;
  return () =>
    (client ??= fetchAuthorityMetadata(config.authority, config.TENANT_ID).then((metadata) =>
      createGraphClient({ baseUrl: config.GRAPH_BASE_URL, tokens: createTokenSource(config, metadata, log) }),
    ));
}

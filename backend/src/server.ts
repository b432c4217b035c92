import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import { fetchAuthorityMetadata } from './graph/authority';
import { createGraphClient } from './graph/client';
import { createTokenSource } from './graph/token';
import { createApp } from './http/app';
import type { Logger } from './log';
import { openStore } from './store';

export interface RunningBackend {
  url: string;
  close(): Promise<void>;
}

/** Wires config → store, Microsoft clients and HTTP; the one place that knows every module. */
export async function startBackend(config: Config, log: Logger): Promise<RunningBackend> {
  const store = await openStore({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB });
  const metadata = await fetchAuthorityMetadata(config.authority, config.TENANT_ID);
  const tokens = createTokenSource(config, metadata, log);
  createGraphClient({ baseUrl: config.GRAPH_BASE_URL, tokens });

  const app = createApp({
    log,
    auth: {
      issuer: metadata.issuer,
      audiences: config.apiAudiences,
      jwksUri: metadata.jwks_uri,
      tenantId: config.TENANT_ID,
      adminUsers: config.ADMIN_USERS,
    },
    readiness: {
      database: () => store.ping(),
      microsoftGraphToken: async () => void (await tokens.graphToken()),
    },
  });

  const server = app.listen(config.PORT, config.HOST);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}`;
  log.info({ url }, 'backend listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await store.close();
      })()),
  };
}

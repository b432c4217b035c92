import type { Client } from '@microsoft/microsoft-graph-client';
import type { Config } from './config';
import type { Logger } from './log';
import type { Store } from './store';

/** What services and routes receive: the store, the app's Graph client, the logger, the config. */
export interface ServiceDeps {
  store: Store;
  graph: Client;
  log: Logger;
  config: Config;
}

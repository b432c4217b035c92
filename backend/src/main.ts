import { ConfigError, loadConfig } from './config';
import { createLogger } from './log';
import { startBackend } from './server';

/** Process entry: clear start-up errors, graceful shutdown on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.LOG_LEVEL);
  const backend = await startBackend(config, log);
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    backend.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(`Backend failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

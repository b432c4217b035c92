import { getHeapStatistics } from 'node:v8';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './log';
import { missingMemorySettings } from './memory-env';
import { startBackend } from './server';
import { SchemaError } from './upgrade';

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
  const missing = process.platform === 'linux' ? missingMemorySettings(process.env, getHeapStatistics().heap_size_limit) : [];
  if (missing.length > 0) log.warn({ missing }, 'started without the memory settings of backend/src/memory-env.ts (README): a busy archiving process will hold a few hundred MB more');
  const backend = await startBackend(config, log);
  // Stopped already; an exit code of its own so that a supervisor can tell it from a crash.
  void backend.outdated.then(() => process.exit(EXIT_OUTDATED));
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

/** The database belongs to a newer release (at start, or since): this process must not run against it. */
const EXIT_OUTDATED = 3;

main().catch((err: unknown) => {
  console.error(`Backend failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(err instanceof SchemaError && err.code === 'DATABASE_NEWER' ? EXIT_OUTDATED : 1);
});

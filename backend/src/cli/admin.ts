/**
 * `npm run admin -- <command>`: what an operator does without a browser, through the same
 * services as the API, as an administrator named after the login and host in the audit trail.
 * Runs with the backend's environment (MONGODB_URI, TENANT_ID, …). Exit codes: 0 done, 1 done
 * but something is wrong (a failed run, a damaged message, a failing mailbox), 2 bad usage or
 * configuration, 3 the database's schema does not match this release.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../log';
import { openStore } from '../store';
import { CODE_SCHEMA, FIRST_SCHEMA } from '../store/migrations';
import { holdsUnversionedData, readSchema } from '../store/migrations/schema';
import { SchemaError } from '../upgrade';
import * as commands from './commands';
import { cliCaller, graphFor, UsageError, type CliContext } from './context';

const USAGE = `usage: npm run admin -- <command> [options]

  status                         schema, running processes, backlog, profiles, database growth
  sync                           synchronise the directory from Entra ID now
  run <profile> [--wait]         start a run of a profile (name or id); --wait: until it ends
  runs [--limit N]               the newest runs with their counts
  verify [--every N]             read stored messages back against their SHA-256 (every N-th with --every)
  grant <grantee> <archive> [--rights read,export,restore]
                                 let a person use another archive (default: read)
  export <archive> --out <file> [--format mbox|zip] [--folder <path>]
                                 a whole archive, or one folder with its subfolders
  backup <dir>                   a portable copy of the whole database (gzipped Extended JSON)
  restore <dir>                  a backup into the (empty) database MONGODB_DB names
  migrate                        upgrade the database to this release's schema and exit

options: --json (machine-readable output), --help
exit codes: 0 done, 1 done but something is wrong, 2 bad usage or configuration, 3 schema mismatch`;

const COMMANDS: Record<string, commands.Command> = {
  status: commands.status,
  sync: commands.sync,
  run: commands.run,
  runs: commands.runs,
  verify: commands.verify,
  grant: commands.grant,
  export: commands.exportArchive,
  backup: commands.backup,
  restore: commands.restore,
  migrate: commands.migrate,
};
/** What may run against a database of another schema: looking, copying, and the upgrade itself. */
const ANY_SCHEMA = new Set(['status', 'backup', 'restore', 'migrate']);

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean' }, help: { type: 'boolean' }, wait: { type: 'boolean' },
      limit: { type: 'string' }, every: { type: 'string' }, rights: { type: 'string' },
      out: { type: 'string' }, format: { type: 'string' }, folder: { type: 'string' }, 'poll-ms': { type: 'string' },
    },
  });
  const [name, ...args] = positionals;
  const command = name ? COMMANDS[name] : undefined;
  if (values.help || !command) {
    (values.help ? process.stdout : process.stderr).write(`${name && !command ? `unknown command "${name}"\n\n` : ''}${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const config = loadConfig();
  const log = createLogger(process.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn');
  const store = await openStore({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB });
  try {
    if (!ANY_SCHEMA.has(name!)) await checkSchema(store);
    const ctx: CliContext = { config, log, store, caller: cliCaller(config, 'Admin CLI'), graph: graphFor(config, log), json: values.json === true, out: (line) => process.stdout.write(`${line}\n`) };
    return await command(ctx, args, values);
  } finally {
    await store.close();
  }
}

async function checkSchema(store: Awaited<ReturnType<typeof openStore>>): Promise<void> {
  // A database of the first release has data but no version document.
  const version = (await readSchema(store.db))?.version ?? ((await holdsUnversionedData(store.db)) ? FIRST_SCHEMA : CODE_SCHEMA);
  if (version === CODE_SCHEMA) return;
  throw new SchemaError(
    version > CODE_SCHEMA ? 'DATABASE_NEWER' : 'DATABASE_OLDER',
    version > CODE_SCHEMA
      ? `the database is at schema ${version}, newer than this release's ${CODE_SCHEMA}: use the newer release's CLI`
      : `the database is at schema ${version} and this release needs ${CODE_SCHEMA}: start the backend (it upgrades the database) or run \`npm run admin -- migrate\``,
  );
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${err instanceof ConfigError || err instanceof UsageError || err instanceof SchemaError ? message : `admin: ${message}`}\n`);
    process.exit(err instanceof SchemaError ? 3 : err instanceof ConfigError || err instanceof UsageError ? 2 : 1);
  },
);

import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { cliCaller } from '../cli/context';
import { startWorker } from '../jobs/worker';
import { createLogger } from '../log';
import { databaseWaitMs } from '../lease-renewal';
import { openStore } from '../store';
import { getArchiveUser } from '../store/directory';
import { getImport, getImportProgress, listImportNotes, type ImportSourceSpec } from '../store/imports';
import { getJob } from '../store/jobs';
import { controlImport, importHandler, startImport } from './service';
import { importView, type ImportView } from './view';

const USAGE = `usage: npm run import -- --archive <upn or archive id> [options] <file | folder | imap[s]://user@host[:port][/folder,folder]>
       npm run import -- --resume <import id>
options:
  --folder-prefix <path>   put every imported folder under this archive folder
  --mbox-format mboxo      mbox files quote only ">From " (default: mboxrd)
  --xoauth2                IMAP: the secret is an OAuth 2.0 access token
  --starttls               IMAP on a plain port upgraded with STARTTLS (imap:// is otherwise cleartext)
environment: MONGODB_URI and the backend's other settings; IMPORT_SECRET holds an IMAP password or
token, or a PST's password.`;

/**
 * The import CLI, for data centres where uploading through a browser is not an option: the same
 * import service and job as the Teams tab, run by this process's own worker (a job type only
 * CLIs on this host take, since the path is this machine's), with a progress bar on stderr.
 * Ctrl-C pauses; `--resume <id>` goes on from the checkpoint.
 */
async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { archive: { type: 'string' }, resume: { type: 'string' }, 'folder-prefix': { type: 'string', default: '' }, 'mbox-format': { type: 'string', default: 'mboxrd' }, xoauth2: { type: 'boolean' }, starttls: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help || (!values.resume && (!values.archive || positionals.length !== 1))) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const config = loadConfig();
  const log = createLogger(process.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn');
  const store = await openStore({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB, serverSelectionTimeoutMS: databaseWaitMs(config.JOB_LEASE_MS) });
  const jobType = `import-cli:${hostname()}`;
  const caller = cliCaller(config, 'Import CLI');
  try {
    const target = positionals[0];
    const resumed = values.resume ? await getImport(store.conn, values.resume) : null;
    if (values.resume && !resumed) throw new Error(`no import ${values.resume}`);
    const named = resumed ? (resumed.source.kind === 'path' ? resumed.source.path : null) : target && !/^imaps?:\/\//i.test(target) ? resolve(target) : null;
    // The operator at this machine may read any of its paths: the one named is allowed for this run.
    const folders = named ? [...config.IMPORT_ALLOWED_FOLDERS, (await stat(named)).isDirectory() ? named : dirname(named)] : config.IMPORT_ALLOWED_FOLDERS;
    const deps = { store, log, config: { ...config, IMPORT_ALLOWED_FOLDERS: folders } };
    let id: string;
    if (resumed) {
      id = resumed._id;
      await controlImport(deps, caller, resumed, 'resume');
    } else {
      const archive = await getArchiveUser(store.conn, values.archive!);
      if (!archive) throw new Error(`no archive for "${values.archive}" (run a directory sync first, or give the archive id)`);
      const source: ImportSourceSpec = named ? { kind: 'path', path: named } : imapSpec(target!, values);
      const imp = await startImport(deps, caller, {
        archiveId: archive._id,
        source,
        options: { mboxFormat: values['mbox-format'] === 'mboxo' ? 'mboxo' : 'mboxrd', folderPrefix: values['folder-prefix'] ?? '' },
        jobType,
        ...(process.env.IMPORT_SECRET ? { secret: process.env.IMPORT_SECRET } : {}),
      });
      id = imp._id;
      console.error(`import ${id}: ${imp.label} → archive ${archive.upn || archive._id}`);
    }
    const worker = startWorker({ store, logger: log, concurrency: 1, pollMs: 200, leaseMs: config.JOB_LEASE_MS, handlers: { [jobType]: importHandler(deps) } });
    let pausing = false;
    process.once('SIGINT', () => {
      pausing = true;
      void getImport(store.conn, id).then((imp) => imp && controlImport(deps, caller, imp, 'pause'));
    });
    const final = await watch(store, id, process.stderr);
    await worker.stop();
    await printNotes(store, id);
    if (pausing || final.state === 'paused') console.error(`paused; go on with: npm run import -- --resume ${id}`);
    return final.state === 'done' ? (final.messages.failed > 0 ? 1 : 0) : 3;
  } finally {
    await store.close();
  }
}

function imapSpec(url: string, values: { xoauth2?: boolean | undefined; starttls?: boolean | undefined }): ImportSourceSpec {
  const u = new URL(url);
  const implicit = u.protocol === 'imaps:';
  if (!process.env.IMPORT_SECRET) throw new Error('set IMPORT_SECRET to the IMAP password (or the access token with --xoauth2)');
  return {
    kind: 'imap',
    host: u.hostname,
    port: Number(u.port) || (implicit ? 993 : 143),
    tls: implicit ? 'implicit' : values.starttls ? 'starttls' : 'none',
    user: decodeURIComponent(u.username),
    auth: values.xoauth2 ? 'xoauth2' : 'password',
    folders: u.pathname.length > 1 ? u.pathname.slice(1).split(',').map(decodeURIComponent) : [],
    allowUntrusted: false,
  };
}

/** Polls the import until it stops, drawing the progress bar. */
async function watch(store: Awaited<ReturnType<typeof openStore>>, id: string, out: NodeJS.WriteStream): Promise<ImportView> {
  let lastLine = 0;
  for (;;) {
    const imp = (await getImport(store.conn, id))!;
    const view = importView(imp, await getImportProgress(store.conn, id), await getJob(store, imp.jobId));
    const finished = ['done', 'failed', 'cancelled', 'paused'].includes(view.state);
    if (out.isTTY) out.write(`\r${progressLine(view, out.columns ?? 100)}`);
    else if (finished || Date.now() - lastLine > 5000) {
      out.write(`${progressLine(view, 200)}\n`);
      lastLine = Date.now();
    }
    if (finished) {
      if (out.isTTY) out.write('\n');
      if (view.error) out.write(`error: ${view.error}\n`);
      return view;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

export function progressLine(v: ImportView, width: number): string {
  const fraction = v.bytes.total ? v.bytes.read / v.bytes.total : v.messages.total ? (v.messages.archived + v.messages.duplicate + v.messages.failed) / v.messages.total : null;
  const barWidth = 24;
  const filled = fraction === null ? 0 : Math.round(Math.min(1, fraction) * barWidth);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${fraction === null ? '' : ` ${Math.floor(fraction * 100)}%`}`;
  const m = v.messages;
  const left = v.secondsLeft === null ? '' : ` ${Math.floor(v.secondsLeft / 60)}:${String(v.secondsLeft % 60).padStart(2, '0')} left`;
  const line = `${bar} ${v.state} ${m.archived} archived, ${m.duplicate} already there, ${m.failed} failed · ${mb(v.bytes.read)}${v.bytes.total ? `/${mb(v.bytes.total)}` : ''} · ${v.rate.messagesPerSecond.toFixed(0)} msg/s ${mb(v.rate.bytesPerSecond)}/s${left}`;
  return line.slice(0, Math.max(20, width - 1)).padEnd(Math.max(20, width - 1));
}

async function printNotes(store: Awaited<ReturnType<typeof openStore>>, id: string): Promise<void> {
  const notes = await listImportNotes(store.conn, id, { limit: 50 });
  for (const n of notes) console.error(`${n.kind === 'failed' ? 'FAILED' : 'lossy '} ${n.where}: ${n.code} ${n.message}`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : `import failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);

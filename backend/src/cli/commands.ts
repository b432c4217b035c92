import { createWriteStream } from 'node:fs';
import { extname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { grantArchive, GrantInputError } from '../access/grant';
import { startRun } from '../archiving/runner';
import { getDirectorySettings } from '../directory/settings';
import { syncDirectory } from '../directory/sync';
import { operationsOverview } from '../operations/overview';
import { verifyArchive } from '../operations/verify';
import { selectForExport } from '../retrieval/export-select';
import { writeMbox, writeZip } from '../retrieval/export-write';
import { auditAccess } from '../retrieval/item-ref';
import { dumpStore, readManifest, restoreStore } from '../store/backup';
import { getArchiveUser } from '../store/directory';
import { GRANT_RIGHTS, type GrantRight } from '../store/grants';
import { CODE_SCHEMA } from '../store/migrations';
import { listProfiles } from '../store/profiles';
import { getRun, listRunMailboxes, MAILBOX_COUNTERS, type Run } from '../store/runs';
import { recentRuns } from '../store/stats';
import { upgradeDatabase } from '../upgrade';
import { UsageError, type CliContext } from './context';

/** Exit codes: 0 done, 1 done but something is wrong (a failed run, a damaged message), 2 bad input, 3 wrong schema. */
export type Command = (ctx: CliContext, args: string[], flags: Flags) => Promise<number>;
export type Flags = Record<string, string | boolean | undefined>;

const RUNNING = ['queued', 'running'];

export const sync: Command = async (ctx) => {
  const result = await syncDirectory(ctx.store.conn, await ctx.graph(), await getDirectorySettings(ctx.store.conn));
  ctx.out(ctx.json ? JSON.stringify(result) : `directory synchronised: ${JSON.stringify(result)}`);
  return 0;
};

export const run: Command = async (ctx, [name], flags) => {
  if (!name) throw new UsageError('run needs a profile name or id');
  const profiles = await listProfiles(ctx.store.conn);
  const profile = profiles.find((p) => p._id === name) ?? profiles.find((p) => p.name.toLowerCase() === name.toLowerCase());
  if (!profile) throw new UsageError(`no profile "${name}"; there are: ${profiles.map((p) => p.name).join(', ') || 'none'}`);
  const started = await startRun(ctx, profile._id, 'manual');
  ctx.out(ctx.json ? JSON.stringify({ runId: started._id }) : `run ${started._id} of "${profile.name}" queued`);
  if (!flags.wait) return 0;
  const overview = await operationsOverview(ctx.store, { days: 2 });
  if (!overview.processes.some((p) => p.roles.includes('workers'))) ctx.out('no backend process with workers is running: the run waits until one starts');
  for (;;) {
    const current = (await getRun(ctx.store.conn, started._id))!;
    if (!RUNNING.includes(current.status)) return printRun(ctx, current);
    await sleep(Number(flags['poll-ms'] ?? 1000));
  }
};

async function printRun(ctx: CliContext, run: Run): Promise<number> {
  const mailboxes = await listRunMailboxes(ctx.store.conn, run._id);
  const totals = Object.fromEntries(MAILBOX_COUNTERS.map((c) => [c, mailboxes.reduce((n, m) => n + (m[c] ?? 0), 0)]));
  if (ctx.json) ctx.out(JSON.stringify({ runId: run._id, status: run.status, mailboxes: mailboxes.length, totals }));
  else {
    ctx.out(`run ${run._id}: ${run.status}; ${mailboxes.length} mailboxes, ${totals.archived} archived, ${totals.alreadyArchived} already archived, ${totals.failed} failed`);
    for (const m of mailboxes.filter((m) => m.status !== 'done')) ctx.out(`  ${m.upn}: ${m.status} ${m.recentErrors.at(-1)?.reason ?? ''}`);
  }
  return run.status === 'succeeded' ? 0 : 1;
}

export const runs: Command = async (ctx, _args, flags) => {
  const list = await recentRuns(ctx.store.conn, Number(flags.limit ?? 10));
  if (ctx.json) ctx.out(JSON.stringify(list));
  for (const r of ctx.json ? [] : list) {
    const when = (r.finishedAt ?? r.startedAt ?? r.createdAt).toISOString();
    ctx.out(`${when}  ${r.status.padEnd(9)}  ${r.profileName}  ${r.mailboxCount} mailboxes, ${r.totals.archived} archived, ${r.totals.failed} failed  (${r._id})`);
  }
  return 0;
};

export const verify: Command = async (ctx, _args, flags) => {
  const report = await verifyArchive(ctx.store, { every: Number(flags.every ?? 1), onProgress: (n, total) => !ctx.json && process.stderr.write(`\rchecked ${n} of ${total}`) });
  if (ctx.json) ctx.out(JSON.stringify(report));
  else {
    if (report.checked >= 100) process.stderr.write('\n');
    ctx.out(`${report.checked} of ${report.blobs} stored messages read back and checked against their SHA-256: ${report.damaged.length} damaged; ${report.missing.length} archived items without their stored message`);
    for (const id of report.damaged) ctx.out(`  damaged: ${id}`);
    for (const id of report.missing) ctx.out(`  missing: ${id}`);
  }
  return report.damaged.length + report.missing.length > 0 ? 1 : 0;
};

export const grant: Command = async (ctx, [grantee, archive], flags) => {
  if (!grantee || !archive) throw new UsageError('grant needs a grantee and an archive');
  const rights = String(flags.rights ?? 'read').split(',').map((r) => r.trim());
  const unknown = rights.filter((r) => !GRANT_RIGHTS.includes(r as GrantRight));
  if (unknown.length > 0) throw new UsageError(`--rights: unknown ${unknown.join(', ')} (read, export, restore)`);
  const done = await grantArchive(ctx.store, ctx.caller, { grantee, archive, rights: rights as GrantRight[] }).catch((err: unknown) => {
    throw err instanceof GrantInputError ? new UsageError(err.message) : err;
  });
  ctx.out(`${done.grantee.upn} may now ${done.grant.rights.join(', ')} the archive of ${done.archive.upn}${done.created ? '' : ' (replacing an earlier grant)'}`);
  return 0;
};

export const exportArchive: Command = async (ctx, [name], flags) => {
  const out = typeof flags.out === 'string' ? flags.out : null;
  if (!name || !out) throw new UsageError('export needs an archive and --out <file.mbox|file.zip>');
  const format = typeof flags.format === 'string' ? flags.format : extname(out) === '.zip' ? 'zip' : 'mbox';
  if (format !== 'mbox' && format !== 'zip') throw new UsageError('--format: mbox or zip');
  const archive = await getArchiveUser(ctx.store.conn, name);
  if (!archive) throw new UsageError(`no archive "${name}"`);
  const folder = typeof flags.folder === 'string' ? flags.folder : undefined;
  const selection = await selectForExport(ctx.store, archive._id, [], null, folder === undefined ? {} : { folder });
  await auditAccess(ctx.store, ctx.caller, 'export', {}, { archiveId: archive._id, details: { format, selection: selection.kind, via: 'admin-cli', ...(folder ? { folder } : {}) } });
  const file = createWriteStream(out);
  const count = await (format === 'zip' ? writeZip : writeMbox)(ctx.store, selection.items, file);
  await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
  ctx.out(`${count} messages of ${archive.upn} written to ${out} (${format})`);
  return 0;
};

export const backup: Command = async (ctx, [dir]) => {
  if (!dir) throw new UsageError('backup needs a directory');
  const manifest = await dumpStore(ctx.store, dir, (name, n) => process.stderr.write(`${name}: ${n}\n`));
  ctx.out(`backup of ${manifest.database} (schema ${manifest.schema}) written to ${dir}: ${manifest.collections.length} collections`);
  return 0;
};

export const restore: Command = async (ctx, [dir]) => {
  if (!dir) throw new UsageError('restore needs the directory of a backup');
  const manifest = await readManifest(dir);
  if ((manifest.schema ?? 0) > CODE_SCHEMA) throw new UsageError(`the backup holds schema ${manifest.schema}; this release knows ${CODE_SCHEMA} at most: restore it with its own release or a newer one`);
  await restoreStore(ctx.store, dir, (name, n) => process.stderr.write(`${name}: ${n}\n`));
  ctx.out(`restored ${dir} into ${ctx.store.db.databaseName}; check it with: npm run admin -- verify`);
  return 0;
};

export const migrate: Command = async (ctx) => {
  const { from, to } = await upgradeDatabase({ store: ctx.store, log: ctx.log, processId: ctx.caller.oid, leaseMs: ctx.config.JOB_LEASE_MS });
  ctx.out(from === to ? `the database is at schema ${to} already` : `the database was upgraded from schema ${from} to ${to}`);
  return 0;
};

export const status: Command = async (ctx) => {
  const o = await operationsOverview(ctx.store, { days: 8 });
  if (ctx.json) {
    ctx.out(JSON.stringify(o));
    return 0;
  }
  ctx.out(`schema: database ${o.schema.database ?? 'none'}, this release ${o.schema.code}${o.schema.upgrading ? `, upgrading to ${o.schema.upgrading}` : ''}`);
  ctx.out(`processes: ${o.processes.map((p) => `${p._id} [${p.roles.join(',')}] release ${p.release}`).join('; ') || 'none running'}`);
  ctx.out(`backlog: ${o.backlog.waiting} jobs waiting, ${o.backlog.running} running, ${o.backlog.owedMessages} messages owed, ${o.backlog.journalQueued} journal reports queued`);
  for (const p of o.profiles) {
    const failing = p.failingMailboxes.length > 0 ? `, failing: ${p.failingMailboxes.map((m) => m.upn).join(', ')}` : '';
    ctx.out(`profile "${p.profileName}": last run ${p.lastRun?.status ?? 'never'}, last success ${p.lastSuccess?.finishedAt?.toISOString() ?? 'never'}${failing}`);
  }
  ctx.out(`database: ${(o.growth.database.totalBytes / 1e6).toFixed(1)} MB, growing about ${(o.growth.bytesPerDay / 1e6).toFixed(1)} MB a day`);
  return o.profiles.some((p) => p.failingMailboxes.length > 0) ? 1 : 0;
};

import assert from 'node:assert/strict';
import { DEMO_USERS } from '../../emulator/src/index';
import { mailboxHandler, type ArchivingDeps } from '../../backend/src/archiving/runner';
import { fetchAuthorityMetadata } from '../../backend/src/graph/authority';
import { createGraphClient } from '../../backend/src/graph/client';
import { createTokenSource } from '../../backend/src/graph/token';
import type { JobContext } from '../../backend/src/jobs/worker';
import { createLogger } from '../../backend/src/log';
import type { Store } from '../../backend/src/store';
import { openBlobStore } from '../../backend/src/store/blobs';
import { addPending } from '../../backend/src/store/pending';
import { addRunMailbox, createRun, listRunMailboxes, updateRun } from '../../backend/src/store/runs';
import { waitFor, type Stack } from '../helpers/stack';
import { handlerContext } from '../jobs/helpers';

export const ADMIN = DEMO_USERS.admin.upn;
const FINISHED = ['succeeded', 'partial', 'failed', 'cancelled'];

export async function createProfile(stack: Pick<Stack, 'api'>, admin: string, profile: unknown): Promise<string> {
  const created = await stack.api(admin, 'POST', '/admin/profiles', profile);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.id;
}

export async function startRun(stack: Pick<Stack, 'api'>, admin: string, profileId: string): Promise<string> {
  const started = await stack.api(admin, 'POST', `/admin/profiles/${profileId}/run`);
  assert.equal(started.status, 202, JSON.stringify(started.body));
  return started.body._id;
}

export async function waitForRun(stack: Pick<Stack, 'api'>, admin: string, runId: string, timeoutMs = 180_000): Promise<any> {
  return waitFor(`run ${runId} to finish`, async () => {
    const run = await stack.api(admin, 'GET', `/admin/runs/${runId}`);
    return FINISHED.includes(run.body.status) ? run.body : undefined;
  }, timeoutMs);
}

export async function runProfile(stack: Stack, profileId: string, admin: string = ADMIN): Promise<any> {
  return waitForRun(stack, admin, await startRun(stack, admin, profileId));
}

/** Messages the emulator holds in a user's mail folders (optionally only under some paths). */
export async function mailCount(stack: Pick<Stack, 'emulator'>, upn: string, opts: { exclude?: string[]; only?: string[] } = {}): Promise<number> {
  const exclude = opts.exclude ?? ['Junk Email', 'Drafts', 'Outbox'];
  const under = (path: string, roots: string[]) => roots.some((r) => path === r || path.startsWith(`${r}/`));
  let n = 0;
  for (const folder of stack.emulator.tenant.listFolders(upn)) {
    if (folder.containerClass !== 'IPF.Note' || under(folder.path, exclude)) continue;
    if (opts.only && !under(folder.path, opts.only)) continue;
    n += (await stack.emulator.tenant.listMessages(upn, folder.id!)).length;
  }
  return n;
}

export const itemCount = (stack: Pick<Stack, 'store'>, filter: Record<string, unknown> = {}) => stack.store.db.collection('items').countDocuments(filter);
export const blobCount = (stack: Stack) => stack.store.db.collection('messages.files').countDocuments({});

/**
 * What the archiving job handlers need, for driving them from a test without a worker: the
 * stack's store (with short blob leases, so that a simulated crash's leftover lease expires
 * quickly) and an app-only Graph client for the emulator.
 */
export async function archivingDeps(stack: Stack, config: Partial<NonNullable<ArchivingDeps['config']>> = {}): Promise<ArchivingDeps & { store: Store }> {
  const log = createLogger('silent');
  const metadata = await fetchAuthorityMetadata(stack.config.authority, stack.config.TENANT_ID);
  const graph = createGraphClient({ baseUrl: stack.config.GRAPH_BASE_URL, tokens: createTokenSource(stack.config, metadata, log) });
  const blobs = await openBlobStore(stack.store.db, { leaseMs: 1000, pollMs: 20 });
  return { store: { ...stack.store, blobs }, graph, log, config: { JOB_LEASE_MS: 1000, INGEST_CONCURRENCY: 8, ...config } };
}

/** A job context for calling a handler directly, as a worker holding the job would. */
export function jobContext(payload: Record<string, unknown>, signal: AbortSignal): JobContext {
  return handlerContext({ _id: `test:${JSON.stringify(payload)}`, payload }, signal);
}

/**
 * A fresh folder of `messages` new messages in the stack's first mailbox, and a run of a fresh
 * profile (or of `profileId`'s) that archives only that folder into a fresh archive, with `pending` more messages in
 * another folder left as due pending work by an earlier run of the profile. `attempt` runs the
 * mailbox's job handler as a worker holding the job would (again for a takeover), `counts`
 * reads the outcome.
 */
export async function folderRun(stack: Stack, name: string, messages: number, opts: { pending?: number; profileId?: string; config?: Partial<NonNullable<ArchivingDeps['config']>> } = {}) {
  const tenant = stack.emulator.tenant;
  const user = tenant.listUsers()[0]!;
  const [upn, mailboxId] = [user.userPrincipalName!, user.id!];
  const profileId = opts.profileId ?? `profile-${name}`;
  const fill = async (folder: string, n: number) => {
    const folderId = tenant.addFolder(upn, 'inbox', folder).id!;
    const added = [];
    for (let i = 0; i < n; i++) {
      const mime = `From: a@fabrikam.example\r\nTo: ${upn}\r\nSubject: ${folder} message ${i}\r\nMessage-ID: <${folder}.${i}@fabrikam.example>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nBody ${folder} ${i}\r\n`;
      added.push(await tenant.addMessage(upn, folderId, Buffer.from(mime)));
    }
    return { folderId, added };
  };
  await fill(name, messages);
  const due = await fill(`${name}-due`, opts.pending ?? 0);
  const { conn } = stack.store;
  for (const msg of due.added) {
    const receivedAt = new Date(msg.receivedDateTime!);
    await addPending(conn, { kind: 'archive', profileId, mailboxId, messageId: msg.id!, folderId: due.folderId, folderPath: `Inbox/${name}-due`, receivedAt, dueAt: new Date(Date.now() - 60_000), sha256: null });
  }
  const deps = await archivingDeps(stack, opts.config);
  const runId = `run-${name}`;
  const archiveId = `archive-${name}`;
  const settings = { name, source: { kind: 'single-mailbox', mailbox: upn }, folders: { include: [`Inbox/${name}`] } };
  await createRun(conn, { _id: runId, profileId, profileName: name, trigger: 'manual', settings, jobId: `run:${runId}` });
  await updateRun(conn, runId, { status: 'running', startedAt: new Date(), mailboxCount: 1 });
  await addRunMailbox(conn, { runId, mailboxId, upn, archiveId });
  const handler = mailboxHandler(deps);
  return {
    deps,
    attempt: (signal: AbortSignal) => handler(jobContext({ runId, mailboxId }, signal)),
    counts: async () => {
      const [m] = await listRunMailboxes(conn, runId);
      const items = await stack.store.db.collection('items').countDocuments({ archiveId });
      const pending = await stack.store.db.collection('pending_items').countDocuments({ profileId });
      return { status: m?.status, found: m?.found, archived: m?.archived, alreadyArchived: m?.alreadyArchived, failed: m?.failed, items, pending, errors: (m?.recentErrors ?? []).map((e) => e.reason) };
    },
  };
}

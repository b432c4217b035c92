import assert from 'node:assert/strict';
import { DEMO_USERS } from '../../emulator/src/index';
import { waitFor, type Stack } from '../helpers/stack';

export const ADMIN = DEMO_USERS.admin.upn;
const FINISHED = ['succeeded', 'partial', 'failed', 'cancelled'];

export async function createProfile(stack: Stack, admin: string, profile: unknown): Promise<string> {
  const created = await stack.api(admin, 'POST', '/admin/profiles', profile);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.id;
}

export async function startRun(stack: Stack, admin: string, profileId: string): Promise<string> {
  const started = await stack.api(admin, 'POST', `/admin/profiles/${profileId}/run`);
  assert.equal(started.status, 202, JSON.stringify(started.body));
  return started.body._id;
}

export async function waitForRun(stack: Stack, admin: string, runId: string, timeoutMs = 180_000): Promise<any> {
  return waitFor(`run ${runId} to finish`, async () => {
    const run = await stack.api(admin, 'GET', `/admin/runs/${runId}`);
    return FINISHED.includes(run.body.status) ? run.body : undefined;
  }, timeoutMs);
}

export async function runProfile(stack: Stack, profileId: string, admin: string = ADMIN): Promise<any> {
  return waitForRun(stack, admin, await startRun(stack, admin, profileId));
}

/** Messages the emulator holds in a user's mail folders (optionally only under some paths). */
export async function mailCount(stack: Stack, upn: string, opts: { exclude?: string[]; only?: string[] } = {}): Promise<number> {
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

export const itemCount = (stack: Stack, filter: Record<string, unknown> = {}) => stack.store.db.collection('items').countDocuments(filter);
export const blobCount = (stack: Stack) => stack.store.db.collection('messages.files').countDocuments({});

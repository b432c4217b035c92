import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_USERS } from '../../emulator/src/index';
import { startStack, waitFor, type Stack } from '../helpers/stack';

const ADMIN = DEMO_USERS.admin.upn;
let stack: Stack;

before(async () => {
  stack = await startStack({ seed: 'demo' });
});
after(async () => stack?.close());

async function runProfile(profile: unknown): Promise<any> {
  const created = await stack.api(ADMIN, 'POST', '/admin/profiles', profile);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const started = await stack.api(ADMIN, 'POST', `/admin/profiles/${created.body.id}/run`);
  assert.equal(started.status, 202, JSON.stringify(started.body));
  return waitForRun(started.body._id);
}

async function waitForRun(runId: string): Promise<any> {
  return waitFor(`run ${runId} to finish`, async () => {
    const run = await stack.api(ADMIN, 'GET', `/admin/runs/${runId}`);
    return ['succeeded', 'partial', 'failed', 'cancelled'].includes(run.body.status) ? run.body : undefined;
  }, 120_000);
}

/** What the profile should archive, counted in the emulator's own mailbox. */
async function mailCount(upn: string, exclude = ['Junk Email', 'Drafts', 'Outbox']): Promise<number> {
  let n = 0;
  for (const folder of stack.emulator.tenant.listFolders(upn)) {
    if (folder.containerClass !== 'IPF.Note' || exclude.some((e) => folder.path === e || folder.path.startsWith(`${e}/`))) continue;
    n += (await stack.emulator.tenant.listMessages(upn, folder.id!)).length;
  }
  return n;
}

test('a multiple-mailbox profile archives every licensed mailbox, counts matching the tenant', async () => {
  const run = await runProfile({ name: 'All users', source: { kind: 'multiple-mailboxes', selection: 'all' }, syncDirectoryFirst: true });
  assert.equal(run.status, 'succeeded', JSON.stringify(run.mailboxes.map((m: any) => m.recentErrors)));
  const upns = run.mailboxes.map((m: any) => m.upn).sort();
  assert.deepEqual(upns, ['adele.vance', 'alex.wilber', 'diego.siciliani', 'lee.gu', 'megan.bowen'].map((u) => `${u}@contoso.example`));
  for (const m of run.mailboxes) {
    assert.equal(m.status, 'done');
    assert.equal(m.found, await mailCount(m.upn), `found in ${m.upn}`);
    assert.equal(m.archived + m.alreadyArchived, m.found, `archived in ${m.upn}`);
    assert.equal(m.failed, 0);
  }
  assert.ok(run.totals.archived > 50, `archived ${run.totals.archived}`);
});

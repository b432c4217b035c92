import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { runDisposal } from '../../backend/src/retention/disposal';
import type { Stack } from '../helpers/stack';
import { ADMIN, ALEX, AUDITOR, MEGAN, SECOND_ADMIN, archive, call, itemIds, retentionStack, type Archived } from './helpers';

let stack: Stack;
const run = () => runDisposal({ store: stack.store, graph: null });
const rules = (name: string, minDays: number, maxDays: number | null, archives: string[], folders: string[] = []) => ({ name, minDays, maxDays, scope: { archives }, folders });

before(async () => {
  stack = await retentionStack();
});
after(async () => {
  await stack?.close();
});
beforeEach(async () => {
  // Policies and holds are tenant-wide: each test starts without any.
  for (const c of ['retention_policies', 'legal_holds', 'settings']) await stack.store.db.collection(c).deleteMany({});
});

async function fill(archiveId: string, count: number, daysAgo: (n: number) => number, from = 0): Promise<Archived[]> {
  const out: Archived[] = [];
  for (let n = from; n < from + count; n++) out.push(await archive(stack.store, archiveId, n, daysAgo(n)));
  return out;
}

test('the preview says how many messages and bytes a policy would dispose of, per archive, with sample subjects; the run then disposes exactly those', async () => {
  const a = await fill('preview-a', 10, (n) => (n < 6 ? 500 : 30));
  const b = await fill('preview-b', 6, (n) => 400 + n, 100);
  const inbox = await fill('preview-c', 8, () => 800, 200);
  const input = rules('Two hundred days', 0, 200, ['preview-a', 'preview-b', 'preview-c'], ['Inbox']);
  const preview = await call(stack, ADMIN, 'POST', '/admin/retention/preview', { policyId: null, rules: input });
  assert.equal(preview.status, 200, JSON.stringify(preview.body));
  // Only Inbox (and its subfolders) is covered; folders rotate Inbox, Inbox/Projects, Sent Items, Archive.
  const due = [...a.slice(0, 6), ...b, ...inbox].filter((x) => x.m.folder.startsWith('Inbox'));
  assert.equal(preview.body.messages, due.length);
  assert.equal(preview.body.bytes, sumSizes(due));
  assert.deepEqual(preview.body.archives.map((r: { archiveId: string; messages: number }) => [r.archiveId, r.messages]).sort(), [
    ['preview-a', due.filter((x) => x.archiveId === 'preview-a').length],
    ['preview-b', due.filter((x) => x.archiveId === 'preview-b').length],
    ['preview-c', due.filter((x) => x.archiveId === 'preview-c').length],
  ]);
  assert.ok(preview.body.sample.length > 0 && preview.body.sample.every((s: { subject: string }) => due.some((x) => x.m.subject === s.subject)), 'sample subjects are of messages that would go');
  assert.equal(preview.body.storageFreed, sumSizes(due), 'no other archive holds these messages: their bytes go');

  const created = await call(stack, ADMIN, 'POST', '/admin/retention/policies', { rules: input });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const result = await run();
  assert.equal(result.disposed, preview.body.messages, 'the run disposes of what the preview announced');
  const left = [...(await itemIds(stack.store, 'preview-a')), ...(await itemIds(stack.store, 'preview-b')), ...(await itemIds(stack.store, 'preview-c'))];
  assert.ok(due.every((x) => !left.includes(x.id)));
  assert.equal(left.length, a.length + b.length + inbox.length - due.length);
});

const sumSizes = (list: Archived[]) => list.reduce((n, x) => n + x.size, 0);

test('a change that would dispose of more than the threshold waits for a second administrator; the one who asked cannot approve it', async () => {
  const mail = await fill('four-eyes', 5, () => 400, 300);
  const settings = await call(stack, ADMIN, 'PUT', '/admin/retention/settings', { schedule: { kind: 'manual' }, approvalThreshold: 2, batchSize: 100 });
  assert.equal(settings.status, 200, JSON.stringify(settings.body));
  const asked = await call(stack, ADMIN, 'POST', '/admin/retention/policies', { rules: rules('One year', 0, 365, ['four-eyes']) });
  assert.equal(asked.status, 202, JSON.stringify(asked.body));
  assert.equal(asked.body.applied, false);
  assert.equal(asked.body.policy.pending.preview.messages, 5);
  assert.match(asked.body.policy.pending.reasons[0], /more than the approval threshold of 2/);
  assert.equal(asked.body.policy.active, null);
  assert.equal((await run()).disposed, 0, 'a change waiting for approval disposes of nothing');

  const self = await call(stack, ADMIN, 'POST', `/admin/retention/policies/${asked.body.policy.id}/approve`);
  assert.equal(self.status, 403);
  assert.equal(self.body.error.code, 'four_eyes');
  const approved = await call(stack, SECOND_ADMIN, 'POST', `/admin/retention/policies/${asked.body.policy.id}/approve`);
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  assert.equal(approved.body.policy.approvedBy.upn, SECOND_ADMIN);
  assert.equal((await run()).disposed, mail.length);
  const trail = await stack.store.db.collection('audit').find({ action: { $in: ['retention-policy-requested', 'retention-policy-approved'] } }).toArray();
  assert.deepEqual(trail.map((e) => [e.action, (e.actor as { upn: string }).upn]), [['retention-policy-requested', ADMIN], ['retention-policy-approved', SECOND_ADMIN]]);
});

test('lowering a minimum in force waits for approval, and the minimum keeps protecting meanwhile', async () => {
  const mail = await fill('minimum', 4, () => 400, 400);
  const keep = await call(stack, ADMIN, 'POST', '/admin/retention/policies', { rules: rules('Keep ten years', 3650, null, ['minimum']) });
  assert.equal(keep.status, 201, 'a policy that only protects applies at once');
  const dispose = await call(stack, ADMIN, 'POST', '/admin/retention/policies', { rules: rules('One year', 0, 365, ['minimum']) });
  assert.equal(dispose.status, 201, JSON.stringify(dispose.body));
  assert.equal(dispose.body.preview.messages, 0, 'the preview already counts the longer minimum');
  assert.equal(dispose.body.preview.kept.minimum, undefined, 'not due while the minimum holds: not even a candidate');
  const lower = await call(stack, ADMIN, 'PUT', `/admin/retention/policies/${keep.body.policy.id}`, { rules: rules('Keep ten years', 0, null, ['minimum']) });
  assert.equal(lower.status, 202, JSON.stringify(lower.body));
  assert.match(lower.body.policy.pending.reasons.join(' '), /lowers or narrows the minimum retention of 3650 days/);
  assert.equal((await run()).disposed, 0, 'the minimum in force still protects');
  assert.equal((await itemIds(stack.store, 'minimum')).length, mail.length);
  const approved = await call(stack, SECOND_ADMIN, 'POST', `/admin/retention/policies/${keep.body.policy.id}/approve`);
  assert.equal(approved.status, 200);
  assert.equal((await run()).disposed, mail.length);
});

test('only administrators change policies; bad rules are refused naming the field', async () => {
  const body = { rules: rules('x', 10, 5, ['somewhere']) };
  assert.equal((await call(stack, MEGAN.upn, 'POST', '/admin/retention/policies', body)).status, 403);
  assert.equal((await call(stack, AUDITOR, 'POST', '/admin/retention/policies', body)).status, 403);
  const bad = await call(stack, ADMIN, 'POST', '/admin/retention/policies', body);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'rules.maxDays');
  const empty = await call(stack, ADMIN, 'POST', '/admin/retention/policies', { rules: { name: 'x', minDays: 0, maxDays: 5, scope: {}, folders: [] } });
  assert.equal(empty.status, 400);
  assert.equal(empty.body.error.field, 'rules.scope');
});

test('a hold on an archive keeps its mail from disposal; lifting it needs a reason and is audited, then retention applies', async () => {
  const mail = await fill('held', 3, () => 900, 500);
  await call(stack, ADMIN, 'POST', '/admin/retention/policies', { rules: rules('Two years', 0, 730, ['held']) });
  const hold = await call(stack, AUDITOR, 'POST', '/compliance/holds', { name: 'Investigation', reason: 'HR case 12', kind: 'archives', archives: ['held'] });
  assert.equal(hold.status, 201, JSON.stringify(hold.body));
  const kept = await run();
  assert.deepEqual([kept.disposed, kept.kept.hold], [0, mail.length]);
  const detail = await call(stack, ADMIN, 'GET', `/compliance/holds/${hold.body.id}`);
  assert.equal(detail.body.messages, mail.length);

  const noReason = await call(stack, ADMIN, 'POST', `/compliance/holds/${hold.body.id}/lift`, {});
  assert.equal(noReason.status, 400);
  assert.equal(noReason.body.error.field, 'reason');
  assert.equal((await call(stack, MEGAN.upn, 'POST', `/compliance/holds/${hold.body.id}/lift`, { reason: 'me' })).status, 403);
  const lifted = await call(stack, ADMIN, 'POST', `/compliance/holds/${hold.body.id}/lift`, { reason: 'Case closed' });
  assert.equal(lifted.status, 200);
  assert.equal(lifted.body.lifted.reason, 'Case closed');
  const entry = await stack.store.db.collection('audit').findOne({ action: 'legal-hold-lifted', target: hold.body.id });
  assert.equal((entry?.details as { reason: string }).reason, 'Case closed');
  assert.equal((await run()).disposed, mail.length);
});

test('a query hold also holds matching mail archived after it was set', async () => {
  const hold = await call(stack, ADMIN, 'POST', '/compliance/holds', { name: 'Merger', reason: 'Regulator inquiry', kind: 'query', query: 'subject:merger', archives: [] });
  assert.equal(hold.status, 201, JSON.stringify(hold.body));
  // Archived after the hold, received long ago (an import): n = 12 has "merger" in its subject.
  const late = await fill('later', 4, () => 700, 12);
  assert.equal((await call(stack, ADMIN, 'POST', '/admin/retention/policies', { rules: rules('One year', 0, 365, ['later']) })).status, 201);
  const merger = late.filter((x) => /merger/.test(x.m.subject));
  assert.ok(merger.length > 0);
  const result = await run();
  assert.equal(result.kept.hold, merger.length, JSON.stringify(result));
  assert.deepEqual(await itemIds(stack.store, 'later'), merger.map((x) => x.id).sort());
});

test('the add-in learns that a message is held only when the hold is meant to be known', async () => {
  const mine = await archive(stack.store, MEGAN.id, 600, 10);
  const status = async (upn: string) => call(stack, upn, 'GET', `/messages/${encodeURIComponent(mine.id)}/hold`);
  const secret = await call(stack, ADMIN, 'POST', '/compliance/holds', { name: 'Secret inquiry', reason: 'Internal investigation', kind: 'archives', archives: [MEGAN.id] });
  assert.equal(secret.status, 201);
  assert.deepEqual((await status(MEGAN.upn)).body, { held: false, holds: [] }, 'the person investigated is not told');
  const staff = await status(AUDITOR);
  assert.equal(staff.body.held, true, 'an auditor sees every hold');
  await call(stack, ADMIN, 'POST', '/compliance/holds', { name: 'Tax records', reason: 'Statutory', kind: 'archives', archives: [MEGAN.id], visibleToUsers: true });
  const visible = (await status(MEGAN.upn)).body;
  assert.equal(visible.held, true);
  assert.deepEqual(visible.holds.map((h: { name: string }) => h.name), ['Tax records']);
  assert.equal((await status(ALEX.upn)).status, 404, "someone else's message is not even found");
});

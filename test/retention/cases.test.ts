import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { runDisposal } from '../../backend/src/retention/disposal';
import type { Stack } from '../helpers/stack';
import { readZip as readEntries } from '../retrieval/zip-reader';
import { ADMIN, ALEX, AUDITOR, MEGAN, archive, call, itemIds, retentionStack, type Archived } from './helpers';
import { mime } from './synthetic';

let stack: Stack;
const readZip = async (zip: Buffer) => new Map(readEntries(zip).map((e) => [e.name, e.data]));

before(async () => {
  stack = await retentionStack();
});
after(async () => {
  await stack?.close();
});

test('an auditor runs a case’s searches across all archives, tags messages, holds what a search finds, and exports a package whose manifest verifies every message', async () => {
  const mail: Archived[] = [];
  for (let n = 0; n < 10; n++) mail.push(await archive(stack.store, MEGAN.id, n, 400));
  for (let n = 10; n < 20; n++) mail.push(await archive(stack.store, ALEX.id, n, 400));
  const budget = mail.filter((a) => /budget/.test(a.m.subject));
  assert.ok(budget.length >= 2 && new Set(budget.map((a) => a.archiveId)).size === 2, 'budget mail in both archives');

  assert.equal((await call(stack, ADMIN, 'POST', '/compliance/cases', { name: 'x' })).status, 403, 'cases are for auditors');
  const opened = await call(stack, AUDITOR, 'POST', '/compliance/cases', { name: 'Falcon dispute', description: 'Budget overrun claim' });
  assert.equal(opened.status, 201, JSON.stringify(opened.body));
  const caseId = opened.body.id;
  const bad = await call(stack, AUDITOR, 'POST', `/compliance/cases/${caseId}/searches`, { name: 'broken', query: 'from:(' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'query');
  const saved = await call(stack, AUDITOR, 'POST', `/compliance/cases/${caseId}/searches`, { name: 'Budget', query: 'subject:budget' });
  assert.equal(saved.status, 201);
  const searchId = saved.body.searches[0].id;

  const results = await call(stack, AUDITOR, 'GET', `/compliance/cases/${caseId}/searches/${searchId}/results?limit=100`);
  assert.equal(results.status, 200);
  assert.deepEqual(results.body.value.map((h: { id: string }) => h.id).sort(), budget.map((a) => a.id).sort(), 'found in every archive');

  const tagged = await call(stack, AUDITOR, 'POST', `/compliance/cases/${caseId}/tags`, { items: budget.slice(0, 2).map((a) => a.id), tag: 'privileged' });
  assert.equal(tagged.status, 200);
  const forged = await call(stack, AUDITOR, 'POST', `/compliance/cases/${caseId}/tags`, { items: [`${MEGAN.id}:${'0'.repeat(64)}`], tag: 'privileged' });
  assert.equal(forged.status, 400, 'a message that does not exist cannot be tagged');

  // A hold from the search keeps the budget mail from a one-year policy.
  const hold = await call(stack, AUDITOR, 'POST', `/compliance/cases/${caseId}/holds`, { searchId, name: 'Falcon hold', reason: 'Litigation expected' });
  assert.equal(hold.status, 201, JSON.stringify(hold.body));
  await call(stack, ADMIN, 'POST', '/admin/retention/policies', { rules: { name: 'One year', minDays: 0, maxDays: 365, scope: { tenant: true }, folders: [] } });
  await runDisposal({ store: stack.store, graph: null });
  const left = [...(await itemIds(stack.store, MEGAN.id)), ...(await itemIds(stack.store, ALEX.id))].sort();
  assert.deepEqual(left, budget.map((a) => a.id).sort(), 'only the held mail is left');

  const exported = await call(stack, AUDITOR, 'POST', `/compliance/cases/${caseId}/exports`, { searchId });
  assert.equal(exported.status, 200);
  assert.equal(exported.headers.get('content-type'), 'application/zip');
  const files = await readZip(exported.body);
  const manifestBytes = files.get('manifest.json')!;
  const manifest = JSON.parse(manifestBytes.toString('utf8'));
  assert.equal(manifest.exportedBy.upn, AUDITOR);
  assert.deepEqual(manifest.selection, { searchId, query: 'subject:budget' });
  assert.equal(manifest.count, budget.length);
  for (const entry of manifest.messages) {
    const bytes = files.get(entry.file)!;
    assert.equal(createHash('sha256').update(bytes).digest('hex'), entry.sha256, `${entry.file} is unaltered`);
    assert.ok(budget.some((a) => a.sha256 === entry.sha256 && mime(a.m).equals(bytes)));
  }
  const detail = await call(stack, AUDITOR, 'GET', `/compliance/cases/${caseId}`);
  assert.equal(detail.body.exports[0].manifestSha256, createHash('sha256').update(manifestBytes).digest('hex'), 'the case records the manifest’s hash');
  assert.equal(detail.body.holds[0].name, 'Falcon hold');
  assert.equal(detail.body.tags.length, 2);
  const trail = await stack.store.db.collection('audit').find({ target: caseId }).toArray();
  assert.deepEqual([...new Set(trail.map((e) => e.action))].sort(), ['case-export', 'case-export-manifest', 'case-search', 'case-search-saved', 'case-tag']);

  const byTag = await call(stack, AUDITOR, 'POST', `/compliance/cases/${caseId}/exports`, { tag: 'privileged' });
  assert.equal(JSON.parse((await readZip(byTag.body)).get('manifest.json')!.toString('utf8')).count, 2);
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_USERS } from '../../emulator/src/index';
import { parseQuery } from '../../backend/src/search/query';
import { findAuditEntries } from '../../backend/src/store/audit';
import { startStack, type Stack } from '../helpers/stack';
import { ADMIN, createProfile, runProfile } from '../archiving/helpers';
import { allPages, search } from './helpers';
import { expected, loadOracle, type OracleDoc } from './oracle';

const MEGAN = DEMO_USERS.megan.upn;
const ALEX = DEMO_USERS.alex.upn;
let stack: Stack;
let megan: OracleDoc[];

before(async () => {
  stack = await startStack({ seed: 'demo' });
  const id = await createProfile(stack, ADMIN, { name: 'All users', source: { kind: 'multiple-mailboxes', selection: 'all' }, syncDirectoryFirst: true });
  const run = await runProfile(stack, id);
  assert.equal(run.status, 'succeeded', JSON.stringify(run.mailboxes?.map((m: any) => m.recentErrors)));
  megan = await loadOracle(stack.store, [DEMO_USERS.megan.id]);
  assert.ok(megan.length > 30, `megan's archive holds ${megan.length} messages`);
});
after(async () => stack?.close());

/** Every page of the search equals the brute-force answer over the stored messages. */
async function checkQuery(q: string, opts: { min?: number; limit?: number } = {}): Promise<any[]> {
  const want = expected(megan, parseQuery(q));
  assert.ok(want.length >= (opts.min ?? 1), `${q}: the demo mail should give at least ${opts.min ?? 1} results, the oracle finds ${want.length}`);
  const { hits, ids, total } = await allPages(stack, MEGAN, { q, limit: opts.limit ?? 7 });
  assert.deepEqual([...ids].sort(), want, q);
  assert.equal(total, want.length, `${q}: total`);
  return hits;
}

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);

test('a word finds every message containing it, in any field, newest first, with the result fields', async () => {
  const hits = await checkQuery('falcon', { min: 6 });
  const first = hits[0];
  assert.match(first.id, new RegExp(`^${DEMO_USERS.megan.id}:[0-9a-f]{64}$`));
  assert.equal(first.archiveId, DEMO_USERS.megan.id);
  for (const key of ['subject', 'from', 'date', 'folder', 'size', 'hasAttachments', 'snippet', 'highlights']) assert.ok(key in first, key);
  assert.match(first.subject, /falcon/i);
  const marked = hits.flatMap((h) => h.highlights.map((r: any) => h.snippet.slice(r.start, r.end)));
  assert.ok(marked.length > 0 && marked.every((w: string) => /^falcon$/i.test(w)), `highlights: ${marked.join(', ')}`);
});

test('two words must both occur; a phrase needs its words in order', async () => {
  await checkQuery('falcon launch', { min: 4 });
  await checkQuery('"launch plan"', { min: 4 });
  await checkQuery('"final plan goes out"', { min: 1 });
  await checkQuery('rainier booked', { min: 1 });
});

test('from:, to:, subject:, body: and filename: look only in their field', async () => {
  await checkQuery('from:megan.bowen@contoso.example', { min: 3 });
  await checkQuery('from:contoso.example', { min: 10 });
  await checkQuery('from:"Adele Vance"', { min: 1 });
  await checkQuery('to:megan.bowen@contoso.example', { min: 1 });
  await checkQuery('subject:falcon', { min: 5 });
  await checkQuery('body:rainier -subject:rainier', { min: 1 });
  await checkQuery('body:rainier', { min: 1 });
  await checkQuery('subject:(falcon OR weekly)', { min: 6 });
  await checkQuery('filename:Falcon-launch-plan.docx', { min: 1 });
  await checkQuery('filename:pdf', { min: 1 });
});

test('OR, exclusion and prefix', async () => {
  await checkQuery('rainier OR kestrelwing', { min: 2 });
  await checkQuery('falcon -press', { min: 3 });
  await checkQuery('-falcon', { min: 10 });
  await checkQuery('launch*', { min: 1 });
  await checkQuery('subject:weekl*', { min: 1 });
  await checkQuery('(falcon OR weekly) -from:news@contoso.example', { min: 1 });
});

test('has:attachment, folder:, before:, after: and size filters', async () => {
  await checkQuery('has:attachment', { min: 3 });
  await checkQuery('folder:Inbox/Projects', { min: 3 });
  await checkQuery('folder:inbox', { min: 20 });
  await checkQuery('folder:"sent items"', { min: 1 });
  await checkQuery('before:2025-01-01', { min: 1 });
  await checkQuery(`after:${daysAgo(30)}`, { min: 5 });
  await checkQuery(`after:${daysAgo(60)} before:${daysAgo(5)}`, { min: 3 });
  await checkQuery('size>8KB', { min: 1 });
  await checkQuery('size<5kb -has:attachment', { min: 1 });
});

test('case and accents do not matter', async () => {
  const plain = await search(stack, MEGAN, { q: 'falcon rainier booked', limit: 50 });
  assert.ok(plain.body.total > 0);
  for (const q of ['FALCON Rainier BOOKED', 'Fälcon Râinier Booked', 'ＦＡＬＣＯＮ rainier booked']) {
    const res = await search(stack, MEGAN, { q, limit: 50 });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.value.map((h: any) => h.id), plain.body.value.map((h: any) => h.id), q);
  }
  const hands = await search(stack, MEGAN, { q: 'ALL-HANDS Méeting', limit: 5 });
  assert.equal(hands.body.total, 1);
  assert.equal(hands.body.value[0].subject, 'All-hands meeting on Friday');
});

test('an empty query lists the whole archive newest first', async () => {
  const { ids, total } = await allPages(stack, MEGAN, { q: '', limit: 50 });
  assert.equal(total, megan.length);
  assert.deepEqual([...ids].sort(), megan.map((d) => d.id).sort());
  const dates = megan.map((d) => d.receivedAt.getTime()).sort((a, b) => b - a);
  const page = await search(stack, MEGAN, { q: '', limit: 3 });
  assert.deepEqual(page.body.value.map((h: any) => Date.parse(h.date)), dates.slice(0, 3));
});

test('a user cannot search another archive: 404 for it, and archive=all holds only their own', async () => {
  const other = await search(stack, MEGAN, { q: 'kernel', archive: DEMO_USERS.alex.id });
  assert.equal(other.status, 404);
  assert.equal(other.body.error.code, 'not_found');
  const unknown = await search(stack, MEGAN, { q: 'kernel', archive: 'no-such-archive' });
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.body, other.body, 'a foreign archive reads exactly like a missing one');
  const all = await allPages(stack, MEGAN, { q: '', archive: 'all', limit: 100 });
  assert.ok(all.ids.length > 0);
  assert.ok(all.ids.every((id: string) => id.startsWith(`${DEMO_USERS.megan.id}:`)), 'only megan\'s items');
  const alex = await search(stack, ALEX, { q: '', archive: 'all', limit: 100 });
  assert.ok(alex.body.value.every((h: any) => h.archiveId === DEMO_USERS.alex.id));
});

test('a malformed query answers 400 with the parser\'s message and position', async () => {
  for (const [q, position] of [['budget "unclosed', 7], ['from:', 0], ['invoice AND (tax', 12], ['a*b', 1]] as const) {
    const res = await search(stack, MEGAN, { q });
    assert.equal(res.status, 400, q);
    assert.equal(res.body.error.code, 'invalid_query');
    assert.equal(res.body.error.field, 'q');
    assert.equal(res.body.error.position, position, `${q}: ${res.body.error.message}`);
    assert.ok(res.body.error.message.length > 10);
  }
  const badCursor = await search(stack, MEGAN, { q: 'kernel', cursor: 'not-a-cursor' });
  assert.equal(badCursor.status, 400);
  assert.equal(badCursor.body.error.field, 'cursor');
  const badLimit = await search(stack, MEGAN, { q: 'kernel', limit: 0 });
  assert.equal(badLimit.status, 400);
  assert.equal(badLimit.body.error.field, 'limit');
});

test('every search is audited, refused ones included', async () => {
  await search(stack, MEGAN, { q: 'audited-word', limit: 1 });
  await search(stack, MEGAN, { q: 'audited-refused', archive: DEMO_USERS.lee.id });
  const entries = await findAuditEntries(stack.store, { action: 'search', actor: MEGAN, limit: 50 });
  const ok = entries.find((e) => e.details?.query === 'audited-word');
  assert.ok(ok, 'the search is in the audit trail');
  assert.equal(ok.archiveId, DEMO_USERS.megan.id);
  assert.equal(typeof ok.details?.total, 'number');
  const refused = entries.find((e) => e.details?.query === 'audited-refused');
  assert.ok(refused, 'the refused search is in the audit trail');
  assert.equal(refused.details?.outcome, 'not_found');
});

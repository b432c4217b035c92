import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_USERS } from '../../emulator/src/index';
import { startStack, type Stack } from '../helpers/stack';
import { ADMIN, createProfile, runProfile } from '../archiving/helpers';
import { allPages, search } from './helpers';

const MEGAN = DEMO_USERS.megan;
let stack: Stack;
let profileId: string;

before(async () => {
  stack = await startStack({ seed: 'demo' });
  profileId = await createProfile(stack, ADMIN, { name: 'Megan', source: { kind: 'single-mailbox', mailbox: MEGAN.upn } });
  const run = await runProfile(stack, profileId);
  assert.equal(run.status, 'succeeded');
});
after(async () => stack?.close());

function mail(subject: string, date: Date): Buffer {
  return Buffer.from([
    'From: Pradeep Gupta <pradeep@fabrikam.example>',
    `To: Megan Bowen <${MEGAN.upn}>`,
    `Subject: ${subject}`,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${subject.replace(/\W+/g, '-')}@fabrikam.example>`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Paging check: ${subject}. Zebrafish quarterly numbers attached below.`,
    '',
  ].join('\r\n'));
}

async function deliver(subject: string, date: Date): Promise<void> {
  await stack.emulator.tenant.addMessage(MEGAN.id, 'inbox', mail(subject, date), { receivedDateTime: date.toISOString().replace(/\.\d+Z$/, 'Z') });
}

test('paging newest first has no gaps or repeats while new mail is archived between pages', async () => {
  const before = await allPages(stack, MEGAN.upn, { q: '', limit: 50 });
  const original = new Set(before.ids);
  assert.ok(original.size > 20);
  const added = { newer: '', older: '' };
  const { hits, ids } = await allPages(stack, MEGAN.upn, { q: '', limit: 6 }, async (page, shown) => {
    if (page !== 1) return;
    const last = shown.at(-1).date;
    // One message newer than everything already shown, one older than where the next page starts.
    await deliver('Paging newer message', new Date(Date.now() + 60_000));
    await deliver('Paging older message', new Date(Date.parse(last) - 86_400_000));
    const run = await runProfile(stack, profileId);
    assert.equal(run.status, 'succeeded');
    assert.equal(run.totals.archived, 2, 'both new messages archived between the pages');
    const fresh = await search(stack, MEGAN.upn, { q: 'zebrafish' });
    assert.equal(fresh.body.total, 2, 'findable as soon as the run reports them archived');
    added.newer = fresh.body.value.find((h: any) => /newer/.test(h.subject)).id;
    added.older = fresh.body.value.find((h: any) => /older/.test(h.subject)).id;
  });
  assert.ok(added.older, 'new mail was delivered during paging');
  for (const id of original) assert.ok(ids.includes(id), `every message listed before appears once: ${id}`);
  assert.ok(ids.includes(added.older), 'a new message older than the cursor shows up on a later page');
  assert.ok(!ids.includes(added.newer), 'a new message newer than the cursor does not shift pages');
  assert.equal(ids.length, original.size + 1);
  assert.equal(hits.length, ids.length);
  const after = await search(stack, MEGAN.upn, { q: '', limit: 1 });
  assert.equal(after.body.total, original.size + 2);
  assert.equal(after.body.value[0].id, added.newer, 'a fresh search starts with the newest message');
});

test('a cursor from an earlier page keeps working after the index is merged', async () => {
  const first = await search(stack, MEGAN.upn, { q: 'falcon OR report', limit: 4 });
  assert.equal(first.status, 200);
  assert.ok(first.body.nextCursor);
  const { compactIndex } = await import('../../backend/src/search/index-store');
  await compactIndex(stack.store, MEGAN.id, { force: true });
  const rest = await allPages(stack, MEGAN.upn, { q: 'falcon OR report', limit: 4, cursor: first.body.nextCursor });
  const whole = await allPages(stack, MEGAN.upn, { q: 'falcon OR report', limit: 100 });
  assert.deepEqual([...first.body.value.map((h: any) => h.id), ...rest.ids], whole.ids);
});

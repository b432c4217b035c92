import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { DEMO_USERS } from '../../emulator/src/index';
import { ingestMessage } from '../../backend/src/ingest';
import { itemId } from '../../backend/src/store/items';
import { ADMIN, createProfile, runProfile } from '../archiving/helpers';
import { startStack, type Stack } from '../helpers/stack';
import { allPages, search } from './helpers';

const MEGAN = DEMO_USERS.megan.upn;
const THREAD = 'Falcon launch plan';
let stack: Stack;

before(async () => {
  stack = await startStack({ seed: 'demo' });
  const id = await createProfile(stack, ADMIN, { name: 'Megan', source: { kind: 'single-mailbox', mailbox: MEGAN } });
  assert.equal((await runProfile(stack, id)).status, 'succeeded');
});
after(async () => stack?.close());

const facets = async (q: string) => {
  const res = await stack.api(MEGAN, 'GET', `/search/facets?${new URLSearchParams({ q })}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
};
const total = async (q: string) => (await search(stack, MEGAN, { q, limit: 1 })).body.total as number;

test('facets count the search by folder, year, attachment and sender, and each count is what its filter finds', async () => {
  const all = await facets('');
  assert.equal(all.total, await total(''));
  const folders = all.folders.map((f: { value: string }) => f.value);
  assert.ok(folders.includes('Inbox/Projects/Falcon'), `the archive's own folders are listed: ${folders}`);
  const sum = (xs: { count: number }[]) => xs.reduce((n, x) => n + x.count, 0);
  assert.equal(sum(all.years), all.total);

  const f = await facets('falcon');
  assert.equal(f.total, await total('falcon'));
  assert.equal(f.hasAttachment, await total('falcon has:attachment'));
  for (const { value, count } of f.years) assert.equal(count, await total(`falcon after:${value}-01-01 before:${value + 1}-01-01`), `year ${value}`);
  const leaf = f.folders.find((x: { value: string }) => x.value === 'Inbox/Projects/Falcon');
  assert.ok(leaf, 'the folder holding the thread is a facet');
  assert.equal(leaf.count, await total('falcon folder:"Inbox/Projects/Falcon"'));
  assert.equal(f.sendersSampled, f.total, 'a small result set is sampled whole');
  for (const s of f.senders) assert.equal(s.count, await total(`falcon from:${s.value}`), `sender ${s.value}`);
  assert.ok(f.senders.length > 1);

  const bad = await stack.api(MEGAN, 'GET', '/search/facets?q=subject:%22open');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'q');
});

test('relevance order puts subject matches first, pages without repeats, and marks the subject words', async () => {
  const byDate = await allPages(stack, MEGAN, { q: 'falcon', limit: 50 });
  const ranked: any[] = [];
  let cursor: string | undefined;
  do {
    const res = await search(stack, MEGAN, { q: 'falcon', sort: 'relevance', limit: 4, cursor });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    ranked.push(...res.body.value);
    cursor = res.body.nextCursor ?? undefined;
  } while (cursor);
  assert.deepEqual(ranked.map((h) => h.id).sort(), byDate.ids.sort(), 'the same messages, each once');
  const inSubject = ranked.map((h) => /falcon/i.test(h.subject));
  assert.ok(inSubject.includes(false) && inSubject.includes(true), 'the demo has both kinds of match');
  assert.equal(inSubject.indexOf(false), inSubject.lastIndexOf(true) + 1, `subject matches come first: ${inSubject}`);
  assert.notDeepEqual(byDate.hits.map((h) => h.id), ranked.map((h) => h.id), 'relevance is not the date order here');
  const first = ranked[0];
  assert.deepEqual(first.subjectHighlights.map((r: { start: number; end: number }) => first.subject.slice(r.start, r.end).toLowerCase()), ['falcon']);

  const badSort = await search(stack, MEGAN, { q: 'falcon', sort: 'size' });
  assert.equal(badSort.status, 400);
  assert.equal(badSort.body.error.field, 'sort');
  const dateCursor = (await search(stack, MEGAN, { q: 'falcon', limit: 1 })).body.nextCursor;
  assert.equal((await search(stack, MEGAN, { q: 'falcon', sort: 'relevance', cursor: dateCursor })).status, 400, 'a cursor of the other order is refused');
});

test('a conversation lists the thread oldest first, replies and forwards included', async () => {
  const hit = (await search(stack, MEGAN, { q: `subject:"${THREAD}"` })).body.value.find((h: { subject: string }) => h.subject === `RE: ${THREAD}`);
  const res = await stack.api(MEGAN, 'GET', `/messages/${encodeURIComponent(hit.id)}/conversation`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const subjects = res.body.value.map((h: { subject: string }) => h.subject);
  assert.equal(subjects[0], THREAD, 'the first message of the thread comes first');
  assert.ok(subjects.length >= 4 && subjects.slice(1).every((s: string) => s === `RE: ${THREAD}`), JSON.stringify(subjects));
  const dates = res.body.value.map((h: { date: string }) => h.date);
  assert.deepEqual(dates, [...dates].sort(), 'oldest first');
  assert.ok(res.body.value.some((h: { id: string }) => h.id === hit.id));
  assert.equal((await stack.api(DEMO_USERS.alex.upn, 'GET', `/messages/${encodeURIComponent(hit.id)}/conversation`)).status, 404, "another person's message is not found");
});

test('a conversation follows Message-ID, In-Reply-To and References: a changed subject stays, a namesake thread stays out, the subject places the rest', async () => {
  // Two threads of one subject, the first of which changes its subject in its last reply.
  const mails = [
    { key: 'a', subject: 'Budget 2027', day: 1 },
    { key: 'd', subject: 'Budget 2027', day: 2 },
    { key: 'b', subject: 'RE: Budget 2027', day: 3, parents: ['a'] },
    { key: 'e', subject: 'RE: Budget 2027', day: 4, parents: ['d'] },
    { key: 'c', subject: 'Final numbers for next year', day: 5, parents: ['a', 'b'] },
    // Headers that join it to nothing: only its subject can place it.
    { key: 'f', subject: 'RE: Budget 2027', day: 6 },
  ];
  const id = (key: string) => `<${key}.budget-thread@contoso.example>`;
  const keys = new Map<string, string>(); // result id → key
  for (const m of mails) {
    const replyHeaders = m.parents ? `In-Reply-To: ${id(m.parents.at(-1)!)}\r\nReferences: ${m.parents.map(id).join(' ')}\r\n` : '';
    const raw = `From: lee@contoso.example\r\nTo: ${MEGAN}\r\nSubject: ${m.subject}\r\nDate: Mon, 0${m.day} Mar 2027 09:00:00 +0000\r\n`
      + `Message-ID: ${id(m.key)}\r\n${replyHeaders}Content-Type: text/plain\r\n\r\nNumbers, take ${m.key}.\r\n`;
    const { sha256 } = await ingestMessage(stack.store, { archiveId: DEMO_USERS.megan.id, folder: 'Inbox', source: { kind: 'import', file: `${m.key}.eml` }, content: Readable.from([Buffer.from(raw)]) });
    keys.set(itemId(DEMO_USERS.megan.id, sha256), m.key);
  }
  const thread = async (key: string) => {
    const opened = [...keys].find(([, k]) => k === key)![0];
    const res = await stack.api(MEGAN, 'GET', `/messages/${encodeURIComponent(opened)}/conversation`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.value.map((h: { id: string; subject: string }) => keys.get(h.id) ?? h.subject).join(' ');
  };
  for (const key of ['a', 'b', 'c']) assert.equal(await thread(key), 'a b c', `the conversation of ${key}`);
  for (const key of ['d', 'e']) assert.equal(await thread(key), 'd e', `the conversation of ${key}`);
  assert.equal(await thread('f'), 'a d b e f', 'without thread headers, the subject decides');
});

test('a message is found by its Message-ID, with the operator or pasted alone', async () => {
  const hit = (await search(stack, MEGAN, { q: `subject:"${THREAD}"` })).body.value[0];
  const messageId = (await stack.api(MEGAN, 'GET', `/messages/${encodeURIComponent(hit.id)}`)).body.headers.messageId as string;
  assert.match(messageId, /^<.+@.+>$/);
  for (const q of [`messageid:${messageId}`, messageId, `messageid:${messageId.slice(1, -1)}`]) {
    const res = await search(stack, MEGAN, { q });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.value.map((h: { id: string }) => h.id), [hit.id], q);
  }
  assert.equal((await search(stack, DEMO_USERS.alex.upn, { q: messageId, archive: hit.archiveId })).status, 404);
  const counted = await facets(messageId);
  assert.equal(counted.total, 1, 'the facets of a Message-ID search count its one message');
  assert.equal(counted.senders[0].count, 1);
  const mixed = await search(stack, MEGAN, { q: `budget messageid:${messageId}` });
  assert.equal(mixed.status, 400);
  assert.equal(mixed.body.error.field, 'q');
  assert.match(mixed.body.error.message, /used on its own/);
});

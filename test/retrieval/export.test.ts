import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../helpers/stack';
import { attachmentsMessage } from './fixtures';
import { ALEX, CORPUS_EXTRAS, MEGAN, archiveMegan, auditEntries, corpusBytes, itemBySha, itemsOf, rawApi, sha256, type StoredItem } from './helpers';
import { parseMboxrd } from './mbox-reader';
import { readZip } from './zip-reader';

let stack: Stack;
let all: StoredItem[];
let quoted: StoredItem;
const fromLineMail = corpusBytes(CORPUS_EXTRAS.fromLine);

before(async () => {
  stack = await startStack({ seed: 'demo' });
  await archiveMegan(stack, [attachmentsMessage(), ...(fromLineMail ? [fromLineMail] : [])]);
  all = await itemsOf(stack, MEGAN.id);
  quoted = await itemBySha(stack, MEGAN.id, sha256(attachmentsMessage()));
});
after(async () => stack?.close());

const exportAs = (user: string, body: unknown) => rawApi(stack, user, 'POST', '/export', body);

async function original(sha: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stack.store.blobs.open(sha)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

test('an mbox export of chosen messages reads back into the same messages, byte for byte', async () => {
  const chosen = [quoted, ...all.filter((i) => i !== quoted).slice(0, 7)];
  if (fromLineMail) chosen.push(await itemBySha(stack, MEGAN.id, sha256(fromLineMail)));
  const res = await exportAs(MEGAN.upn, { archive: MEGAN.id, items: chosen.map((i) => i._id), format: 'mbox' });
  assert.equal(res.status, 200, res.bytes.toString().slice(0, 300));
  assert.equal(res.headers.get('content-type'), 'application/mbox');
  assert.equal(res.headers.get('x-export-messages'), String(chosen.length), 'progress: messages to come');
  assert.equal(res.headers.get('x-export-original-bytes'), String(chosen.reduce((n, i) => n + i.size, 0)));
  assert.match(res.headers.get('content-disposition')!, /^attachment; filename="archive-export-\d{4}-\d\d-\d\d\.mbox"/);
  assert.match(res.bytes.toString('latin1'), /^>From the desk of Alex\r$/m, 'body From lines are quoted');
  assert.match(res.bytes.toString('latin1'), /^>>From a quoted reply\r$/m);
  const messages = parseMboxrd(res.bytes);
  assert.equal(messages.length, chosen.length);
  messages.forEach((m, i) => assert.equal(sha256(m), chosen[i]!.sha256, `message ${i} (${chosen[i]!.subject})`));
});

test('a zip export holds one .eml per message, byte for byte, under unique names by folder', async () => {
  const res = await exportAs(MEGAN.upn, { archive: MEGAN.id, format: 'zip' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/zip');
  const entries = readZip(res.bytes);
  assert.equal(entries.length, all.length, 'the whole archive');
  assert.equal(res.headers.get('x-export-messages'), String(all.length));
  assert.equal(new Set(entries.map((e) => e.name.toLowerCase())).size, entries.length, 'unique names');
  assert.deepEqual(entries.map((e) => sha256(e.data)).sort(), all.map((i) => i.sha256).sort());
  for (const e of entries) assert.match(e.name, /^([^/\\:*?"<>|]+\/)*\d{4}-\d\d-\d\d \d{4} [^/\\:*?"<>|]+\.eml$/, e.name);
  assert.ok(entries.some((e) => e.name.startsWith('Inbox/Projects/')), 'folders become directories');
  const q = entries.find((e) => sha256(e.data) === quoted.sha256)!;
  assert.match(q.name, /^Inbox\/\d{4}-\d\d-\d\d \d{4} Q3 report – düe Friday\.eml$/);
  assert.ok(q.data.equals(await original(quoted.sha256)));
});

test('a whole-archive mbox export has every message once', async () => {
  const res = await exportAs(MEGAN.upn, { archive: MEGAN.id, format: 'mbox' });
  assert.equal(res.status, 200);
  const shas = parseMboxrd(res.bytes).map(sha256);
  assert.deepEqual([...shas].sort(), all.map((i) => i.sha256).sort());
});

test('exports need the export right on the archive; unknown items and bad input are refused before any byte', async () => {
  const denied = await exportAs(ALEX.upn, { archive: MEGAN.id, format: 'zip' });
  const unknown = await exportAs(ALEX.upn, { archive: 'no-such-archive', format: 'zip' });
  assert.equal(denied.status, 404);
  assert.deepEqual(denied.json(), unknown.json());
  assert.equal((await exportAs(ALEX.upn, { archive: MEGAN.id, items: [quoted._id], format: 'mbox' })).status, 404);

  const missing = await exportAs(MEGAN.upn, { archive: MEGAN.id, items: [quoted._id, `${MEGAN.id}:${'f'.repeat(64)}`], format: 'mbox' });
  assert.equal(missing.status, 404);
  assert.equal(missing.json().error.message, 'Message not found');
  const cases: [unknown, string][] = [
    [{ archive: MEGAN.id, format: 'tar' }, 'format'],
    [{ archive: MEGAN.id, items: ['nope'], format: 'mbox' }, 'items.0'],
    [{ archive: MEGAN.id, items: [`${ALEX.id}:${quoted.sha256}`], format: 'mbox' }, 'items.0'],
    [{ archive: MEGAN.id, items: [], format: 'mbox' }, 'items'],
    [{ archive: MEGAN.id, query: 'from:', format: 'mbox' }, 'query'],
    [{ archive: MEGAN.id, query: 'budget', items: [quoted._id], format: 'mbox' }, 'query'],
    [{ format: 'mbox' }, 'archive'],
  ];
  for (const [body, field] of cases) {
    const res = await exportAs(MEGAN.upn, body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.json().error.field, field, JSON.stringify(body));
  }
  // A malformed query is told as the search tells it: the parser's code and where it went wrong.
  const malformed = (await exportAs(MEGAN.upn, { archive: MEGAN.id, query: 'budget "unclosed', format: 'mbox' })).json().error;
  assert.deepEqual([malformed.code, malformed.field, malformed.position], ['invalid_query', 'query', 7], malformed.message);
});

test("a search's results export as exactly the messages the search lists", async () => {
  const query = 'has:attachment OR from:alex';
  const listed: string[] = [];
  let total = 0;
  for (let cursor: string | null = null; ; ) {
    const page: any = (await stack.api(MEGAN.upn, 'GET', `/search?${new URLSearchParams({ q: query, archive: MEGAN.id, limit: '3', ...(cursor ? { cursor } : {}) })}`)).body;
    total = page.total;
    listed.push(...page.value.map((h: { id: string }) => h.id.split(':')[1]));
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  assert.ok(listed.length > 1 && listed.length < all.length, `a real selection: ${listed.length} of ${all.length}`);
  const res = await exportAs(MEGAN.upn, { archive: MEGAN.id, query, format: 'mbox' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-export-messages'), String(total));
  assert.deepEqual(parseMboxrd(res.bytes).map(sha256), listed, 'same messages, same order');
  assert.equal((await exportAs(ALEX.upn, { archive: MEGAN.id, query, format: 'mbox' })).status, 404);
});

test('every export is audited with its format and selection', async () => {
  const entries = (await auditEntries(stack, { 'actor.oid': MEGAN.id, action: 'export' })).map((e) => [e.archiveId, e.details.format, e.details.selection]);
  assert.deepEqual(entries, [[MEGAN.id, 'mbox', 'items'], [MEGAN.id, 'zip', 'archive'], [MEGAN.id, 'mbox', 'archive'], [MEGAN.id, 'mbox', 'query']]);
});

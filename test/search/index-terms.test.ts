import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  indexKeys,
  indexTerms,
  indexTermsInSlices,
  keysFor,
  prefixRange,
  prefixRanges,
  termKey,
} from '../../backend/src/search/index-terms';
import type { FieldTerms, IndexableMessage } from '../../backend/src/search/index-terms';
import { buildSegment, termsOfEntries, type IndexEntry } from '../../backend/src/search/index-segment';

const message: IndexableMessage = {
  subject: 'Q3 Budget review',
  body: 'Please find the café budget attached.',
  from: { name: 'Alice Martin', address: 'alice@contoso.com' },
  to: [{ name: 'Bob Jones', address: 'bob@contoso.com' }],
  cc: [{ name: 'Carol Smith', address: 'carol@fabrikam.com' }],
  bcc: [{ address: 'audit@contoso.com' }],
  attachmentNames: ['Q3-report.pdf', 'notes.txt'],
  attachmentText: ['Revenue grew in Zürich'],
};

function termsOf(fields: FieldTerms[], field: FieldTerms['field']): string[] {
  return fields.find((f) => f.field === field)?.terms ?? [];
}

function assertIncludes(actual: string[], expected: string[]): void {
  assert.deepEqual(expected.filter((t) => !actual.includes(t)), [], `missing from ${JSON.stringify(actual)}`);
}

test('every searchable part of a message is indexed in its own field', () => {
  const fields = indexTerms(message);
  assert.deepEqual(fields.map((f) => f.field), ['subject', 'from', 'to', 'filename', 'body', 'attachment']);
  assertIncludes(termsOf(fields, 'subject'), ['q3', 'budget', 'review', 'budget review']);
  assertIncludes(termsOf(fields, 'from'), ['alice', 'martin', 'alice martin', 'alice@contoso.com', 'contoso.com']);
  assertIncludes(termsOf(fields, 'filename'), ['q3-report.pdf', 'report.pdf', 'pdf', 'notes.txt']);
  assertIncludes(termsOf(fields, 'body'), ['cafe', 'attached']);
  assertIncludes(termsOf(fields, 'attachment'), ['revenue', 'zurich']);
});

test('to covers To, Cc and Bcc, and no phrase spans two recipients', () => {
  const to = termsOf(indexTerms(message), 'to');
  assertIncludes(to, ['bob jones', 'bob@contoso.com', 'carol smith', 'fabrikam.com', 'audit@contoso.com']);
  assert.ok(!to.includes('jones carol'));
});

test('empty fields are left out', () => {
  assert.deepEqual(indexTerms({ subject: 'Hi', body: '', to: [], from: null }), [{ field: 'subject', terms: ['hi'] }]);
});

test('posting keys put each term behind its field code', () => {
  const keys = indexKeys(message);
  assertIncludes(keys, ['s:budget', 'f:alice@contoso.com', 't:bob', 'n:report.pdf', 'b:cafe', 'a:zurich']);
  assert.equal(termKey('subject', 'budget'), 's:budget');
});

test('every word of a long body is indexed, the last as much as the first', async () => {
  // The 195 KB body: words after some 136,000 characters were missing (a cap of 20,000 terms).
  const words = Array.from({ length: 40_000 }, (_, i) => `word${i}`);
  const body = `${words.join(' ')} lastword`;
  const fields = indexTerms({ ...message, body, attachmentText: [body] });
  for (const field of ['body', 'attachment'] as const) assertIncludes(termsOf(fields, field), ['word0', 'word39999', 'lastword', 'word39999 lastword']);
  assert.deepEqual(await indexTermsInSlices({ ...message, body, attachmentText: [body] }), fields, 'the sliced tokenizer finds the same terms');
});

test('the body alternatives are indexed each on its own: no phrase spans the two', () => {
  const fields = indexTerms({ subject: 'x', body: ['view in browser', 'Summer sale on widgets'] });
  assertIncludes(termsOf(fields, 'body'), ['view', 'browser', 'summer', 'widgets', 'sale on']);
  assert.ok(!termsOf(fields, 'body').includes('browser summer'));
});

test('an unrestricted term is looked up in every field, a restricted one in its own', () => {
  assert.deepEqual(keysFor('any', 'budget'), ['s:budget', 'f:budget', 't:budget', 'n:budget', 'b:budget', 'a:budget']);
  assert.deepEqual(keysFor('from', 'alice'), ['f:alice']);
  assert.deepEqual(keysFor('filename', 'pdf'), ['n:pdf']);
});

test('a prefix range covers exactly the keys starting with the prefix', () => {
  const range = prefixRange('inv', 'subject');
  assert.deepEqual(range, { $gte: 's:inv', $lt: 's:inw' });
  const inRange = (key: string): boolean =>
    Buffer.compare(Buffer.from(key), Buffer.from(range.$gte)) >= 0 && Buffer.compare(Buffer.from(key), Buffer.from(range.$lt)) < 0;
  for (const key of ['s:inv', 's:invoice', 's:inv\uffff', 's:inv𠀀', 's:inv-2024']) assert.ok(inRange(key), key);
  for (const key of ['s:inu', 's:inw', 'b:invoice', 's:in']) assert.ok(!inRange(key), key);
});

test('a prefix ending in a character beyond the BMP still has a correct upper bound', () => {
  assert.deepEqual(prefixRange('a𠀀'), { $gte: 'a𠀀', $lt: 'a𠀁' });
  assert.deepEqual(prefixRange('a\ud7ff'), { $gte: 'a\ud7ff', $lt: 'a\ue000' });
});

test('prefixes shorter than two characters are refused', () => {
  assert.throws(() => prefixRange('a'), { name: 'RangeError', message: "'a*' is too short: type at least 2 characters before *" });
  assert.equal(prefixRanges('any', 'in').length, 6);
});

describe('copies of one message in several archives', () => {
  const copy = (folder: string, copies: number, body = 'The quarterly figures are attached.'): IndexEntry => ({
    sha256: 'ab'.repeat(32), receivedAt: new Date('2026-01-05T10:00:00Z'), folder, size: 1200, hasAttachments: false, subject: 'Figures',
    from: { name: 'Adele', address: 'adele@contoso.com' }, moreFrom: [], to: [{ name: 'Megan', address: 'megan@contoso.com' }], attachmentNames: [], body, alternativeText: '', attachmentText: [],
    copies,
  });

  test('are tokenized once: the archives of a journal report share the terms of its message, until each took them', async () => {
    const [a] = await termsOfEntries([copy('Inbox', 3)]);
    const [b] = await termsOfEntries([copy('Sent Items', 3)]);
    const [c] = await termsOfEntries([copy('Deleted Items', 3)]);
    assert.equal(a, b, 'the same terms, not tokenized twice');
    assert.equal(a, c);
    assert.ok(a!.some((f) => f.field === 'body' && f.terms.includes('quarterly')));
    const [later] = await termsOfEntries([copy('Inbox', 3)]);
    assert.notEqual(later, a, 'forgotten once the third copy took them');
  });

  test('a message with one copy (a crawled mailbox) keeps nothing for later', async () => {
    const [a] = await termsOfEntries([copy('Inbox', 1)]);
    const [b] = await termsOfEntries([copy('Inbox', 1)]);
    assert.notEqual(a, b);
    assert.deepEqual(a, b);
  });

  test('share nothing when their text differs, whatever their hash says', async () => {
    const [a] = await termsOfEntries([copy('Inbox', 2)]);
    const [b] = await termsOfEntries([copy('Inbox', 2, 'Entirely other words here, and longer.')]);
    assert.notEqual(a, b);
    assert.ok(b!.some((f) => f.field === 'body' && f.terms.includes('entirely')));
  });
});

test('building a big batch\'s segment lets the event loop serve I/O while it works', async () => {
  // 4,000 messages of distinct words: well over a slice of work on any machine.
  const entries: IndexEntry[] = Array.from({ length: 4000 }, (_, i) => ({
    sha256: i.toString(16).padStart(64, '0'), receivedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000), folder: 'Inbox', size: 2000, hasAttachments: false,
    subject: `Report ${i}`, from: { name: 'Adele', address: 'adele@contoso.com' }, moreFrom: [], to: [{ name: 'Megan', address: 'megan@contoso.com' }], attachmentNames: [],
    body: Array.from({ length: 60 }, (_, w) => `word${i}x${w}`).join(' '), alternativeText: '', attachmentText: [],
  }));
  const terms = await termsOfEntries(entries);
  let served = false;
  setImmediate(() => (served = true));
  const seg = await buildSegment(entries, entries.map((_, i) => i), terms);
  assert.equal(seg.columns.n, 4000);
  assert.ok(served, 'an I/O turn waiting when the build began ran before it ended');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_TERMS_PER_MESSAGE,
  indexKeys,
  indexTerms,
  keysFor,
  prefixRange,
  prefixRanges,
  termKey,
} from '../../backend/src/search/index-terms';
import type { FieldTerms, IndexableMessage } from '../../backend/src/search/index-terms';

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

test('a message never has more keys than the cap, small fields first', () => {
  const huge = Array.from({ length: 100_000 }, (_, i) => `word${i}`).join(' ');
  const fields = indexTerms({ ...message, body: huge, attachmentText: [huge] });
  const total = fields.reduce((n, f) => n + f.terms.length, 0);
  assert.equal(total, MAX_TERMS_PER_MESSAGE);
  assertIncludes(termsOf(fields, 'subject'), ['budget']);
  const body = termsOf(fields, 'body').length;
  const attachment = termsOf(fields, 'attachment').length;
  assert.ok(Math.abs(body - attachment) <= 1, `body ${body} and attachments ${attachment} share the rest`);
});

test('the body gets the whole remaining budget when there is no attachment text', () => {
  const huge = Array.from({ length: 100_000 }, (_, i) => `word${i}`).join(' ');
  const fields = indexTerms({ subject: 'x', body: huge }, 1000);
  assert.deepEqual(fields.map((f) => [f.field, f.terms.length]), [['subject', 1], ['body', 999]]);
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

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuery } from '../../backend/src/search/query';
import { SNIPPET_CHARS, highlightTerms, makeSnippet } from '../../backend/src/search/snippet';

const marked = (text: string, q: string) => {
  const { snippet, highlights } = makeSnippet(text, highlightTerms(parseQuery(q)));
  return { snippet, words: highlights.map((h) => snippet.slice(h.start, h.end)) };
};

test('highlights mark the searched words whatever their case and accents', () => {
  assert.deepEqual(marked('Le CAFÉ est ouvert; café crème au Café de Flore.', 'cafe').words, ['CAFÉ', 'café', 'Café']);
  assert.deepEqual(marked('Straße und Strasse', 'strasse').words, ['Straße', 'Strasse']);
  assert.deepEqual(marked('invoices and the invoice', 'invoic*').words, ['invoices', 'invoice']);
  assert.deepEqual(marked('the quarterly budget review', '"quarterly budget"').words, ['quarterly', 'budget']);
});

test('excluded words and words of other fields are not marked', () => {
  assert.deepEqual(marked('budget draft from alice', 'budget -draft from:alice').words, ['budget']);
  assert.deepEqual(marked('budget draft', 'body:draft').words, ['draft']);
});

test('the snippet is a window around the first match, with ellipses where text was cut', () => {
  const filler = 'lorem ipsum dolor sit amet '.repeat(30);
  const text = `${filler}the zebrafish report is late ${filler}`;
  const { snippet, words } = marked(text, 'zebrafish');
  assert.ok(snippet.startsWith('…') && snippet.endsWith('…'), snippet);
  assert.ok(snippet.length <= SNIPPET_CHARS + 2);
  assert.deepEqual(words, ['zebrafish']);
  const plain = marked(text, 'nothing-here');
  assert.ok(plain.snippet.startsWith('lorem') && plain.words.length === 0);
});

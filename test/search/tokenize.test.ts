import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_MAX_TERMS,
  MAX_TERM_LENGTH,
  containsPhrase,
  joinUnits,
  normalize,
  phraseLookupTerms,
  phraseNeedsVerification,
  queryWord,
  termsForPhrase,
  tokenize,
} from '../../backend/src/search/tokenize';
import { fold } from '../../backend/src/search/normalize';

const words = (text: string): string[] => tokenize(text, { shingles: false });

function assertIncludes(actual: string[], expected: string[]): void {
  const missing = expected.filter((t) => !actual.includes(t));
  assert.deepEqual(missing, [], `missing from ${JSON.stringify(actual)}`);
}

test('normalize ignores case and accents', () => {
  assert.equal(normalize('Café'), 'cafe');
  assert.equal(normalize('ÀÉÎÕÜ ñ ç'), 'aeiou n c');
  assert.equal(normalize('Ελληνικός'), 'ελληνικοσ');
  assert.equal(normalize('İstanbul'), 'istanbul');
});

test('ASCII text takes the short way to the same form as the full fold: every character, and mixed words', () => {
  const every = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c)).join('');
  assert.equal(normalize(every), fold(every));
  for (const word of ['Kernel', 'S390x', 'RE:', 'e-mail', 'O\'Brien', 'ABC_def', '', 'x\u0000y']) assert.equal(normalize(word), fold(word), word);
  assert.equal(normalize('Cafe\u0301'), 'cafe', 'one combining mark leaves the short way');
});

test('normalize folds ß and other letters typed differently on ASCII keyboards', () => {
  assert.equal(normalize('STRASSE'), 'strasse');
  assert.equal(normalize('straße'), 'strasse');
  assert.equal(normalize('Ærøskøbing Łódź'), 'aeroskobing lodz');
  assert.equal(normalize('O’Brien — 2020–2024'), "o'brien - 2020-2024");
});

test('normalize maps compatibility forms and keeps letters that only look like accented ones', () => {
  assert.equal(normalize('ＡＢＣ１２３ ﬁle'), 'abc123 file');
  assert.equal(normalize('Contoso™ Ltd'), 'contoso  ltd');
  assert.equal(normalize('한국어'), '한국어', 'Hangul syllables are recomposed');
  assert.notEqual(normalize('が'), normalize('か'), 'kana voicing changes the word');
  assert.equal(normalize('ｶﾞ'), 'ガ');
});

test('words split on anything that is not a letter or digit', () => {
  assert.deepEqual(words('Hello, world! (Budget) #review; ok?'), ['hello', 'world', 'budget', 'review', 'ok']);
});

test('an email address gives the whole address and its parts', () => {
  assertIncludes(words('Mail John.Smith@Contoso.com today'), [
    'john.smith@contoso.com',
    'john.smith',
    'john',
    'smith',
    'contoso.com',
    'contoso',
    'com',
  ]);
});

test('a subdomain address is also found by its parent domain', () => {
  assertIncludes(words('alerts@mail.contoso.co.uk'), ['mail.contoso.co.uk', 'contoso.co.uk', 'co.uk', 'mail', 'uk']);
});

test('a URL gives its host names and path words, not its scheme or query string', () => {
  const terms = words('See https://www.Contoso.com:8443/sites/Finance/Q3%20Budget.xlsx?d=w1234&utm_source=mail#top.');
  assertIncludes(terms, ['www.contoso.com', 'contoso.com', 'contoso', 'sites', 'finance', 'q3', 'budget.xlsx', 'budget', 'xlsx']);
  for (const noise of ['https', '8443', 'w1234', 'utm_source', 'top']) assert.ok(!terms.includes(noise), noise);
});

test('numbers are kept, decimals and versions as a whole and in parts', () => {
  assertIncludes(words('In 2024 pi was 3.14 and v1.2.3 cost 1,000,000 at 10:30'), [
    '2024',
    '3.14',
    '3',
    '14',
    'v1.2.3',
    'v1',
    '2',
    '1,000,000',
    '000',
    '10:30',
  ]);
});

test('hyphenated and apostrophe words give the whole and the parts', () => {
  assertIncludes(words('e-mail from O’Brien about John’s file_name'), [
    'e-mail',
    'e',
    'mail',
    "o'brien",
    'brien',
    "john's",
    'john',
    'file_name',
    'file',
    'name',
  ]);
});

test('punctuation at the end of a sentence is not part of a compound', () => {
  assert.deepEqual(words('Visit contoso.com.'), ['visit', 'contoso.com', 'contoso', 'com']);
});

test('CJK text is indexed as single characters and overlapping bigrams', () => {
  assert.deepEqual(words('東京都'), ['東', '京', '都']);
  assert.deepEqual(tokenize('東京都'), ['東', '京', '東京', '都', '京都']);
  assertIncludes(tokenize('カタカナ'), ['カタ', 'タカ', 'カナ']);
  assertIncludes(tokenize('한국어 공부'), ['한국', '국어', '공부', '어공']);
  assertIncludes(tokenize('会議はmeetingです'), ['会議', '議は', 'meeting', 'で', 'です']);
});

test('Thai text is split into dictionary words', () => {
  assertIncludes(words('ภาษาไทยง่าย'), ['ภาษา', 'ไทย', 'ง่าย']);
});

test('terms longer than 64 characters are dropped', () => {
  const base64 = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODk';
  const longest = 'x'.repeat(MAX_TERM_LENGTH);
  assert.deepEqual(words(`before ${base64} ${longest} after`), ['before', longest, 'after']);
});

test('a long compound keeps its parts even when the whole is too long to index', () => {
  const parts = Array.from({ length: 20 }, (_, i) => `part${i}`);
  const terms = words(parts.join('.'));
  assert.ok(!terms.some((t) => t.length > MAX_TERM_LENGTH));
  assertIncludes(terms, parts);
});

test('tokenize returns distinct terms and shingles of adjacent words', () => {
  assert.deepEqual(tokenize('the cat and the cat'), ['the', 'cat', 'the cat', 'and', 'cat and', 'and the']);
});

test('several texts are tokenized separately, with no shingle spanning two', () => {
  const terms = tokenize(['Alice Smith', 'Bob Jones']);
  assertIncludes(terms, ['alice smith', 'bob jones']);
  assert.ok(!terms.includes('smith bob'));
});

test('a 5 MB text of distinct words stops at the term cap', () => {
  const text = Array.from({ length: 800_000 }, (_, i) => `w${i.toString(36)}`).join(' ').slice(0, 5 * 1024 * 1024);
  assert.equal(tokenize(text).length, DEFAULT_MAX_TERMS);
  assert.equal(tokenize(text, { maxTerms: 100 }).length, 100);
});

test('a 5 MB repetitive text gives only its few distinct terms', () => {
  const text = 'lorem ipsum dolor sit amet '.repeat(200_000);
  assert.ok(text.length > 5_000_000);
  assert.deepEqual(tokenize(text, { shingles: false }), ['lorem', 'ipsum', 'dolor', 'sit', 'amet']);
  assert.equal(tokenize(text).length, 10);
});

test('5 MB without any whitespace tokenizes without exhausting the stack', () => {
  assert.deepEqual(tokenize('A'.repeat(5 * 1024 * 1024)), []);
  assert.equal(tokenize('a.'.repeat(2.5 * 1024 * 1024)).length, 2);
  assert.equal(tokenize('東京'.repeat(2.5 * 1024 * 1024)).length, 4);
  assert.ok(tokenize('x@contoso.com;'.repeat(400_000)).length < 20);
});

test('a phrase is the sequence of its units', () => {
  assert.deepEqual(termsForPhrase('Hello, World — again!'), ['hello', 'world', 'again']);
  assert.deepEqual(termsForPhrase('john.smith@contoso.com'), ['john', 'smith', 'contoso', 'com']);
  assert.deepEqual(termsForPhrase('東京都'), ['東', '京', '都']);
  assert.deepEqual(termsForPhrase('?!'), []);
});

test('a phrase is looked up by its shingles, CJK ones being bigrams', () => {
  assert.deepEqual(phraseLookupTerms(['to', 'be', 'or', 'not', 'to', 'be']), ['to be', 'be or', 'or not', 'not to']);
  assert.deepEqual(phraseLookupTerms(['東', '京', '都']), ['東京', '京都']);
  assert.deepEqual(phraseLookupTerms(['budget']), ['budget']);
  assert.deepEqual(phraseLookupTerms(['q3', '予', '算']), ['q3 予', '予算']);
});

test('only phrases of three or more units need checking against the text', () => {
  assert.equal(phraseNeedsVerification(['a']), false);
  assert.equal(phraseNeedsVerification(['a', 'b']), false);
  assert.equal(phraseNeedsVerification(['a', 'b', 'c']), true);
});

test('containsPhrase checks order and adjacency, ignoring case, accents and punctuation', () => {
  const text = 'Re: The Café budget — approved. Budget review next week.';
  assert.equal(containsPhrase(text, termsForPhrase('cafe budget approved')), true);
  assert.equal(containsPhrase(text, termsForPhrase('budget cafe')), false);
  assert.equal(containsPhrase(text, termsForPhrase('cafe approved')), false);
  assert.equal(containsPhrase(text, ['budget', 'review']), true);
});

test('every lookup term of a phrase is indexed for a text containing it', () => {
  const samples = [
    ['Please review the Q3 budget report by Friday.', 'the Q3 budget report'],
    ['Contact john.smith@contoso.com for access', 'smith@contoso.com for'],
    ['東京都に住んでいます', '京都に住'],
    ['Read https://contoso.com/docs/guide now', 'contoso.com/docs/guide now'],
  ] as const;
  for (const [text, phrase] of samples) {
    const lookups = phraseLookupTerms(termsForPhrase(phrase));
    assertIncludes(tokenize(text), lookups);
    assert.equal(containsPhrase(text, termsForPhrase(phrase)), true, phrase);
  }
});

test('a query word is one term when the index holds it whole, else a phrase', () => {
  assert.deepEqual(queryWord('Café'), { kind: 'term', value: 'cafe' });
  assert.deepEqual(queryWord('John.Smith@contoso.com'), { kind: 'term', value: 'john.smith@contoso.com' });
  assert.deepEqual(queryWord('report.pdf'), { kind: 'term', value: 'report.pdf' });
  assert.deepEqual(queryWord('東京'), { kind: 'term', value: '東京' });
  assert.deepEqual(queryWord('東京都'), { kind: 'phrase', terms: ['東', '京', '都'] });
  assert.deepEqual(queryWord('foo/bar'), { kind: 'phrase', terms: ['foo', 'bar'] });
  assert.deepEqual(queryWord('&'), { kind: 'none' });
});

test('a query word is always found in a text that contains it', () => {
  const text = 'Send the e-mail to John.Smith@contoso.com re: v1.2.3 of Q3-report.pdf at https://contoso.com/x, 東京都';
  for (const word of ['e-mail', 'JOHN.SMITH@CONTOSO.COM', 'contoso.com', 'v1.2.3', 'q3-report.pdf', 'report.pdf', 'E', '東京', '都']) {
    const q = queryWord(word);
    const needed = q.kind === 'term' ? [q.value] : q.kind === 'phrase' ? phraseLookupTerms(q.terms) : [];
    assert.ok(needed.length > 0, word);
    assertIncludes(tokenize(text), needed);
  }
});

test('joinUnits writes a phrase back as text that tokenizes to the same units', () => {
  for (const phrase of ['quarterly budget', '東京都', 'q3 予算 review']) {
    const units = termsForPhrase(phrase);
    assert.deepEqual(termsForPhrase(joinUnits(units)), units);
  }
  assert.equal(joinUnits(['東', '京', 'tower']), '東京 tower');
});

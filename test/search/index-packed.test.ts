// A packed segment (a small ingest batch, read whole) answers a search's terms and prefixes by
// binary search over its records: the answer must be exactly what reading every record gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findRecords } from '../../backend/src/search/index-bucketed';
import { byTerm } from '../../backend/src/search/index-segment';

const words = ['a', 'ab', 'abc', 'abd', 'b', 'ba', 'kernel', 'kernel panic', 'kernels', 'kerning', 'mail', 'mailbox', 'mañana', 'naïve', 'zeta', 'zürich', '東京', '東京都', '😀'];
const sorted = [...words].sort(byTerm).map((term) => ({ term, lists: {} }));

function everyRecord(terms: string[], prefixes: string[]) {
  const wanted = new Set(terms);
  return sorted.filter((r) => wanted.has(r.term) || prefixes.some((p) => r.term.startsWith(p)));
}

test('a packed segment finds exactly the records a full read finds, in term order', () => {
  const cases: [string[], string[]][] = [
    [['kernel'], []],
    [['kernel', 'kernel', 'absent'], []],
    [[], ['kern']],
    [['kernel'], ['kernel']],
    [['mail', 'zeta'], ['ma', 'a']],
    [[], ['東京', 'z', 'na']],
    [['😀', 'a'], ['']],
    [['zzz', '0'], ['q', 'ÿ']],
    [[], []],
  ];
  for (const [terms, prefixes] of cases) {
    assert.deepEqual(findRecords(sorted, terms, prefixes).map((r) => r.term), everyRecord(terms, prefixes).map((r) => r.term), JSON.stringify({ terms, prefixes }));
  }
  assert.deepEqual(findRecords([], ['a'], ['b']), []);
});

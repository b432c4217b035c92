import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { HashSet } from '../../backend/src/search/hash-set';

const sha = (i: number) => createHash('sha256').update(`message ${i}`).digest('hex');

test('a merge drops a message seen before and keeps every other one, over many hashes', () => {
  const set = new HashSet(40_000);
  for (let i = 0; i < 20_000; i++) assert.equal(set.add(sha(i)), true, `first sight of ${i}`);
  for (let i = 0; i < 20_000; i += 7) assert.equal(set.add(sha(i)), false, `${i} again`);
  for (let i = 20_000; i < 40_000 - 20_000 / 7; i++) assert.equal(set.add(sha(i)), true, `first sight of ${i}`);
});

test('hashes that share the bits choosing their slot are still told apart', () => {
  const a = `00000000${'1'.repeat(56)}`;
  const b = `00000000${'2'.repeat(56)}`;
  const c = `00000000${'1'.repeat(55)}3`;
  const set = new HashSet(4);
  assert.deepEqual([set.add(a), set.add(b), set.add(c)], [true, true, true]);
  assert.deepEqual([set.add(c), set.add(a), set.add(b)], [false, false, false]);
});

test('an id that is no SHA-256 in hex is kept apart, never taken for another', () => {
  const set = new HashSet(4);
  const almost = `${sha(1).slice(0, 62)}zz`;
  assert.deepEqual([set.add(sha(1)), set.add(almost), set.add('legacy-id'), set.add('')], [true, true, true, true]);
  assert.deepEqual([set.add(almost), set.add('legacy-id'), set.add(''), set.add(sha(1).toUpperCase())], [false, false, false, false]);
});

test('more hashes than it was sized for is a bug, not a silent miss', () => {
  const set = new HashSet(1);
  set.add(sha(1));
  assert.throws(() => set.add(sha(2)), /sized for/);
});

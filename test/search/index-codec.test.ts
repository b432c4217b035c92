import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteReader, ByteWriter, MergedTerm, TermRecordWalker, TermRecordWriter, appendList, decodeList, decodeListInto, encodeList, readTermRecords, termRecordBytes, type TermRecord } from '../../backend/src/search/index-codec';

test('a posting list decodes to the ordinals it was encoded from, across every varint width', () => {
  const edges = [0, 1, 126, 127, 128, 129, 16_383, 16_384, 16_385, 2_097_151, 2_097_152, 268_435_455, 268_435_456, 300_000_000];
  for (const list of [[0], [5], edges, Array.from({ length: 5000 }, (_, i) => i * 3)]) {
    const bytes = encodeList(list);
    assert.deepEqual(decodeList(bytes), list);
  }
  assert.equal(encodeList([0, 1, 2]).length, 3, 'a byte per small gap, nothing more');
});

test("a term record's size estimate is never below what it takes, whatever the script", () => {
  const lists = { b: encodeList([1, 2, 300]), s: encodeList([7]) };
  const records: TermRecord[] = ['budget', 'café', 'über', '日本語', 'emoji😀', '😀😀', '\u0001memory leak', 'x'.repeat(200)].sort().map((term) => ({ term, lists }));
  for (const rec of records) {
    const w = new ByteWriter(8);
    new TermRecordWriter(w).write(rec);
    assert.ok(termRecordBytes(rec) >= w.length, `${rec.term}: ${termRecordBytes(rec)} < ${w.length}`);
    assert.ok(termRecordBytes(rec) <= w.length + 12, `${rec.term}: a close estimate`);
    const [back] = [...readTermRecords(w.result())];
    assert.equal(back!.term, rec.term);
    assert.deepEqual(decodeList(back!.lists.b!), [1, 2, 300]);
  }
});

test('a merged term, built in place, is written byte for byte as the record of the same lists, and walked back in place', () => {
  const fields = { s: [3, 9], b: [0, 1, 2, 200, 70_000], a: [5] };
  const asRecord = (term: string): TermRecord => ({ term, lists: { s: encodeList(fields.s), b: encodeList(fields.b), a: encodeList(fields.a) } });
  const merged = new MergedTerm();
  const fromMerged = new TermRecordWriter(new ByteWriter(8));
  const fromRecords = new TermRecordWriter(new ByteWriter(8));
  for (const term of ['budget', 'budgets', 'café']) {
    merged.reset(term);
    // Field codes s, f, t, n, b, a: s is 0, b is 4, a is 5.
    appendList(merged.lists[0]!, fields.s, 2);
    appendList(merged.lists[4]!, fields.b, 5);
    appendList(merged.lists[5]!, fields.a, 1);
    assert.equal(termRecordBytes(merged), termRecordBytes(asRecord(term)));
    fromMerged.write(merged);
    fromRecords.write(asRecord(term));
  }
  assert.deepEqual(fromMerged.out.result(), fromRecords.out.result());
  merged.reset('x');
  assert.ok(merged.empty, 'a reset term has no lists left from the one before');

  const bytes = fromMerged.out.result();
  const walker = new TermRecordWalker(bytes);
  const terms: string[] = [];
  while (walker.advance()) {
    terms.push(walker.term);
    assert.equal(walker.to[1], walker.from[1], 'no list for a field the term is not in');
    const r = new ByteReader(bytes, walker.from[4]);
    const out = new Uint32Array(16);
    // Old ordinal o becomes o + 1; ordinal 2 is dropped.
    const remap = Int32Array.from({ length: 70_001 }, (_, o) => (o === 2 ? -1 : o + 1));
    const n = decodeListInto(r, walker.to[4]!, remap, out, 0);
    assert.deepEqual([...out.subarray(0, n)], [1, 2, 201, 70_001]);
  }
  assert.deepEqual(terms, ['budget', 'budgets', 'café']);
});

test('front-coded terms read back whole across ASCII, other scripts and very long terms in one bucket', () => {
  const long = 'x'.repeat(600);
  const terms = ['budget', 'budgets', 'café', 'cafés', 'cafeteria', 'cat', 'über', 'überall', '日本', '日本語', 'emoji😀', 'emoji😀s', long, `${long}y`, `${long}é`, 'zz'].sort();
  const w = new TermRecordWriter(new ByteWriter(8));
  for (const term of terms) w.write({ term, lists: { b: encodeList([1]) } });
  assert.deepEqual([...readTermRecords(w.out.result())].map((r) => r.term), terms);
});

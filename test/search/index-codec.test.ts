import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteWriter, TermRecordWriter, decodeList, encodeList, readTermRecords, termRecordBytes, type TermRecord } from '../../backend/src/search/index-codec';

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

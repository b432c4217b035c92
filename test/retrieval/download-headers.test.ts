import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentDisposition, downloadType, isViewableImage, safeFilename } from '../../backend/src/retrieval/download-headers';
import { parseItemId } from '../../backend/src/retrieval/item-ref';

test('file names from mail lose paths, control and reserved characters, and stay short', () => {
  assert.equal(safeFilename('../../etc/passwd', 'x'), '_.._etc_passwd');
  assert.equal(safeFilename('C:\\Users\\a\\evil.exe', 'x'), 'C__Users_a_evil.exe');
  assert.equal(safeFilename('a\u0000b\r\nc.txt', 'x'), 'abc.txt');
  assert.equal(safeFilename('invoice\u202Efdp.exe', 'x'), 'invoicefdp.exe', 'no bidi override');
  assert.equal(safeFilename('  ...  ', 'fallback'), 'fallback');
  assert.equal(safeFilename(undefined, 'fallback'), 'fallback');
  assert.equal(safeFilename('CON.txt', 'x'), '_CON.txt');
  assert.equal(safeFilename('nul', 'x'), '_nul');
  const long = safeFilename(`${'é'.repeat(300)}.pdf`, 'x');
  assert.equal([...long].length, 120);
  assert.ok(long.endsWith('.pdf'));
});

test('Content-Disposition carries an ASCII name and the exact one (RFC 6266 / 5987)', () => {
  assert.equal(contentDisposition('report.pdf'), `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
  assert.equal(
    contentDisposition('Ünïcode 🎉 "quoted" 100%.eml'),
    `attachment; filename="Unicode _ _quoted_ 100_.eml"; filename*=UTF-8''%C3%9Cn%C3%AFcode%20%F0%9F%8E%89%20%22quoted%22%20100%25.eml`,
  );
  assert.equal(contentDisposition("it's (1).txt"), `attachment; filename="it's (1).txt"; filename*=UTF-8''it%27s%20%281%29.txt`);
});

test('only passive types are passed on; active and malformed ones become octet-stream', () => {
  for (const [raw, expected] of [
    ['application/pdf', 'application/pdf'],
    ['IMAGE/PNG; name="a.png"', 'image/png'],
    ['text/plain; charset="iso-8859-1"; format=flowed', 'text/plain; charset=iso-8859-1'],
    ['text/plain; charset="x\r\nSet-Cookie: a"', 'text/plain'],
    ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['text/html', 'application/octet-stream'],
    ['image/svg+xml', 'application/octet-stream'],
    ['application/xhtml+xml', 'application/octet-stream'],
    ['text/xml', 'application/octet-stream'],
    ['application/javascript', 'application/octet-stream'],
    ['text/javascript', 'application/octet-stream'],
    ['application/x-shockwave-flash', 'application/octet-stream'],
    ['', 'application/octet-stream'],
    ['garbage', 'application/octet-stream'],
  ]) {
    assert.equal(downloadType(raw), expected, raw);
  }
  assert.ok(isViewableImage('image/jpeg'));
  assert.ok(!isViewableImage('image/svg+xml'));
  assert.ok(!isViewableImage('text/html'));
});

test('message ids are parsed strictly: archive id, colon, lowercase SHA-256', () => {
  const sha = 'a'.repeat(64);
  assert.deepEqual(parseItemId(`0d1e7a11-0000-4000-a000-000000000002:${sha}`), { id: `0d1e7a11-0000-4000-a000-000000000002:${sha}`, archiveId: '0d1e7a11-0000-4000-a000-000000000002', sha256: sha });
  assert.equal(parseItemId(`manual:someone@contoso.example:${sha}`).archiveId, 'manual:someone@contoso.example');
  for (const bad of [sha, `:${sha}`, `x:${sha.toUpperCase()}`, `x:${sha}0`, `x:${sha.slice(1)}`, `x y:${sha}`, `x/y:${sha}`, `x:${sha}\n`, 42]) {
    assert.throws(() => parseItemId(bad), (err: any) => err.kind === 'invalid_input' && err.field === 'id', String(bad));
  }
});

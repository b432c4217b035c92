import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { describe, test, type TestContext } from 'node:test';
import { htmlToText } from '../../backend/src/ingest/html-text';
import { parseMessage, type ParsedMessage } from '../../backend/src/ingest/parse';
import { corpusFiles, requireCorpus } from '../helpers/corpus';

/** Outlook .msg and .pst files are not MIME; their import is a separate path. */
const NOT_MIME = ['msgreader-msg', 'java-libpst'];

const fromFile = (path: string) => () => createReadStream(path);
const fromBytes = (...parts: (string | Buffer)[]) => () => Readable.from([Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)))]);

async function corpusMessage(t: TestContext, file: string): Promise<ParsedMessage | null> {
  const dir = requireCorpus(t);
  return dir ? parseMessage(fromFile(join(dir, file))) : null;
}

describe('the whole corpus', () => {
  test('every file parses without throwing, each in bounded time', async (t) => {
    const dir = requireCorpus(t);
    if (!dir) return;
    // mbox files (imaptest, mimekit-mbox) go in whole: splitting them is the importer's job,
    // and arbitrary bytes must not break the parser either (the TNEF files are such bytes).
    const files = corpusFiles().filter((f) => !NOT_MIME.some((d) => relative(dir, f).startsWith(d)));
    assert.ok(files.length > 4500, `expected the whole corpus, found ${files.length} files`);
    const started = Date.now();
    let slowest = { ms: 0, file: '' };
    let withErrors = 0;
    for (const file of files) {
      const t0 = Date.now();
      const msg = await parseMessage(fromFile(file));
      const ms = Date.now() - t0;
      if (ms > slowest.ms) slowest = { ms, file: relative(dir, file) };
      if (msg.parseErrors.length) withErrors += 1;
      assert.ok(msg.bodyText.length <= 1024 * 1024, file);
    }
    const total = Date.now() - started;
    t.diagnostic(`${files.length} files in ${total} ms (${Math.round((files.length / total) * 1000)} msgs/s); slowest ${slowest.ms} ms (${slowest.file}); ${withErrors} with parse errors`);
    assert.ok(slowest.ms < 5000, `${slowest.file} took ${slowest.ms} ms`);
  });
});

describe('known messages', () => {
  test('a mailing-list message: sender, list, date with zone, lower-cased address', async (t) => {
    const msg = await corpusMessage(t, 'spamassassin-easy_ham/00001.7c53336b37003a9286aba55d2945844c');
    if (!msg) return;
    assert.equal(msg.subject, 'Re: New Sequences Window');
    assert.deepEqual(msg.from, [{ name: 'Robert Elz', address: 'kre@munnari.oz.au' }]);
    assert.equal(msg.messageId, '<13258.1030015585@munnari.OZ.AU>');
    assert.equal(msg.listId, 'exmh-workers.spamassassin.taint.org');
    assert.equal(msg.date?.toISOString(), '2002-08-22T11:26:25.000Z');
    assert.equal(msg.hasAttachments, false);
  });

  test('RFC 2047 words in Latin-1 decode in subject and display names', async (t) => {
    const msg = await corpusMessage(t, 'zbateson-hunnysoft/m0004.txt');
    if (!msg) return;
    assert.equal(msg.subject, 'Die Hasen und die Frösche (Microsoft Outlook 00)');
    assert.deepEqual(msg.to, [{ name: 'Jürgen Schmürgen', address: 'schmuergen@example.com' }]);
    assert.equal(msg.date?.toISOString(), '2000-05-17T23:13:51.000Z');
    assert.match(msg.bodyText, /Die Hasen klagten einst über ihre mißliche Lage/);
  });

  test('embedded images are inline, attached ones are attachments', async (t) => {
    const msg = await corpusMessage(t, 'zbateson-hunnysoft/m1005.txt');
    if (!msg) return;
    assert.equal(msg.subject, 'Die Hasen und die Frösche (Netscape Messenger 4.7)');
    assert.deepEqual(msg.to, [{ name: 'Heinz Müller', address: 'mueller@example.com' }]);
    const names = msg.attachments.map((a) => [a.filename, a.inline, a.contentId ?? null]);
    assert.deepEqual(names, [
      ['C:TEMPnsmailEG.png', true, '<part1.39235FC5.E71D8178@example.com>'],
      ['C:TEMPnsmail39.png', true, '<part2.39235FC5.E71D8178@example.com>'],
      ['redball.png', false, null],
      ['greenball.png', false, null],
    ]);
    assert.ok(msg.attachments.every((a) => a.contentType === 'image/png' && a.size > 1000 && /^[0-9a-f]{64}$/.test(a.sha256 ?? '')));
    assert.equal(msg.hasAttachments, true);
  });

  test('a raw UTF-8 attachment name is read as UTF-8', async (t) => {
    const msg = await corpusMessage(t, 'flanker/russian-attachment-yahoo.eml');
    if (!msg) return;
    assert.equal(msg.subject, 'Hello');
    assert.deepEqual(msg.from, [{ name: 'Bob', address: 'mailboxaddr1234567@yahoo.com' }]);
    assert.equal(msg.attachments.length, 1);
    // The name in the file is cut inside its last character.
    assert.equal(msg.attachments[0]?.filename, 'Картинка с очень, очень длинным предлинным именем преименем таким чт\ufffd');
    assert.equal(msg.attachments[0]?.contentType, 'image/png');
  });

  test('a PDF attachment next to a body with preamble and epilogue junk', async (t) => {
    const msg = await corpusMessage(t, 'flanker/attached-pdf.eml');
    if (!msg) return;
    assert.equal(msg.subject, 'test message via curl - extra content-type (_001_)');
    assert.deepEqual(msg.from, []);
    assert.equal(msg.bodyText, 'Test - body content');
    assert.deepEqual(
      msg.attachments.map((a) => [a.filename, a.contentType]),
      [['test.pdf', 'application/pdf']],
    );
  });

  test('an Office 365 bounce: HTML-only text, the returned message as attachment', async (t) => {
    const msg = await corpusMessage(t, 'flanker/office365.eml');
    if (!msg) return;
    assert.equal(msg.subject, 'Undeliverable: test_bounce 8');
    assert.deepEqual(msg.from, [{ name: '', address: 'postmaster@example.no' }]);
    assert.match(msg.bodyText, /Your message to noname@example\.com couldn't be delivered/);
    assert.ok(msg.attachments.some((a) => a.contentType === 'message/rfc822'));
  });

  test('a 1.1 MB text body is capped and marked truncated', async (t) => {
    const msg = await corpusMessage(t, 'mailparser/large_text.eml');
    if (!msg) return;
    assert.equal(msg.listId, 'ubuntu-bugs.lists.ubuntu.com');
    assert.deepEqual(msg.from, [{ name: 'Brian Murray', address: 'brian@ubuntu.com' }]);
    assert.equal(msg.bodyText.length, 1024 * 1024);
    assert.equal(msg.textTruncated, true);
  });
});

describe('issue #22, by class, on real mail', () => {
  test('1. the HTML alternative is kept beside a plain part that says something else', async (t) => {
    const msg = await corpusMessage(t, 'enmime/html-mime-inline.raw');
    if (!msg) return;
    assert.equal(msg.bodyText, 'Test of text section');
    assert.equal(msg.alternativeText, 'Test of HTML section');
  });

  test('3. related images the HTML does not show are attachments; one it shows is inline', async (t) => {
    const related = await corpusMessage(t, 'enmime/other-multi-related.raw');
    const inline = await corpusMessage(t, 'enmime/html-mime-inline.raw');
    if (!related || !inline) return;
    assert.deepEqual(related.attachments.map((a) => [a.filename, a.inline]), [['image001.png', false], ['image002.png', false]]);
    assert.equal(related.hasAttachments, true);
    assert.deepEqual(inline.attachments.map((a) => [a.filename, a.inline]), [['favicon.png', true]]);
    assert.equal(inline.hasAttachments, false);
  });

  test('4. a forwarded message given inline is an attachment with its own listing', async (t) => {
    const msg = await corpusMessage(t, 'mime4j-mimetools/re-fwd.msg');
    if (!msg) return;
    assert.deepEqual(msg.attachments.map((a) => [a.contentType, a.attachments?.map((n) => n.contentType)]), [['message/rfc822', ['message/rfc822']]]);
    assert.equal(msg.hasAttachments, true);
  });

  test('5. raw 8-bit headers, undeclared bodies and base64 footers read as a mail client reads them', async (t) => {
    const header = await corpusMessage(t, 'spamassassin-easy_ham/02026.e6e094c6110cbff0c3a55e0fc5c9273a');
    const body = await corpusMessage(t, 'spamassassin-easy_ham/00114.240461056916c0cdd555ba9d2bc9e63e');
    const footer = await corpusMessage(t, 'spamassassin-spam/00313.fab744bfd5a128fca39b69df9811c086');
    if (!header || !body || !footer) return;
    assert.equal(header.subject, 'Gambler wins £7,000 - and spends it all on horse shiat');
    assert.match(body.bodyText, /Join the world’s largest e-mail service with MSN Hotmail/);
    assert.equal(footer.subject, '[WM] özür dileriz');
    assert.match(footer.bodyText, /webmake-talk mailing list\s+webmake-talk@lists\.sourceforge\.net/);
  });

  test('6. named zones are read; a hopeless Date gives way to the first Received date, marked inferred', async (t) => {
    const pst = await corpusMessage(t, 'spamassassin-spam/00365.da6795d02b44e4d5e168d62718f3e7c9');
    const windows = await corpusMessage(t, 'spamassassin-spam/00207.0b71ac81a360455c1514f5872564b1e1');
    const bad = await corpusMessage(t, 'ruby-mail/bad_date_header.eml');
    if (!pst || !windows || !bad) return;
    assert.equal(pst.date?.toISOString(), '2002-09-18T19:43:02.000Z', 'Wed, 18 Sep 2002 11:43:02 PST');
    assert.equal(windows.date?.toISOString(), '2002-08-30T09:32:48.000Z', 'Fri, 30 Aug 02 05:32:48 Eastern Daylight Time');
    assert.deepEqual([bad.date?.toISOString(), bad.dateInferred], ['2010-12-11T03:20:19.000Z', true]);
  });
});

describe('bad input', () => {
  test('NUL bytes and unknown charsets: parsed as far as possible, control characters dropped', async () => {
    const msg = await parseMessage(
      fromBytes(
        'From: "Bad\0Name" <A.Person@Example.COM>\r\nSubject: =?x-no-such?Q?caf=E9?= \0nul\r\n',
        'Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nhello\0world caf',
        Buffer.from([0xe9, 0xff, 0xfe]),
        '\r\n',
      ),
    );
    assert.deepEqual(msg.from, [{ name: 'BadName', address: 'a.person@example.com' }]);
    assert.match(msg.subject, /^caf.* nul$/);
    assert.match(msg.bodyText, /^helloworld caf/);
    assert.ok(!msg.bodyText.includes('\0') && !msg.subject.includes('\0'));
  });

  test('missing and unreadable headers give empty fields, never invented ones', async () => {
    const empty = await parseMessage(fromBytes(''));
    assert.equal(empty.subject, '');
    assert.equal(empty.date, null);
    assert.deepEqual(empty.parseErrors, []);
    const badDate = await parseMessage(fromBytes('Date: the day after tomorrow\r\nSubject: x\r\n\r\nbody\r\n'));
    assert.equal(badDate.date, null, 'mailparser alone would say "now"');
    assert.equal(badDate.bodyText, 'body');
    const bareNumber = await parseMessage(fromBytes('Date: 12\r\n\r\nbody\r\n'));
    assert.equal(bareNumber.date, null, 'JavaScript alone would read December 2001');
  });

  test('a header block over the limit is recorded as a parse error and the rest is kept', async () => {
    const msg = await parseMessage(fromBytes('From: a@example.com\r\nX-Junk: ', 'x'.repeat(2 * 1024 * 1024), '\r\n\r\nbody\r\n'));
    assert.equal(msg.parseErrors.length, 1);
    assert.match(msg.parseErrors[0] ?? '', /header size/i);
  });

  test('a source that never ends is given up after the time limit', async () => {
    const started = Date.now();
    const msg = await parseMessage(() => new Readable({ read() {} }), { timeLimitMs: 200 });
    assert.ok(Date.now() - started < 2000);
    assert.match(msg.parseErrors.join(), /longer than 200 ms/);
  });

  test('a huge inline text part is decoded only up to the cap', async () => {
    const line = Buffer.from('All work and no play makes Jack a dull boy. '.repeat(20) + '\r\n');
    let left = 40 * 1024 * 1024;
    const body = new Readable({
      read() {
        if (left <= 0) return void this.push(null);
        left -= line.length * 100;
        this.push(Buffer.concat(Array(100).fill(line)));
      },
    });
    const msg = await parseMessage(() => Readable.from((async function* () {
      yield Buffer.from('Subject: log\r\nContent-Type: text/plain\r\n\r\n');
      yield* body;
    })()), { maxTextPartBytes: 2 * 1024 * 1024 });
    assert.equal(msg.subject, 'log');
    assert.equal(msg.textTruncated, true);
    assert.ok(msg.bodyText.length <= 2 * 1024 * 1024 && msg.bodyText.length > 1_000_000);
  });
});

describe('message kinds and text', () => {
  test('a journal report is recognised; HTML bodies and text attachments become searchable text', async () => {
    const msg = await parseMessage(
      fromBytes(
        'X-MS-Journal-Report: \r\nFrom: journal@example.com\r\nDate: Tue, 20 Aug 2002 10:23:45 -0700 (PDT)\r\n',
        'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n',
        '<html><head><style>p{color:red}</style></head><body><p>Hello&nbsp;<b>there</b></p><script>x()</script></body></html>\r\n',
        '--b\r\nContent-Type: text/csv; name=a.csv\r\nContent-Disposition: attachment; filename=a.csv\r\n\r\nname,amount\r\nwidget,42\r\n',
        '--b\r\nContent-Type: application/octet-stream; name=blob.bin\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQF\r\n--b--\r\n',
      ),
    );
    assert.equal(msg.isJournalReport, true);
    assert.equal(msg.date?.toISOString(), '2002-08-20T17:23:45.000Z');
    assert.equal(msg.bodyText, 'Hello there');
    assert.deepEqual(msg.attachmentText, ['name,amount\r\nwidget,42']);
    assert.deepEqual(
      msg.attachments.map((a) => [a.filename, a.size]),
      [['a.csv', 22], ['blob.bin', 6]],
    );
  });

  test('HTML to text is linear on hostile markup', () => {
    const started = Date.now();
    for (const html of ['<a'.repeat(500_000), '<img alt='.repeat(200_000) + '>', '<script>'.repeat(100_000), '<style></style>'.repeat(100_000), '&amp'.repeat(500_000), '<!--'.repeat(500_000), '<'.repeat(1_000_000)]) {
      htmlToText(html);
    }
    assert.ok(Date.now() - started < 3000);
    assert.equal(htmlToText('<p>a &lt; b</p><p>c&#x1F600;</p><title>kept</title>'), 'a < b\n\nc😀\nkept');
    assert.equal(htmlToText('1 < 2 and 3 > 2'), '1 < 2 and 3 > 2');
  });
});

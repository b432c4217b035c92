import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import iconv from 'iconv-lite';
import { ingestMessage } from '../../backend/src/ingest';
import { parseMessage, type ParsedMessage } from '../../backend/src/ingest/parse';
import { parseQuery } from '../../backend/src/search/query';
import { searchIndex } from '../../backend/src/search/service';
import { openAttachment } from '../../backend/src/retrieval/mime-parts';
import { messageView } from '../../backend/src/retrieval/view';
import { getItem } from '../../backend/src/store/items';
import { getMessageDoc } from '../../backend/src/store/messages';
import { testStore, type TestStore } from '../helpers/db';

/**
 * Issue #22, one class at a time, with messages made here: what a reader sees of a message is
 * what search finds. Each message is ingested into an archive of its own and searched there.
 * (test/search-api/corpus-words.test.ts checks the same over the whole real-mail corpus.)
 */
let store: TestStore;
before(async () => {
  store = await testStore('reader_words');
});
after(async () => store?.drop());

const bytes = (...parts: (string | Buffer)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
const parse = (raw: Buffer) => parseMessage(() => Readable.from([raw]));
let archives = 0;

/** Ingests `raw` into a fresh archive; `count(q)` is the number of hits of a query there. */
async function archived(raw: Buffer) {
  const archiveId = `reader-${++archives}`;
  const { sha256 } = await ingestMessage(store, { archiveId, folder: 'Inbox', source: { kind: 'import', file: archiveId }, content: Readable.from([raw]) });
  const doc: ParsedMessage = (await getMessageDoc(store.conn, sha256))!;
  return {
    doc,
    /** What the reading pane is given (GET /api/messages/:id). */
    view: async () => messageView(store, (await getItem(store.conn, archiveId, sha256))!, { cidUrl: (cid) => `cid/${cid}`, allowRemote: false }),
    count: async (q: string) => (await searchIndex(store, [archiveId], parseQuery(q))).total,
    hasAttachments: async (q: string) => (await searchIndex(store, [archiveId], parseQuery(q))).value[0]?.hasAttachments,
  };
}

const HEAD = 'From: Shop <news@shop.example>\r\nTo: reader@contoso.example\r\nDate: Tue, 17 Sep 2002 09:15:32 -0700\r\nMIME-Version: 1.0\r\n';

describe('1. every text alternative', () => {
  test('words only in the HTML alternative are found although a plain part exists', async () => {
    const { doc, count } = await archived(bytes(
      HEAD, 'Subject: Newsletter\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n',
      '--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nView this email in your browser.\r\n',
      '--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Summer catalogue: a <b>hammock</b> and a kayak paddle.</p></body></html>\r\n--alt--\r\n',
    ));
    assert.equal(doc.bodyText, 'View this email in your browser.');
    assert.equal(await count('hammock'), 1);
    assert.equal(await count('body:"kayak paddle"'), 1, 'a phrase of the HTML, in the body field');
    assert.equal(await count('browser'), 1, 'and the plain part still');
  });

  test('an HTML alternative that says what the plain part says is not stored twice', async () => {
    const doc = await parse(bytes(
      HEAD, 'Subject: Same\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n',
      '--alt\r\nContent-Type: text/plain\r\n\r\nMeeting moved to Friday.\r\n--alt\r\nContent-Type: text/html\r\n\r\n<p>Meeting moved to <b>Friday</b>.</p>\r\n--alt--\r\n',
    ));
    assert.equal(doc.alternativeText, '');
  });
});

describe('2. whole bodies', () => {
  test('the last word of a 300 KB body is found', async () => {
    const words = Array.from({ length: 50_000 }, (_, i) => `w${i.toString(36)}x`).join(' ');
    const { doc, count } = await archived(bytes(HEAD, 'Subject: Long\r\nContent-Type: text/plain\r\n\r\n', words, ' finalword\r\n'));
    assert.ok(doc.bodyText.length > 250_000);
    assert.equal(doc.textTruncated, false);
    assert.equal(await count('finalword'), 1);
    assert.equal(await count('"w0x w1x"'), 1);
  });
});

describe('3. one rule for attachments', () => {
  const related = (refs: string) => bytes(
    HEAD, 'Subject: Pictures\r\nContent-Type: multipart/related; boundary=rel\r\n\r\n',
    `--rel\r\nContent-Type: text/html\r\n\r\n<p>Our logo: ${refs}</p>\r\n`,
    '--rel\r\nContent-Type: image/png; name=logo.png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n',
    '--rel\r\nContent-Type: image/png; name=chart.png\r\nContent-ID: <chart@x>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--rel--\r\n',
  );

  test('an image the HTML shows is inline: listed and found by name, but no attachment', async () => {
    const { doc, count, hasAttachments, view } = await archived(related('<img src="cid:logo@x"><img src="cid:chart@x">'));
    assert.deepEqual(doc.attachments.map((a) => [a.filename, a.inline]), [['logo.png', true], ['chart.png', true]]);
    assert.deepEqual((await view()).attachments.map((a) => [a.filename, a.inline]), [['logo.png', true], ['chart.png', true]], 'the reading pane says the same');
    assert.equal(doc.hasAttachments, false);
    assert.equal(await count('filename:logo.png'), 1, 'names listed in the view are found');
    assert.equal(await count('has:attachment'), 0);
    assert.equal(await hasAttachments('logo'), false, 'the result row shows no paper clip');
  });

  test('a related image the HTML does not show is an attachment, as Outlook lists it', async () => {
    const { doc, count, hasAttachments } = await archived(related('<img src="cid:logo@x">'));
    assert.deepEqual(doc.attachments.map((a) => [a.filename, a.inline]), [['logo.png', true], ['chart.png', false]]);
    assert.equal(await count('has:attachment'), 1);
    assert.equal(await count('filename:chart.png'), 1);
    assert.equal(await hasAttachments('chart'), true);
  });
});

describe('4. attached messages', () => {
  const inner = 'From: a@b.example\r\nSubject: Inner\r\nContent-Type: multipart/mixed; boundary=in\r\n\r\n--in\r\nContent-Type: text/plain\r\n\r\ninner words\r\n--in\r\nContent-Type: application/octet-stream; name=quarterly-figures.xls\r\nContent-Disposition: attachment; filename=quarterly-figures.xls\r\n\r\nxx\r\n--in--\r\n';
  const outer = (disposition: string, body: string) => bytes(
    HEAD, 'Subject: Fwd\r\nContent-Type: multipart/mixed; boundary=out\r\n\r\n--out\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n',
    `--out\r\nContent-Type: message/rfc822\r\n${disposition}\r\n${body}\r\n--out--\r\n`,
  );

  test("an attached message's attachments are listed under it and found by name", async () => {
    const { doc, count, view } = await archived(outer('Content-Disposition: attachment; filename=fwd.eml\r\n', inner));
    assert.deepEqual(doc.attachments.map((a) => [a.filename, a.contentType, a.attachments?.map((n) => n.filename)]), [['fwd.eml', 'message/rfc822', ['quarterly-figures.xls']]]);
    assert.deepEqual((await view()).attachments[0]?.attachments?.map((n) => n.filename), ['quarterly-figures.xls'], 'the reading pane lists them');
    assert.equal(await count('filename:quarterly-figures.xls'), 1);
    assert.equal(await count('"inner words"'), 1);
  });

  test('an inline attached message is an attachment too, and an empty one is still listed', async () => {
    const inline = await parse(outer('Content-Disposition: inline\r\n', inner));
    assert.deepEqual(inline.attachments.map((a) => [a.contentType, a.attachments?.length]), [['message/rfc822', 1]]);
    // Documents of the older parser keep their numbering for downloads until the reindex reaches them.
    const raw = outer('Content-Disposition: inline\r\n', inner);
    const first = async (numbering: { flattenEmbedded?: boolean }) => (await buffer((await openAttachment(() => Readable.from([raw]), 0, numbering))!)).toString('latin1');
    assert.match(await first({}), /^From: a@b\.example/, 'attachment 0 is the attached message');
    assert.equal(await first({ flattenEmbedded: true }), 'xx', 'attachment 0 of the older numbering is the file inside it');
    const empty = await parse(outer('Content-Disposition: inline\r\n', ''));
    assert.deepEqual(empty.attachments.map((a) => a.contentType), ['message/rfc822']);
    assert.equal(empty.hasAttachments, true);
  });
});

describe('5. charsets', () => {
  test('raw 8-bit header text is read in the charset the body declares', async () => {
    const { doc, count } = await archived(bytes(
      'From: J\xf6rg M\xfcller <j\xf6rg@example.de>\r\nTo: a@b.example\r\nSubject: Gr\xfc\xdfe aus K\xf6ln\r\nDate: Tue, 17 Sep 2002 09:15:32 -0700\r\n',
      'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nSch\xf6ne Gr\xfc\xdfe\r\n',
    ));
    assert.equal(doc.subject, 'Grüße aus Köln');
    assert.deepEqual(doc.from, [{ name: 'Jörg Müller', address: 'jörg@example.de' }], 'the local part too');
    assert.equal(await count('subject:köln'), 1);
    assert.equal(await count('from:jörg@example.de'), 1);
  });

  test('an undeclared 8-bit body: the charset the headers name, else a detector, else windows-1252', async () => {
    const hinted = await parse(bytes(HEAD, 'Subject: =?iso-8859-2?Q?Zaproszenie?=\r\nContent-Type: text/plain\r\n\r\n', iconv.encode('Zażółć gęślą jaźń', 'iso-8859-2'), '\r\n'));
    assert.equal(hinted.bodyText, 'Zażółć gęślą jaźń');
    const russian = 'Привет! Это письмо о совещании в понедельник. Пожалуйста, подтвердите участие.';
    const detected = await parse(bytes(HEAD, 'Subject: x\r\n\r\n', iconv.encode(russian, 'koi8-r'), '\r\n'));
    assert.equal(detected.bodyText, russian);
    const cp1252 = await parse(bytes(HEAD, 'Subject: x\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nna\xefve \x93quotes\x94 \x80 5\r\n'));
    assert.equal(cp1252.bodyText, 'naïve “quotes” € 5');
  });

  test("an HTML part's <meta charset> decides when the MIME header names none", async () => {
    const { doc, count } = await archived(bytes(
      HEAD, 'Subject: meta\r\nContent-Type: text/html\r\n\r\n<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251"></head><body>',
      iconv.encode('Отчёт за квартал', 'windows-1251'), '</body></html>\r\n',
    ));
    assert.equal(doc.bodyText, 'Отчёт за квартал');
    assert.equal(await count('квартал'), 1);
  });

  test("text after a base64 body's end is read as text, not decoded as base64", async () => {
    const body = Buffer.from('The minutes of the meeting are below.\r\n').toString('base64');
    const { doc, count } = await archived(bytes(
      HEAD, 'Subject: list\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n', body, '\r\n\r\n',
      '_______________________________________________\r\nSpamassassin-talk mailing list\r\nhttps://lists.example.org/listinfo/talk\r\n',
    ));
    assert.match(doc.bodyText, /^The minutes of the meeting are below\.\n+_+\nSpamassassin-talk mailing list/);
    assert.equal(await count('"spamassassin-talk mailing list"'), 1);
  });
});

describe('6. dates', () => {
  const dated = (date: string, received = '') => parse(bytes(`${received}Date: ${date}\r\nSubject: d\r\n\r\nx\r\n`));

  test('named zones, two- and odd-digit years are read as mail clients read them', async () => {
    const cases: [string, string][] = [
      ['Tue, 17 Sep 2002 09:15:32 PST', '2002-09-17T17:15:32.000Z'],
      ['Fri, 13 Sep 2002 16:15:38 CET', '2002-09-13T15:15:38.000Z'],
      ['Fri, 30 Aug 02 05:32:48 Eastern Standard Time', '2002-08-30T10:32:48.000Z'],
      ['Fri, 30 Aug 02 05:32:48 Eastern Daylight Time', '2002-08-30T09:32:48.000Z'],
      ['Mon, 21 Aug 95 13:30:57 -0600', '1995-08-21T19:30:57.000Z'],
      ['Fri, 13 Sep 0102 16:15:38 +0200', '2002-09-13T14:15:38.000Z'],
      ['Fri, 13 Sep 102 16:15:38 +0200', '2002-09-13T14:15:38.000Z'],
      ['Fri, 20 Sep 2002 12:15:37 GMT+1', '2002-09-20T11:15:37.000Z'],
      ['Sat Sep 21 08:18:08 2002', '2002-09-21T08:18:08.000Z'],
    ];
    for (const [header, iso] of cases) {
      const msg = await dated(header);
      assert.equal(msg.date?.toISOString(), iso, header);
      assert.equal(msg.dateInferred, false, header);
    }
  });

  test('a date without a year, or 0001-01-01, is no date: the first Received date stands in, marked inferred', async () => {
    const received = 'Received: from mx.example by mail.contoso.example; Wed, 18 Sep 2002 01:11:52 +0200\r\nReceived: from a by b; Tue, 17 Sep 2002 23:00:00 +0000\r\n';
    for (const header of ['Mon, 16 Sep 10:00:00 +0000', '0001-01-01T00:00:00Z', 'Mon, 01 Jan 0001 00:00:00 +0000']) {
      const msg = await dated(header, received);
      assert.equal(msg.date?.toISOString(), '2002-09-17T23:11:52.000Z', header);
      assert.equal(msg.dateInferred, true, header);
      const alone = await dated(header);
      assert.equal(alone.date, null, `${header}: without a Received header nothing is invented`);
    }
  });
});

describe('7. cuts are named', () => {
  test('the reading pane is told what was cut; the inferred date is marked', async () => {
    const { view } = await archived(bytes(
      'From: a@b.example\r\nReceived: from x by y; Wed, 18 Sep 2002 01:11:52 +0200\r\nDate: someday\r\nSubject: cut\r\nContent-Type: text/plain\r\n\r\n', 'word '.repeat(220_000), '\r\n',
    ));
    const v = await view();
    assert.equal(v.textTruncated, true);
    assert.deepEqual(v.textCuts, ['Only the first 1,048,576 characters of the body text are indexed.']);
    assert.equal(v.headers.dateInferred, true);
    assert.equal(v.headers.date?.toISOString(), '2002-09-17T23:11:52.000Z');
  });

  test('a body and attachments over the caps say what was left out', async () => {
    const long = 'word '.repeat(3000);
    const msg = await parseMessage(() => Readable.from([bytes(
      HEAD, 'Subject: cut\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n', long, '\r\n',
      '--b\r\nContent-Type: text/plain; name=a.txt\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\n', long, '\r\n',
      '--b\r\nContent-Type: text/plain; name=b.txt\r\nContent-Disposition: attachment; filename=b.txt\r\n\r\n', long, '\r\n--b--\r\n',
    )]), { maxBodyChars: 1000, maxAttachmentTextChars: 2000 });
    assert.equal(msg.textTruncated, true);
    assert.deepEqual(msg.textCuts, [
      'Only the first 1,000 characters of the body text are indexed.',
      'Attachment text beyond 2,000 characters is not indexed: 2 attachment(s) not or only partly.',
    ]);
  });
});

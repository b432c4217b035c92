// Journal report format, as documented by Microsoft:
// - [MS-XJRNL] Journal Record Message File Format, 2.1 Envelope-Part Structure (ABNF: Sender,
//   On-Behalf-Of, Subject / Message-ID, Label, Mailbox, SentUtc, ReceivedUtc, and the
//   recipient-specification `To|Cc|Bcc|Recipient: addr [, Expanded|Forwarded: addr]`):
//   https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-xjrnl/1972c2c4-edcc-467c-a3ee-199ff0a2342d
//   overview: https://msdn.microsoft.com/en-us/library/ee218864(v=exchg.80).aspx
// - Journal report format (Exchange 2007), every form a recipient line can take (To, Cc, Bcc,
//   `, Expanded: dl`, `, Forwarded: user`, Recipient), "recipient specifications are one line only":
//   http://technet.microsoft.com/en-us/library/bb738122.aspx
// - Understanding Journal Reports (Exchange 2007/2010): basic fields (Sender, Subject, Message-ID,
//   Recipient) and extended fields (To, Cc, Bcc, On-Behalf-Of), original attached unaltered:
//   http://technet.microsoft.com/en-us/library/bb331962(EXCHG.80).aspx
//   https://learn.microsoft.com/en-us/previous-versions/exchange-server/exchange-140/bb331962(v=exchg.140)
// - Configure journaling in Exchange Online (journal reports leave the service; undeliverable ones
//   go to the alternate journaling mailbox inside an NDR):
//   https://learn.microsoft.com/en-us/exchange/security-and-compliance/journaling/configure-journaling
// - X-MS-Exchange-Organization-Journal-Report becomes X-MS-Journal-Report once the report leaves
//   transport (Exchange message header reference); Content-Identifier: ExJournalReport marks the
//   older Exchange 2003 format (blogs.msdn.com/adef, "Exchange Journaling: Literacy issues").
// - Multipart delimiters: RFC 2046 5.1.1; message/rfc822 bodies only 7bit, 8bit or binary: RFC 2046 5.2.1.
// fixtures/journal/exchange-online-report.eml follows those documents field by field (contoso
// addresses as in bb738122, the Exchange Online system sender, binary rfc822 part);
// gateway-reencoded-report.eml is the same report after a gateway stored it with LF line endings
// and re-encoded its parts (quoted-printable envelope with display names and folding, base64 original).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import {
  buildJournalReport,
  isJournalReport,
  parseJournalReport,
  type JournalEnvelope,
  type JournalParse,
} from '../../backend/src/journal/report';

const FIXTURES = join(import.meta.dirname, '../fixtures/journal');
const CORPUS = join(import.meta.dirname, '../../../shared/corpus');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const crlf = (s: string) => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'utf8');

type Journal = Extract<JournalParse, { kind: 'journal' }>;

function journal(result: JournalParse): Journal {
  assert.equal(result.kind, 'journal', 'reason' in result ? result.reason : '');
  return result as Journal;
}

function originalOf(raw: Buffer, result: JournalParse): Buffer {
  const { original } = journal(result);
  return 'bytes' in original ? original.bytes : raw.subarray(original.start, original.end);
}

function malformedReason(result: JournalParse): string {
  assert.equal(result.kind, 'malformed', JSON.stringify(result));
  return (result as { reason: string }).reason;
}

const ORIGINAL = crlf(`From: Alice <alice@contoso.com>
To: Bob <bob@contoso.com>
Subject: Plans
Date: Mon, 6 Oct 2025 10:00:00 +0000
Message-ID: <plans-1@contoso.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

See you at ten.
`);

const ENVELOPE: Omit<JournalEnvelope, 'participants'> = {
  sender: 'alice@contoso.com',
  subject: 'Plans',
  messageId: '<plans-1@contoso.com>',
  recipients: [{ address: 'bob@contoso.com', type: 'to' }],
};

test("Microsoft's documented example report yields its envelope and the original byte for byte", async () => {
  const raw = fixture('exchange-online-report.eml');
  const result = journal(await parseJournalReport(raw));
  assert.deepEqual(result.envelope, {
    sender: 'assistant@contoso.com',
    onBehalfOf: 'ceo@contoso.com',
    subject: 'Q3 budget review',
    messageId: '<AM0PR04MB5678A1B2C3D4E5F6@AM0PR04MB5678.eurprd04.prod.outlook.com>',
    recipients: [
      { address: 'user@contoso.com', type: 'to' },
      { address: 'dl-member@contoso.com', type: 'to', expandedFrom: 'dl@contoso.com' },
      { address: 'cfo@contoso.com', type: 'cc' },
      { address: 'fwd@contoso.com', type: 'cc', forwardedFrom: 'delegate@contoso.com' },
      { address: 'auditor@contoso.com', type: 'bcc' },
      { address: 'board-member@contoso.com', type: 'bcc', expandedFrom: 'board@contoso.com' },
      { address: 'partner@fabrikam.com', type: 'recipient' },
    ],
    participants: [
      'assistant@contoso.com',
      'ceo@contoso.com',
      'user@contoso.com',
      'dl-member@contoso.com',
      'cfo@contoso.com',
      'fwd@contoso.com',
      'delegate@contoso.com',
      'auditor@contoso.com',
      'board-member@contoso.com',
      'partner@fabrikam.com',
    ],
  });
  assert.deepEqual(result.warnings, []);
  assert.ok('start' in result.original, 'an unencoded original is located by offsets');
  assert.equal(sha256(originalOf(raw, result)), sha256(fixture('exchange-online-report.original.eml')));
});

test('a gateway-re-encoded report (LF, quoted-printable envelope, base64 original) still yields the original bytes', async () => {
  const raw = fixture('gateway-reencoded-report.eml');
  const result = journal(await parseJournalReport(raw));
  assert.equal(result.envelope.sender, 'assistant@contoso.com');
  assert.equal(result.envelope.subject, 'État du budget T3');
  assert.deepEqual(result.envelope.recipients, [
    { address: 'user@contoso.com', type: 'to' },
    { address: 'dl-member@contoso.com', type: 'to', expandedFrom: 'dl@contoso.com' },
    { address: 'cfo@contoso.com', type: 'cc' },
    { address: 'auditor@contoso.com', type: 'bcc' },
  ]);
  assert.ok('bytes' in result.original, 'a base64 original has no raw offsets: the decoded bytes come back');
  assert.equal(sha256(originalOf(raw, result)), sha256(fixture('gateway-reencoded-report.original.eml')));
});

test('build then parse keeps To, Cc, Bcc, Recipient, Expanded, Forwarded and On-Behalf-Of', async () => {
  const envelope: Omit<JournalEnvelope, 'participants'> = {
    sender: 'Assistant@Contoso.com',
    onBehalfOf: 'ceo@contoso.com',
    subject: 'Plans',
    messageId: '<plans-1@contoso.com>',
    recipients: [
      { address: 'bob@contoso.com', type: 'to' },
      { address: 'carol@contoso.com', type: 'cc' },
      { address: 'dave@contoso.com', type: 'bcc' },
      { address: 'erin@contoso.com', type: 'to', expandedFrom: 'sales@contoso.com' },
      { address: 'frank@contoso.com', type: 'bcc', expandedFrom: 'board@contoso.com' },
      { address: 'grace@contoso.com', type: 'cc', forwardedFrom: 'heidi@contoso.com' },
      { address: 'ivan@fabrikam.com', type: 'recipient' },
      { address: 'bob@contoso.com', type: 'bcc', expandedFrom: 'board@contoso.com' },
    ],
  };
  const raw = buildJournalReport({ envelope, original: ORIGINAL, journalRecipient: 'journal@archive.example' });
  const result = journal(await parseJournalReport(raw));
  assert.deepEqual({ ...result.envelope, participants: undefined }, { ...envelope, participants: undefined });
  assert.deepEqual(result.envelope.participants, [
    'assistant@contoso.com',
    'ceo@contoso.com',
    'bob@contoso.com',
    'carol@contoso.com',
    'dave@contoso.com',
    'erin@contoso.com',
    'frank@contoso.com',
    'grace@contoso.com',
    'heidi@contoso.com',
    'ivan@fabrikam.com',
  ]);
  assert.ok(!result.envelope.participants.includes('sales@contoso.com'), 'a distribution group is not a participant');
  assert.deepEqual(result.warnings, []);
  assert.deepEqual(originalOf(raw, result), ORIGINAL);
});

test('the built report has the shape Exchange Online sends', () => {
  const raw = buildJournalReport({
    envelope: ENVELOPE,
    original: ORIGINAL,
    journalRecipient: 'journal@archive.example',
    tenantDomain: 'contoso.onmicrosoft.com',
    boundary: '_000_test_',
    date: new Date('2025-10-06T10:00:01Z'),
  });
  const text = raw.toString('latin1');
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  assert.match(head, /^From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso\.onmicrosoft\.com>$/m);
  assert.match(head, /^To: <journal@archive\.example>$/m);
  assert.match(head, /^Subject: Plans$/m);
  assert.match(head, /^Date: Mon, 06 Oct 2025 10:00:01 \+0000$/m);
  assert.match(head, /^X-MS-Journal-Report:$/m);
  assert.match(head, /^Content-Type: multipart\/mixed; boundary="_000_test_"$/m);
  assert.ok(
    text.includes(
      '--_000_test_\r\nContent-Type: text/plain; charset="us-ascii"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n' +
        'Sender: alice@contoso.com\r\nSubject: Plans\r\nMessage-Id: <plans-1@contoso.com>\r\nTo: bob@contoso.com\r\n' +
        '\r\n--_000_test_\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\nContent-Transfer-Encoding: binary\r\n\r\n',
    ),
  );
  assert.ok(text.endsWith('\r\n--_000_test_--\r\n'));
});

test('mailparser reads a built report as a journal report with the original attached', async () => {
  const raw = buildJournalReport({ envelope: { ...ENVELOPE, subject: 'Plän für Q3' }, original: ORIGINAL });
  const parsed = await simpleParser(raw);
  assert.equal(parsed.subject, 'Plän für Q3');
  assert.ok(isJournalReport(parsed.headerLines));
  assert.ok(!parsed.headers.has('x-ms-journal-report'), "mailparser's headers Map drops the empty header");
  assert.match(parsed.text ?? '', /^Sender: alice@contoso\.com$/m);
  assert.equal(parsed.attachments.length, 1);
  assert.equal(parsed.attachments[0]?.contentType, 'message/rfc822');
  assert.deepEqual(parsed.attachments[0]?.content, ORIGINAL);
});

test('folded envelope lines, display names, odd case, trailing spaces and LF are read', async () => {
  const envelopeText =
    'sender: "Doe, Alice" <Alice@Contoso.com>   \n' +
    'SUBJECT:   Plans\n' +
    'message-id: <plans-1@contoso.com>\n' +
    'On-Behalf-Of: The Boss <boss@contoso.com>\n' +
    'To: "Last, First" <first.last@contoso.com>,\n' +
    '\tExpanded: "Sales, EMEA" <sales-emea@contoso.com>\n' +
    'cc:<carol@contoso.com>\n' +
    'BCC: dave@contoso.com (hidden)\t \n' +
    'Recipient: erin@fabrikam.com,\n' +
    ' Forwarded: frank@contoso.com\n' +
    '\n\n';
  const raw = buildJournalReport({ envelope: ENVELOPE, original: ORIGINAL, envelopeText });
  const result = journal(await parseJournalReport(raw));
  assert.equal(result.envelope.sender, 'Alice@Contoso.com');
  assert.equal(result.envelope.subject, 'Plans');
  assert.equal(result.envelope.onBehalfOf, 'boss@contoso.com');
  assert.deepEqual(result.envelope.recipients, [
    { address: 'first.last@contoso.com', type: 'to', expandedFrom: 'sales-emea@contoso.com' },
    { address: 'carol@contoso.com', type: 'cc' },
    { address: 'dave@contoso.com', type: 'bcc' },
    { address: 'erin@fabrikam.com', type: 'recipient', forwardedFrom: 'frank@contoso.com' },
  ]);
  assert.ok(result.envelope.participants.includes('alice@contoso.com'), 'participants are lower-case');
  assert.deepEqual(result.warnings, []);
});

test('documented optional fields (Label, Mailbox, SentUtc, ReceivedUtc) are accepted silently', async () => {
  const envelopeText =
    'Sender: alice@contoso.com\r\nSubject: Plans\r\nMessage-ID: <plans-1@contoso.com>\r\nLabel: Legal hold\r\n' +
    'Mailbox: bob@contoso.com\r\nSentUtc: 2025-10-06T10:00:00\r\nReceivedUtc: 2025-10-06T10:00:01\r\nTo: bob@contoso.com\r\n';
  const result = journal(await parseJournalReport(buildJournalReport({ envelope: ENVELOPE, original: ORIGINAL, envelopeText })));
  assert.deepEqual(result.warnings, []);
  assert.deepEqual(result.envelope.participants, ['alice@contoso.com', 'bob@contoso.com']);
});

test('the null sender <> is kept as an empty sender, with a warning', async () => {
  const envelope = { ...ENVELOPE, sender: '' };
  const result = journal(await parseJournalReport(buildJournalReport({ envelope, original: ORIGINAL, tenantDomain: 'contoso.com' })));
  assert.equal(result.envelope.sender, '');
  assert.deepEqual(result.envelope.participants, ['bob@contoso.com']);
  assert.match(result.warnings.join('\n'), /null reverse-path/);
});

const EIGHT_BIT = crlf(`From: Zoë <zoe@contoso.com>
To: bob@contoso.com
Subject: =?utf-8?Q?Gr=C3=BC=C3=9Fe?=
Message-ID: <eight@contoso.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Grüße aus Köln — ünïcödé, and a NUL-free binary-ish tail: ÿþý
`);

const NESTED = (outer: string) =>
  crlf(`From: alice@contoso.com
To: bob@contoso.com
Subject: nested
Message-ID: <nested@contoso.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="${outer}x"

--${outer}x
Content-Type: text/plain

--${outer} is mentioned mid-line here, and the next lines only look like the outer boundary:
--${outer}x
Content-Type: text/plain

--${outer}-- trailing text
--${outer}--x
 --${outer}
--${outer}xx--

--${outer}x
Content-Type: message/rfc822

Subject: inner

--${outer}x--
`);

const ORIGINALS: [string, Buffer][] = [
  ['plain CRLF', ORIGINAL],
  ['LF line endings', Buffer.from(ORIGINAL.toString('latin1').replace(/\r\n/g, '\n'), 'latin1')],
  ['8-bit UTF-8 body', EIGHT_BIT],
  ['its own multipart boundaries and lines that look like the outer boundary', NESTED('_000_outer_')],
  ['no final line break', Buffer.from('Subject: x\r\nMessage-ID: <x@contoso.com>\r\n\r\nno newline at the end', 'latin1')],
  ['trailing blank lines', Buffer.concat([ORIGINAL, Buffer.from('\r\n\r\n\r\n')])],
  ['every byte value', Buffer.concat([Buffer.from('Subject: bytes\r\nMessage-ID: <plans-1@contoso.com>\r\n\r\n'), Buffer.from(Array.from({ length: 256 }, (_, i) => i))])],
];

for (const [name, original] of ORIGINALS) {
  test(`the original is returned byte-exact (SHA-256): ${name}`, async () => {
    const raw = buildJournalReport({ envelope: ENVELOPE, original, boundary: '_000_outer_' });
    const result = await parseJournalReport(raw);
    assert.equal(sha256(originalOf(raw, result)), sha256(original));
  });
}

test('a report stored with LF line endings still gives the (LF) original byte-exact', async () => {
  const built = buildJournalReport({ envelope: ENVELOPE, original: NESTED('b1'), boundary: 'b1' });
  const raw = Buffer.from(built.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
  const expected = Buffer.from(NESTED('b1').toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
  assert.equal(sha256(originalOf(raw, await parseJournalReport(raw))), sha256(expected));
});

test('a large original is located without copying it', async () => {
  const body = Buffer.alloc(8 * 1024 * 1024, 'All work and no play makes Jack a dull boy.\r\n');
  const original = Buffer.concat([ORIGINAL.subarray(0, ORIGINAL.indexOf('\r\n\r\n') + 4), body]);
  const raw = buildJournalReport({ envelope: ENVELOPE, original });
  const result = journal(await parseJournalReport(raw));
  assert.ok('start' in result.original);
  assert.equal(result.original.end - result.original.start, original.length);
  assert.ok(originalOf(raw, result).equals(original));
});

test('the builder refuses a boundary that occurs in the original, and picks one that does not', () => {
  const original = NESTED('_000_outer_');
  assert.throws(() => buildJournalReport({ envelope: ENVELOPE, original, boundary: '_000_outer_x' }), /occurs in the content/);
  assert.throws(() => buildJournalReport({ envelope: ENVELOPE, original, boundary: 'bad boundary ' }), /not a valid MIME boundary/);
  assert.doesNotThrow(() => buildJournalReport({ envelope: ENVELOPE, original }));
});

test('the builder can attach the original as 7bit or 8bit', async () => {
  for (const encoding of ['7bit', '8bit'] as const) {
    const raw = buildJournalReport({ envelope: ENVELOPE, original: ORIGINAL, originalEncoding: encoding });
    assert.ok(raw.includes(`Content-Transfer-Encoding: ${encoding}\r\n\r\nFrom: Alice`));
    assert.deepEqual(originalOf(raw, await parseJournalReport(raw)), ORIGINAL);
  }
});

test('isJournalReport looks for X-MS-Journal-Report in raw bytes, mailparser header lines or a plain object', () => {
  const report = buildJournalReport({ envelope: ENVELOPE, original: ORIGINAL });
  assert.equal(isJournalReport(report), true);
  assert.equal(isJournalReport(ORIGINAL), false, 'the original itself is not a report');
  assert.equal(isJournalReport([{ key: 'from' }, { key: 'x-ms-journal-report' }]), true);
  assert.equal(isJournalReport({ 'X-MS-Journal-Report': '' }), true);
  assert.equal(isJournalReport({ subject: 'x' }), false);
});

test('a normal message is not a journal report', async () => {
  const result = await parseJournalReport(ORIGINAL);
  assert.equal(result.kind, 'not-journal');
  assert.match((result as { reason: string }).reason, /no X-MS-Journal-Report header/);
});

test('a message that only mentions the header in its body is not a journal report', async () => {
  const raw = crlf('Subject: hi\n\nX-MS-Journal-Report: is a header, not a body line\n');
  const result = await parseJournalReport(raw);
  assert.equal(result.kind, 'not-journal');
});

test('an undeliverable-report wrapping a journal report is not-journal, with the reason spelled out', async () => {
  const report = buildJournalReport({ envelope: ENVELOPE, original: ORIGINAL });
  const ndr = Buffer.concat([
    crlf('From: postmaster@contoso.com\nSubject: Undeliverable: Plans\nContent-Type: multipart/report; report-type=delivery-status; boundary=ndr\n\n--ndr\nContent-Type: text/plain\n\nDelivery has failed.\n--ndr\nContent-Type: message/rfc822\n\n'),
    report,
    crlf('\n--ndr--\n'),
  ]);
  const result = await parseJournalReport(ndr);
  assert.equal(result.kind, 'not-journal');
  assert.match((result as { reason: string }).reason, /carries a journal report inside/);
});

test('an Exchange 2003 journal report is not-journal, named as such', async () => {
  const raw = crlf('Content-Identifer: ExJournalReport\nSubject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nSender: a@contoso.com\n--b--\n');
  const result = await parseJournalReport(raw);
  assert.equal(result.kind, 'not-journal');
  assert.match((result as { reason: string }).reason, /Exchange 2003/);
});

test('no message in the shared corpus is taken for a journal report', { timeout: 120_000 }, async (t) => {
  if (!existsSync(CORPUS)) {
    t.skip(`shared corpus not found at ${CORPUS}`);
    return;
  }
  const files = readdirSync(CORPUS, { recursive: true, encoding: 'utf8' })
    .map((f) => join(CORPUS, f))
    .filter((f) => !/\.(md|pst|msg|tnef|dat)$/i.test(f) && statSync(f).isFile());
  let checked = 0;
  for (const file of files) {
    const raw = readFileSync(file);
    const result = await parseJournalReport(raw);
    assert.equal(result.kind, 'not-journal', file);
    checked++;
  }
  assert.ok(checked > 1000, `only ${checked} corpus files read`);
});

const head = (extra = '') =>
  `From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com>\nTo: journal@archive.example\nSubject: Plans\nX-MS-Journal-Report:\n${extra}`;
const ENVELOPE_PART = '--b\nContent-Type: text/plain\n\nSender: alice@contoso.com\nSubject: Plans\nMessage-Id: <plans-1@contoso.com>\nTo: bob@contoso.com\n';

test('malformed: a report without the original message attached', async () => {
  const raw = crlf(`${head('Content-Type: multipart/mixed; boundary=b\n')}\n${ENVELOPE_PART}--b--\n`);
  const result = await parseJournalReport(raw);
  assert.match(malformedReason(result), /no message\/rfc822 attachment/);
  assert.equal((result as { envelope?: Partial<JournalEnvelope> }).envelope?.sender, 'alice@contoso.com', 'what was read is kept');
});

test('malformed: an empty envelope', async () => {
  const raw = buildJournalReport({ envelope: ENVELOPE, original: ORIGINAL, envelopeText: '\r\n' });
  assert.match(malformedReason(await parseJournalReport(raw)), /envelope part is empty/);
});

test('malformed: a report with no envelope part', async () => {
  const raw = crlf(`${head('Content-Type: multipart/mixed; boundary=b\n')}\n--b\nContent-Type: message/rfc822\n\nSubject: x\n\nhi\n--b--\n`);
  assert.match(malformedReason(await parseJournalReport(raw)), /no text\/plain envelope part/);
});

test('malformed: a truncated report, wherever it was cut', async () => {
  const full = buildJournalReport({ envelope: ENVELOPE, original: ORIGINAL, boundary: 'cut' });
  const inOriginal = full.subarray(0, full.length - 40);
  assert.match(malformedReason(await parseJournalReport(inOriginal)), /truncated: no boundary follows the attached original/);
  const inEnvelope = full.subarray(0, full.indexOf('To: bob@contoso.com'));
  assert.match(malformedReason(await parseJournalReport(inEnvelope)), /no recipients/);
  const beforeOriginal = full.subarray(0, full.indexOf('Content-Type: message/rfc822'));
  assert.match(malformedReason(await parseJournalReport(beforeOriginal)), /original message is missing \(the report ends before its last boundary: truncated\)/);
  const inHeader = full.subarray(0, full.indexOf('X-MS-Journal-Report:\r\n') + 22);
  assert.match(malformedReason(await parseJournalReport(inHeader)), /ends inside its header block/);
});

test('malformed: not multipart, or no boundary', async () => {
  assert.match(malformedReason(await parseJournalReport(crlf(`${head()}\nSender: a@contoso.com\n`))), /text\/plain, not multipart/);
  assert.match(malformedReason(await parseJournalReport(crlf(`${head('Content-Type: multipart/mixed\n')}\nx\n`))), /no boundary parameter/);
  assert.match(malformedReason(await parseJournalReport(crlf(`${head('Content-Type: multipart/mixed; boundary=zz\n')}\n--b\n\nx\n`))), /no body part delimited/);
});

const withEnvelope = (envelopeText: string) => buildJournalReport({ envelope: ENVELOPE, original: ORIGINAL, envelopeText });

test('malformed: envelope lines that cannot be read, each named', async () => {
  const cases: [string, RegExp][] = [
    ['Sender: alice@contoso.com\nSubject: Plans\nMessage-Id: <plans-1@contoso.com>\nTo: bob at contoso\n', /line 4 .*not an e-mail address: "bob at contoso"/],
    ['Sender: alice@contoso.com\nSubject: Plans\nMessage-Id: <plans-1@contoso.com>\nTo: bob@contoso.com, Expanded: \n', /expanded source is not an e-mail address/],
    ['Sender: alice@contoso.com\nSubject: Plans\nMessage-Id: <plans-1@contoso.com>\nTo: bob@contoso.com, Expanded: a@contoso.com, Expanded: b@contoso.com\n', /two expanded sources/],
    ['Sender: alice@contoso.com\nSubject: Plans\nMessage-Id: <plans-1@contoso.com>\nTo: b@contoso.com, Forwarded: a@contoso.com, c@contoso.com\n', /an address follows the Expanded\/Forwarded source/],
    ['Sender: alice@contoso.com\nSubject: Plans\nMessage-Id: <plans-1@contoso.com>\nTo:\n', /no recipient address/],
    ['Sender: alice@contoso.com\nSubject: Plans\nMessage-Id: <plans-1@contoso.com>\n', /lists no recipients/],
    ['Subject: Plans\nMessage-Id: <plans-1@contoso.com>\nTo: bob@contoso.com\n', /no Sender line/],
    ['Sender: Alice\nSubject: Plans\nMessage-Id: <plans-1@contoso.com>\nTo: bob@contoso.com\n', /Sender is not an e-mail address: "Alice"/],
    ['Sender: alice@contoso.com\nSubject: Plans\nTo: bob@contoso.com\n', /no Message-ID/],
    ['Sender: alice@contoso.com\nOn-Behalf-Of: the boss\nSubject: Plans\nMessage-Id: <plans-1@contoso.com>\nTo: bob@contoso.com\n', /On-Behalf-Of is not an e-mail address/],
    ['Sender: alice@contoso.com\nSubject: Plans\nMessage-Id: <plans-1@contoso.com>\nTo: bob@contoso.com\nClick here to verify your account\n', /line 5 is not a "Field: value" line/],
  ];
  for (const [text, reason] of cases) {
    const result = await parseJournalReport(withEnvelope(text.replace(/\n/g, '\r\n')));
    assert.match(malformedReason(result), reason, text);
    assert.match(malformedReason(result), /^unreadable envelope: /);
  }
});

test('malformed: an original whose base64 is not base64, or an unknown transfer encoding', async () => {
  const bad = (cte: string, body: string) =>
    crlf(`${head('Content-Type: multipart/mixed; boundary=b\n')}\n${ENVELOPE_PART}--b\nContent-Type: message/rfc822\nContent-Transfer-Encoding: ${cte}\n\n${body}\n--b--\n`);
  assert.match(malformedReason(await parseJournalReport(bad('base64', '!!!$$$'))), /unreadable Content-Transfer-Encoding "base64"/);
  assert.match(malformedReason(await parseJournalReport(bad('x-uuencode', 'begin 644 x'))), /unreadable Content-Transfer-Encoding "x-uuencode"/);
  assert.match(malformedReason(await parseJournalReport(bad('7bit', ''))), /original message is empty/);
});

test('warnings: a second (decrypted) original, a Message-ID that differs, an unknown field, several addresses on a line', async () => {
  const report = buildJournalReport({
    envelope: ENVELOPE,
    original: ORIGINAL,
    boundary: 'b',
    envelopeText: 'Sender: alice@contoso.com\r\nSubject: Plans\r\nMessage-Id: <other@contoso.com>\r\nX-Note: hi\r\nTo: bob@contoso.com, carol@contoso.com\r\n',
  });
  const text = report.toString('latin1');
  const decrypted = '--b\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\nSubject: decrypted\r\n\r\nclear text\r\n';
  const raw = Buffer.from(text.replace(/--b--\r\n$/, `${decrypted}--b--\r\n`), 'latin1');
  const result = journal(await parseJournalReport(raw));
  assert.deepEqual(originalOf(raw, result), ORIGINAL, 'the first attachment is the original');
  const warnings = result.warnings.join('\n');
  assert.match(warnings, /2 message\/rfc822 attachments; the first is archived/);
  assert.match(warnings, /Message-ID <other@contoso\.com> differs from the original's <plans-1@contoso\.com>/);
  assert.match(warnings, /unknown envelope field "X-Note" ignored/);
  assert.match(warnings, /lists 2 addresses/);
  assert.deepEqual(result.envelope.participants, ['alice@contoso.com', 'bob@contoso.com', 'carol@contoso.com']);
});

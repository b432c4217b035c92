import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import type { Attachment } from 'nodemailer/lib/mailer';
import { ingestMessage, type IngestResult } from '../../backend/src/ingest';
import { parseMessage, type ParsedMessage, type ParseOptions } from '../../backend/src/ingest/parse';
import { XmlWalker } from '../../backend/src/ingest/extract/xml';
import { parseQuery } from '../../backend/src/search/query';
import { searchIndex } from '../../backend/src/search/service';
import { getMessageDoc } from '../../backend/src/store/messages';
import { WORDS } from '../fixtures/attachments/words';
import { corpusDir } from '../helpers/corpus';
import { testStore, type TestStore } from '../helpers/db';
import { peakMemoryDuring } from '../helpers/memory';

const FIXTURES = new URL('../fixtures/attachments/', import.meta.url);
const fixture = (name: string) => readFile(new URL(name, FIXTURES));
const corpus = corpusDir();
const needsCorpus = { skip: corpus ? false : 'real-mail corpus not found (see docs/CONVENTIONS.md)' };

let store: TestStore;
let spillDir: string;
before(async () => {
  store = await testStore();
  spillDir = await mkdtemp(join(tmpdir(), 'attachment-text-test-'));
});
after(async () => {
  await store?.drop();
  await rm(spillDir, { recursive: true, force: true });
});

const mailer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'crlf' });

/** A message as a mail client writes it (nodemailer), with the given attachments. */
async function compose(subject: string, attachments: Attachment[], text = 'Please see the attachment.'): Promise<Buffer> {
  const info = await mailer.sendMail({ from: 'Megan Bowen <megan.bowen@contoso.example>', to: 'alex.wilber@contoso.example', subject, text, attachments });
  return info.message as Buffer;
}

async function withFixture(name: string, contentType?: string): Promise<Buffer> {
  return compose(`Fixture ${name}`, [{ filename: name, content: await fixture(name), ...(contentType ? { contentType } : {}) }]);
}

const parse = (bytes: Buffer, opts: ParseOptions = {}) => parseMessage(() => Readable.from([bytes]), { tmpDir: spillDir, ...opts });

function ingest(archiveId: string, bytes: Buffer, parseOpts: ParseOptions = {}): Promise<IngestResult> {
  const source = { kind: 'import' as const, file: `${archiveId}/${Math.random()}` };
  return ingestMessage(store, { archiveId, folder: 'Inbox', source, content: Readable.from([bytes]) }, { parse: { tmpDir: spillDir, ...parseOpts } });
}

async function subjectsFound(archiveId: string, q: string): Promise<string[]> {
  const result = await searchIndex(store, [archiveId], parseQuery(q), { limit: 50 });
  return result.value.map((hit) => hit.subject).sort();
}

async function storedBytes(sha256: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of store.blobs.open(sha256) as AsyncIterable<Buffer>) parts.push(part);
  return Buffer.concat(parts);
}

async function spillDirIsEmpty(): Promise<void> {
  assert.deepEqual(await readdir(spillDir), [], 'no temporary file is left behind');
}

describe('a search finds words that appear only inside an attachment', () => {
  const cases: [file: string, words: string[], contentType?: string][] = [
    ['project-brief.docx', [WORDS.docx, WORDS.docxTable, WORDS.docxFooter]],
    ['budget.xlsx', [WORDS.xlsx, WORDS.xlsxSecondSheet]],
    ['kickoff.pptx', [WORDS.pptx, WORDS.pptxNotes]],
    ['handbook.pdf', [WORDS.pdf]],
    ['project-brief.odt', [WORDS.docx, WORDS.docxTable]],
    ['budget.ods', [WORDS.xlsx, WORDS.xlsxSecondSheet]],
    ['kickoff.odp', [WORDS.pptx, WORDS.pptxNotes]],
    // Senders often label documents as generic bytes: the file name decides then.
    ['project-brief.docx', [WORDS.docx], 'application/octet-stream'],
  ];
  for (const [file, words, contentType] of cases) {
    test(`${file}${contentType ? ` sent as ${contentType}` : ''}: ${words.join(', ')}`, async () => {
      const archive = `docs-${file.replace(/\W/g, '-')}-${contentType ? 'generic' : 'typed'}`;
      const result = await ingest(archive, await withFixture(file, contentType));
      assert.equal(result.status, 'archived');
      assert.deepEqual(result.parseErrors, []);
      for (const word of words) assert.deepEqual(await subjectsFound(archive, word.toLowerCase()), [`Fixture ${file}`], word);
      assert.deepEqual(await subjectsFound(archive, 'Nebuchadnezzarian'), [], 'a word in no attachment finds nothing');
      await spillDirIsEmpty();
    });
  }

  test('slides are read in presentation order, sheets in workbook order', async () => {
    const deck = await parse(await withFixture('kickoff.pptx'));
    const text = deck.attachmentText.join('\n');
    assert.ok(text.indexOf('Kickoff') < text.indexOf(WORDS.pptx) && text.indexOf(WORDS.pptx) < text.indexOf('Questions'), text);
    const book = await parse(await withFixture('budget.xlsx'));
    assert.match(book.attachmentText.join('\n'), new RegExp(`^Budget\\nItem Amount\\s*\\n${WORDS.xlsx} imports 4711[\\s\\S]*Travel\\n[\\s\\S]*${WORDS.xlsxSecondSheet}`));
  });

  test('a real PDF from the corpus: its text is the attachment text', needsCorpus, async () => {
    const msg = await parse(await readFile(join(corpus ?? '', 'flanker/attached-pdf.eml')));
    assert.deepEqual(msg.parseErrors, []);
    assert.deepEqual(msg.attachmentText, ['Test.']);
  });

  // Outlook attaches a forwarded item as an attachment; other clients embed it inline, which the
  // MIME parser reads as part of the message itself. Both are searchable.
  for (const disposition of ['attachment', 'inline'] as const) {
    test(`an attached message (${disposition}): its subject, people, body and its own attachments are searchable`, async () => {
      const inner = await compose('Minutes of the Wollemia meeting', [{ filename: 'project-brief.docx', content: await fixture('project-brief.docx') }], 'We agreed on the Tuatara plan.');
      const outer = await compose('Forwarding the minutes', [{ filename: 'minutes.eml', content: inner, contentType: 'message/rfc822', contentDisposition: disposition }], 'FYI');
      const archive = `nested-${disposition}`;
      const result = await ingest(archive, outer);
      assert.deepEqual(result.parseErrors, []);
      for (const word of ['wollemia', 'tuatara', WORDS.docx.toLowerCase()]) {
        assert.deepEqual(await subjectsFound(archive, word), ['Forwarding the minutes'], word);
      }
    });
  }

  test('attached messages are read two levels deep; deeper ones are archived, their text is not read', async () => {
    let msg = await compose('Level 3 Cassowary', [], 'Deepest Cassowary body');
    for (const level of [2, 1, 0]) {
      msg = await compose(`Level ${level}`, [{ filename: `level${level + 1}.eml`, content: msg, contentType: 'message/rfc822', contentDisposition: 'attachment' }], `Body ${level}`);
    }
    const parsed = await parse(msg);
    const text = parsed.attachmentText.join('\n');
    assert.match(text, /^Level 1\nFrom: Megan Bowen <megan\.bowen@contoso\.example>\nTo: alex\.wilber@contoso\.example\nBody 1\n/);
    assert.match(text, /Body 2/);
    assert.match(text, /Attachments: level3\.eml/, 'the deepest message is still listed by name');
    assert.doesNotMatch(text, /Cassowary/);
    assert.deepEqual(parsed.parseErrors, []);
  });

  test('the text of all attachments together stays within maxAttachmentTextChars', async () => {
    const msg = await compose('Two documents', [
      { filename: 'handbook.pdf', content: await fixture('handbook.pdf') },
      { filename: 'project-brief.docx', content: await fixture('project-brief.docx') },
    ]);
    const parsed = await parse(msg, { maxAttachmentTextChars: 5000 });
    const total = parsed.attachmentText.join('').length;
    assert.ok(total > 4900 && total <= 5000, `${total} characters`);
    assert.doesNotMatch(parsed.attachmentText.join(), new RegExp(WORDS.docx), 'the second document found no room');
    assert.equal(parsed.textTruncated, true);
  });
});

describe('hostile or broken attachments: the message is archived byte-exact, with a parse error, in bounded time', () => {
  async function archivedExactly(archive: string, bytes: Buffer, opts: ParseOptions = {}): Promise<IngestResult> {
    const result = await ingest(archive, bytes, opts);
    assert.equal(result.status, 'archived');
    assert.ok((await storedBytes(result.sha256)).equals(bytes), 'the stored blob is the message, byte for byte');
    const doc = await getMessageDoc(store.conn, result.sha256);
    assert.deepEqual(doc?.parseErrors, result.parseErrors, 'the parse errors are stored with the message');
    await spillDirIsEmpty();
    return result;
  }

  test('a corrupt PDF (corpus)', needsCorpus, async () => {
    const bytes = await readFile(join(corpus ?? '', 'ruby-mail/attachment_pdf.eml'));
    const result = await archivedExactly('corrupt', bytes);
    assert.deepEqual(result.parseErrors, ['text of attachment broken.pdf: Invalid PDF structure.']);
  });

  test('a password-protected PDF', async () => {
    const result = await archivedExactly('encrypted', await withFixture('secret.pdf'));
    assert.deepEqual(result.parseErrors, ['text of attachment secret.pdf: the PDF is password-protected, no text extracted']);
    assert.deepEqual(await subjectsFound('encrypted', WORDS.encryptedPdf.toLowerCase()), []);
  });

  test('a zip bomb named .docx (256 MB inflated) stops at the inflate cap', async () => {
    const started = Date.now();
    const result = await archivedExactly('bomb', await withFixture('bomb.docx'));
    // About 2 s to reach the cap alone; on a busy machine the 5 s limit may stop it first.
    assert.equal(result.parseErrors.length, 1, result.parseErrors.join(' | '));
    assert.match(result.parseErrors[0] ?? '', /^text of attachment bomb\.docx: (stopped after 64 MB of inflated content \(a zip bomb\?\)|timed out after 5 s)$/);
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
  });

  test('an extraction that runs over its time limit is stopped, and the next one gets a fresh worker', async () => {
    const started = Date.now();
    const result = await archivedExactly('slow', await withFixture('handbook.pdf'), { attachmentTimeLimitMs: 20 });
    const took = Date.now() - started;
    assert.deepEqual(result.parseErrors, ['text of attachment handbook.pdf: timed out after 0.02 s']);
    assert.ok(took < 15_000, `took ${took} ms (a worker start included)`);
    const again = await parse(await withFixture('handbook.pdf'));
    assert.deepEqual(again.parseErrors, []);
    assert.match(again.attachmentText.join(), new RegExp(WORDS.pdf));
  });

  test('when slow documents use up the time for attachment text, the rest of the message is still parsed', async () => {
    const handbook = await fixture('handbook.pdf');
    const names = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => `handbook-${n}.pdf`);
    const msg = await compose('Six handbooks', [...names.map((filename) => ({ filename, content: handbook })), { filename: 'last.txt', content: 'the end' }]);
    const started = Date.now();
    // 75% of the parse time may go to attachment text: 450 ms here, less than six PDFs take even
    // on two workers; the other 150 ms leave a loaded machine room to finish the rest.
    const parsed = await parse(msg, { timeLimitMs: 600 });
    const took = Date.now() - started;
    assert.deepEqual(parsed.attachments.map((a) => a.filename), [...names, 'last.txt'], 'every attachment is listed');
    const ranOut = parsed.parseErrors.filter((e) => e.endsWith("not read: the message's 0.45 s for attachment text ran out") || / timed out /.test(e));
    assert.equal(ranOut.length, 1, `one error says why text is missing: ${parsed.parseErrors.join(' | ')}`);
    assert.equal(parsed.parseErrors.length, 1, parsed.parseErrors.join(' | '));
    assert.equal(parsed.textTruncated, true);
    assert.equal(parsed.attachmentText.at(-1), 'the end', 'text attachments are still read');
    assert.ok(took < 15_000, `took ${took} ms`);
    await spillDirIsEmpty();
  });

  test('an attachment over maxAttachmentBytes (32 MB) is not read for text, and never held in memory', async (t) => {
    const size = 33 * 1024 * 1024;
    const head = Buffer.from(
      'From: a@example.com\r\nTo: b@example.com\r\nSubject: huge\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' +
        '--b\r\nContent-Type: text/plain\r\n\r\nhuge scan attached\r\n' +
        '--b\r\nContent-Type: application/pdf; name="scan.pdf"\r\nContent-Disposition: attachment; filename="scan.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n',
    );
    const line = Buffer.from(`${Buffer.from('%PDF-1.4 ' + 'x'.repeat(48)).toString('base64')}\r\n`);
    const lines = Math.ceil(size / 57);
    const message = Readable.from((function* () {
      yield head;
      for (let i = 0; i < lines; i += 1000) yield Buffer.concat(Array(Math.min(1000, lines - i)).fill(line));
      yield Buffer.from('--b--\r\n');
    })());
    let msg: ParsedMessage | undefined;
    const { heap: peak } = await peakMemoryDuring(async () => {
      msg = await parseMessage(() => message, { tmpDir: spillDir });
    }, 50);
    assert.ok(msg);
    assert.deepEqual(msg.parseErrors, ['text of attachment scan.pdf: larger than 32 MB, not read for text']);
    assert.equal(msg.attachments[0]?.size, lines * 57);
    t.diagnostic(`33 MB attachment: heap and buffers grew by ${(peak / 1024 / 1024).toFixed(1)} MB at most`);
    assert.ok(peak < 16 * 1024 * 1024, `heap and buffers grew by ${(peak / 1024 / 1024).toFixed(1)} MB`);
    await spillDirIsEmpty();
  });

  test('a large attachment spills to a temporary file, which is removed afterwards', async () => {
    const msg = await parse(await withFixture('handbook.pdf'), { attachmentMemoryBytes: 4096 });
    assert.match(msg.attachmentText.join(), new RegExp(WORDS.pdf));
    await spillDirIsEmpty();
  });

  test('a document that is not what its name says gives a parse error, not a crash', async () => {
    const msg = await parse(await compose('Not a document', [{ filename: 'notes.docx', content: 'just some text, no zip' }]));
    assert.deepEqual(msg.parseErrors, ['text of attachment notes.docx: not a zip package, no text extracted']);
  });
});

describe('office XML is read the same however the inflated stream is cut', () => {
  test('entities, CDATA, quoted ">" and tags split across chunks', () => {
    const xml =
      '<?xml version="1.0"?><!-- a comment > with a gt --><w:document a="x>y"><w:p><w:r><w:t xml:space="preserve">Fish &amp; chips &#8364;5 &#x263A;</w:t></w:r></w:p>' +
      '<w:p><w:r><w:t><![CDATA[<raw> & text]]></w:t></w:r></w:p><w:p><w:r><w:t>caf&eacute; stays</w:t></w:r></w:p></w:document>';
    const walk = (chunks: string[]) => {
      const texts: string[] = [];
      let inText = false;
      const walker = new XmlWalker({ open: (n) => (inText ||= n === 't'), close: (n) => (inText &&= n !== 't'), text: (t) => inText && texts.push(t) });
      for (const c of chunks) walker.write(c);
      walker.end();
      return texts.join('');
    };
    const whole = walk([xml]);
    assert.equal(whole, 'Fish & chips €5 ☺<raw> & textcaf&eacute; stays');
    for (let size = 1; size < 12; size++) {
      const chunks = xml.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? [];
      assert.equal(walk(chunks), whole, `chunks of ${size}`);
    }
  });
});

describe('extraction runs off the ingest thread', () => {
  test('the event loop keeps turning while PDFs are extracted', async (t) => {
    const bytes = await withFixture('handbook.pdf');
    await parse(bytes); // warm the worker up
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = Date.now();
    const results = await Promise.all([parse(bytes), parse(bytes), parse(bytes)]);
    const took = Date.now() - started;
    delay.disable();
    for (const r of results) assert.deepEqual(r.parseErrors, []);
    const maxMs = delay.max / 1e6;
    t.diagnostic(`3 × ${WORDS.pdfPages}-page PDF in ${took} ms; event loop delay max ${maxMs.toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms`);
    assert.ok(maxMs < Math.max(250, took / 4), `the event loop stalled for ${maxMs} ms`);
  });
});

import { createReadStream } from 'node:fs';
import { relative } from 'node:path';
import { clean } from '../../backend/src/ingest/header-fields';
import { htmlToText } from '../../backend/src/ingest/html-text';
import { parseMessage } from '../../backend/src/ingest/parse';
import { readBodies } from '../../backend/src/retrieval/mime-parts';
import { entryFor } from '../../backend/src/search/index-store';
import { indexable } from '../../backend/src/search/index-segment';
import { indexKeys } from '../../backend/src/search/index-terms';
import { tokenize } from '../../backend/src/search/tokenize';
import { corpusFiles } from './corpus';

/**
 * "Every word the reader shows is findable", checked message by message: the words of what the
 * reading pane shows (subject, people, attachment names, and the body as the reader renders it:
 * the HTML when there is one, else the text), each looked up in the index keys the indexer
 * writes for the message. A message whose text was cut by the caps says so (textCuts) and is
 * counted apart. Also counts U+FFFD (undecodable text) in what the reader shows.
 */
export interface WordsReport {
  messages: number;
  words: number;
  missingWords: number;
  /** Files with at least one word the index lacks, with a few of those words. */
  missing: { file: string; words: string[] }[];
  /** Messages whose text the caps cut (the reading pane says so). */
  cut: number;
  /** Messages showing U+FFFD in their subject, people or body. */
  replacementChars: number;
  ms: number;
}

/** Outlook .msg and .pst files are not MIME (their import is a separate path); mbox files are many messages. */
const NOT_MIME = /^(msgreader-msg|java-libpst|imaptest|mimekit-mbox|mimekit-tnef|tnefparse-extra)\//;

export function mimeCorpusFiles(root: string): string[] {
  return corpusFiles().filter((f) => !NOT_MIME.test(relative(root, f)));
}

export async function readerWords(root: string, files: readonly string[]): Promise<WordsReport> {
  const report: WordsReport = { messages: 0, words: 0, missingWords: 0, missing: [], cut: 0, replacementChars: 0, ms: 0 };
  const started = Date.now();
  for (const file of files) {
    const open = () => createReadStream(file);
    const msg = await parseMessage(open);
    report.messages++;
    const bodies = await readBodies(open);
    // What the reading pane shows: the HTML, else the stored text (retrieval/view.ts).
    // Control characters show as nothing (ingest drops them too).
    const body = bodies.html ? clean(htmlToText(bodies.html), Number.POSITIVE_INFINITY) : msg.bodyText;
    const people = [...msg.from, ...msg.to, ...msg.cc].flatMap((a) => [a.name, a.address]);
    const shown = [msg.subject, ...people, ...msg.attachments.map((a) => a.filename), body];
    if (shown.some((t) => t.includes('\ufffd'))) report.replacementChars++;
    if (msg.textTruncated || bodies.truncated) {
      report.cut++;
      continue;
    }
    const keys = new Set(indexKeys(indexable(entryFor({ sha256: '', folder: '', receivedAt: new Date(0), size: 0, hasAttachments: msg.hasAttachments }, msg))));
    const terms = new Set([...keys].map((k) => k.slice(2)));
    const words = tokenize(shown, { shingles: false, maxTerms: Number.POSITIVE_INFINITY });
    const lacking = words.filter((w) => !terms.has(w));
    report.words += words.length;
    report.missingWords += lacking.length;
    if (lacking.length) report.missing.push({ file: relative(root, file), words: lacking.slice(0, 5) });
  }
  report.ms = Date.now() - started;
  return report;
}

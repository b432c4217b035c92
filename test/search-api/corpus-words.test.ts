import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireCorpus } from '../helpers/corpus';
import { mimeCorpusFiles, readerWords } from '../helpers/reader-words';

/**
 * Issue #22 over the whole real-mail corpus: for every message, every word the reading pane
 * shows (subject, people, attachment names, the body as rendered) is a term the index holds for
 * it. Messages the text caps cut say so in the reading pane and are counted apart.
 */
test('every word the reader shows of a corpus message is findable', async (t) => {
  const root = requireCorpus(t);
  if (!root) return;
  const report = await readerWords(root, mimeCorpusFiles(root));
  t.diagnostic(
    `${report.messages} messages, ${report.words} distinct words shown, ${report.missingWords} not findable in ${report.missing.length} messages; ` +
      `${report.cut} cut by the caps (and say so); ${report.replacementChars} show U+FFFD; ${report.ms} ms`,
  );
  assert.ok(report.messages > 4500, `expected the whole corpus, found ${report.messages} messages`);
  assert.deepEqual(report.missing, []);
});

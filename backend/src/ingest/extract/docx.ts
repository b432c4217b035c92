import type { TextBudget } from './budget';
import { firstOfType, relationships } from './rels';
import { ooxmlRunText } from './ooxml-text';
import type { Zip } from './zip';

const SIDE_PARTS = /^word\/(header\d*|footer\d*|footnotes|endnotes|comments)\.xml$/;

/** Word: the main document, then headers, footers, notes and comments. */
export async function docxText(zip: Zip, out: TextBudget): Promise<void> {
  const main = firstOfType(await relationships(zip, ''), 'officeDocument') ?? 'word/document.xml';
  // Headers, then footers, notes and comments: the order a reader meets them.
  const sides = zip.names().filter((n) => SIDE_PARTS.test(n)).sort((a, b) => sideRank(a) - sideRank(b) || a.localeCompare(b));
  for (const part of [main, ...sides]) {
    if (out.full) return;
    await ooxmlRunText(zip, part, out);
    out.newline();
  }
}

function sideRank(part: string): number {
  return ['header', 'footer', 'footnotes', 'endnotes', 'comments'].findIndex((k) => part.startsWith(`word/${k}`));
}

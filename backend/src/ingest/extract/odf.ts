import type { TextBudget } from './budget';
import { XmlWalker, attr } from './xml';
import type { Zip } from './zip';

const LINE_ENDS = new Set(['p', 'h', 'line-break', 'table-row', 'list-item', 'page']);
/** Deleted text kept by change tracking, and page number fields (placeholders on notes pages), are not the document's words. */
const SKIPPED = new Set(['tracked-changes', 'page-number']);

/** OpenDocument text, spreadsheet and presentation: the text of content.xml's body. */
export async function odfText(zip: Zip, out: TextBudget): Promise<void> {
  let inBody = false;
  let skipping = 0;
  const walker = new XmlWalker({
    open(name, tag, selfClosing) {
      if (name === 'body') inBody = true;
      else if (SKIPPED.has(name) && !selfClosing) skipping++;
      else if (name === 's' || name === 'tab') out.space();
      else if (inBody && name === 'table' && !selfClosing) {
        out.add(attr(tag, 'name') ?? '');
        out.newline();
      }
    },
    close(name) {
      if (name === 'body') inBody = false;
      else if (SKIPPED.has(name)) skipping = Math.max(0, skipping - 1);
      else if (LINE_ENDS.has(name)) out.newline();
      else if (name === 'table-cell' || name === 'frame') out.space();
    },
    text(text) {
      if (inBody && !skipping) out.add(text);
    },
  });
  await zip.read('content.xml', (chunk) => {
    walker.write(chunk);
    return !out.full;
  });
  walker.end();
}

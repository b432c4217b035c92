import type { TextBudget } from './budget';
import { XmlWalker } from './xml';
import type { Zip } from './zip';

/**
 * The text runs of a WordprocessingML or DrawingML part (w:t, a:t), a line per paragraph, with
 * tabs and breaks; deleted text (w:delText) and field codes are left out, as Word shows them.
 */
export async function ooxmlRunText(zip: Zip, part: string, out: TextBudget): Promise<void> {
  let inText = false;
  const walker = new XmlWalker({
    open(name) {
      if (name === 't') inText = true;
      else if (name === 'tab') out.space();
      else if (name === 'br' || name === 'cr') out.newline();
    },
    close(name) {
      if (name === 't') inText = false;
      else if (name === 'p') out.newline();
      else if (name === 'tc') out.space();
    },
    text(text) {
      if (inText) out.add(text);
    },
  });
  await zip.read(part, (chunk) => {
    walker.write(chunk);
    return !out.full;
  });
  walker.end();
}

import type { TextBudget } from './budget';
import { relationships } from './rels';
import { XmlWalker, attr } from './xml';
import { ooxmlRunText } from './ooxml-text';
import type { Zip } from './zip';

const PRESENTATION = 'ppt/presentation.xml';

/** PowerPoint: the slides in presentation order (p:sldIdLst), each followed by its notes. */
export async function pptxText(zip: Zip, out: TextBudget): Promise<void> {
  for (const slide of await slideOrder(zip)) {
    if (out.full) return;
    await ooxmlRunText(zip, slide, out);
    const notes = [...(await relationships(zip, slide)).values()].find((r) => r.type.endsWith('/notesSlide'));
    if (notes) await ooxmlRunText(zip, notes.part, out);
    out.newline();
  }
}

async function slideOrder(zip: Zip): Promise<string[]> {
  const rels = await relationships(zip, PRESENTATION);
  const ids: string[] = [];
  const walker = new XmlWalker({
    open(name, tag) {
      const rid = name === 'sldId' ? attr(tag, 'r:id') : undefined;
      if (rid) ids.push(rid);
    },
  });
  walker.write(await zip.readSmall(PRESENTATION));
  walker.end();
  const ordered = ids.map((id) => rels.get(id)?.part).filter((p): p is string => !!p && zip.has(p));
  if (ordered.length) return ordered;
  // A package without a readable slide list still has its slides, numbered.
  const num = (n: string) => Number(/(\d+)\.xml$/.exec(n)?.[1] ?? 0);
  return zip.names().filter((n) => /^ppt\/slides\/slide\d+\.xml$/.test(n)).sort((a, b) => num(a) - num(b));
}

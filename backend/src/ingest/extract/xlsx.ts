import type { TextBudget } from './budget';
import { firstOfType, relationships } from './rels';
import { XmlWalker, attr } from './xml';
import type { Zip } from './zip';

/** Shared strings kept for cell lookups; cells pointing past this read as empty. */
const MAX_SHARED_CHARS = 8 * 1024 * 1024;

/** Excel: each sheet in workbook order, its name, then its rows with cells space-separated. */
export async function xlsxText(zip: Zip, out: TextBudget): Promise<void> {
  const workbook = firstOfType(await relationships(zip, ''), 'officeDocument') ?? 'xl/workbook.xml';
  const rels = await relationships(zip, workbook);
  const shared = await sharedStrings(zip, firstOfType(rels, 'sharedStrings'));
  for (const sheet of await sheets(zip, workbook)) {
    const part = rels.get(sheet.rid)?.part;
    if (out.full) return;
    if (!part || !zip.has(part)) continue;
    out.add(sheet.name);
    out.newline();
    await sheetText(zip, part, shared, out);
    out.newline();
  }
}

async function sheets(zip: Zip, workbook: string): Promise<{ name: string; rid: string }[]> {
  const out: { name: string; rid: string }[] = [];
  const walker = new XmlWalker({
    open(name, tag) {
      const rid = name === 'sheet' ? attr(tag, 'r:id') : undefined;
      if (rid) out.push({ name: attr(tag, 'name') ?? '', rid });
    },
  });
  walker.write(await zip.readSmall(workbook));
  walker.end();
  return out;
}

/** The shared string table: each <si>'s text runs joined, phonetic hints (rPh) left out. */
async function sharedStrings(zip: Zip, part: string | undefined): Promise<string[]> {
  const strings: string[] = [];
  if (!part) return strings;
  let chars = 0;
  let current: string[] | null = null;
  let inText = false;
  let phonetic = 0;
  const walker = new XmlWalker({
    open(name, _tag, selfClosing) {
      if (name === 'si') current = [];
      else if (name === 't') inText = !selfClosing;
      else if (name === 'rPh' && !selfClosing) phonetic++;
    },
    close(name) {
      if (name === 't') inText = false;
      else if (name === 'rPh') phonetic = Math.max(0, phonetic - 1);
      else if (name === 'si' && current) {
        strings.push(current.join(''));
        current = null;
      }
    },
    text(text) {
      if (!inText || !current || phonetic || chars >= MAX_SHARED_CHARS) return;
      current.push(text);
      chars += text.length;
    },
  });
  await zip.read(part, (chunk) => {
    walker.write(chunk);
    return chars < MAX_SHARED_CHARS;
  });
  walker.end();
  return strings;
}

/** Cell values: shared strings by index, inline strings, and the raw value of everything else. */
async function sheetText(zip: Zip, part: string, shared: string[], out: TextBudget): Promise<void> {
  let type = '';
  let inValue = false;
  let value = '';
  const walker = new XmlWalker({
    open(name, tag) {
      if (name === 'c') {
        type = attr(tag, 't') ?? 'n';
        value = '';
      } else if (name === 'v' || (name === 't' && type === 'inlineStr')) inValue = true;
    },
    close(name) {
      if (name === 'v' || name === 't') inValue = false;
      else if (name === 'c') {
        const text = type === 's' ? (shared[Number(value)] ?? '') : value;
        if (text) {
          out.add(text);
          out.space();
        }
      } else if (name === 'row') out.newline();
    },
    text(text) {
      if (inValue && value.length < out.max) value += text;
    },
  });
  await zip.read(part, (chunk) => {
    walker.write(chunk);
    return !out.full;
  });
  walker.end();
}

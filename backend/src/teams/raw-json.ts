/**
 * The exact text of each element of a Graph page's top-level `value` array, as the server sent
 * it: what the archive keeps of a chat message is Graph's own bytes, not a re-serialisation.
 * Linear in the page's length; the caller checks the count against JSON.parse's.
 */
export function rawValueElements(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let lastKey = '';
  let inValue = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      if (depth === 1) lastKey = text.slice(i, end + 1);
      i = end;
    } else if (c === '{' || c === '[') {
      if (inValue && depth === 2 && start < 0) start = i;
      if (depth === 1 && c === '[' && lastKey === '"value"') inValue = true;
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (inValue && depth === 2 && start >= 0) {
        out.push(text.slice(start, i + 1));
        start = -1;
      }
      if (depth === 1) inValue = false;
    }
  }
  return out;
}

function stringEnd(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  throw new Error('unterminated string in a Graph page');
}

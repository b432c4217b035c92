/**
 * htmlparser2 keeps its element stack with Array#unshift and sanitize-html flattens its output for
 * every <style> element it lifts out, so both are quadratic: half a megabyte of crafted nesting or
 * style elements holds the event loop for seconds on every view. A linear scan bounds both before
 * parsing. Real mail stays far below the limits (shared corpus: depth <= 265, <= 5 style elements).
 */
export const MAX_NESTING = 4000;
export const MAX_STYLE_ELEMENTS = 100;

/** htmlparser2's void elements: never on its stack. */
const VOID = new Set([
  'area', 'base', 'basefont', 'br', 'col', 'command', 'embed', 'frame', 'hr', 'img', 'input',
  'isindex', 'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr',
]);
// Tag names end where htmlparser2 ends them: HTML whitespace, `/` or `>`.
const TAG = /<(\/?)([a-zA-Z][^\t\n\f\r />]*)/g;

/**
 * An upper bound of the parser's stack depth: every non-void start tag pushes, an end tag pops
 * only an element of its name that is open. The parser pops at least as much (end tags also close
 * what is inside, some start tags imply ends) and sees no tags the scan misses.
 */
export function markupShape(html: string): { depth: number; styles: number } {
  const open = new Map<string, number>();
  let depth = 0;
  let maxDepth = 0;
  let styles = 0;
  for (const [, end, rawName] of html.matchAll(TAG)) {
    const name = rawName!.toLowerCase();
    if (VOID.has(name)) continue;
    const count = open.get(name) ?? 0;
    if (end && count > 0) {
      open.set(name, count - 1);
      depth--;
    } else if (!end) {
      open.set(name, count + 1);
      maxDepth = Math.max(maxDepth, ++depth);
      if (name === 'style') styles++;
    }
  }
  return { depth: maxDepth, styles };
}

/** For markup no real mail has: all tags removed, the rest shown as escaped preformatted text. */
export function markupAsText(html: string): string {
  const text = html.replace(/<[^<>]*>/g, '').replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<pre style="white-space:pre-wrap">${text}</pre>`;
}

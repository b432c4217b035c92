import { buildCssTree, tokenizeCss, type CssNode } from './sanitize-css-tokens';

/** Turns a URL found in CSS into the one to emit, or null to drop the declaration that holds it. */
export type CssImagePolicy = (url: string) => string | null;

/**
 * Functions that compute values and cannot fetch anything. Everything else is dropped: `url`
 * is checked on its own; `expression` (old IE script), `image-set`, `image`, `src`, `element`,
 * `attr` and any future function that might take a URL are unknown and therefore not allowed.
 */
const FUNCTIONS = new Set([
  'rgb', 'rgba', 'hsl', 'hsla', 'hwb', 'lab', 'lch', 'oklab', 'oklch', 'color', 'color-mix',
  'calc', 'min', 'max', 'clamp', 'var', 'env', 'minmax', 'repeat', 'fit-content',
  'linear-gradient', 'radial-gradient', 'conic-gradient', 'repeating-linear-gradient',
  'repeating-radial-gradient', 'repeating-conic-gradient', 'gradient', 'color-stop', 'from', 'to',
  'translate', 'translatex', 'translatey', 'translatez', 'translate3d', 'scale', 'scalex', 'scaley',
  'scalez', 'scale3d', 'rotate', 'rotatex', 'rotatey', 'rotatez', 'rotate3d', 'skew', 'skewx',
  'skewy', 'matrix', 'matrix3d', 'perspective', 'cubic-bezier', 'steps',
  'blur', 'brightness', 'contrast', 'drop-shadow', 'grayscale', 'hue-rotate', 'invert', 'opacity',
  'saturate', 'sepia', 'rect', 'inset', 'circle', 'ellipse', 'polygon', 'counter', 'counters',
  // selector pseudo-classes
  'not', 'is', 'where', 'has', 'any', 'matches', 'nth-child', 'nth-last-child', 'nth-of-type',
  'nth-last-of-type', 'lang', 'dir',
]);

/**
 * IE `behavior`, Firefox `-moz-binding`, Opera `-o-link`: each could run or load code. `position`:
 * an absolute, fixed or sticky box sits over the rest of the message (a fake text over the real
 * one, a fake sign-in form); Gmail and Outlook drop it too, and without it top/left do nothing.
 */
const DENIED_PROPERTIES = new Set(['behavior', 'binding', 'link', 'link-source', 'position']);
const PROPERTY = /^-{0,2}[a-z_][a-z0-9_-]*$/i;
const MAX_DEPTH = 16;

const unprefixed = (name: string) => name.toLowerCase().replace(/^-(?:webkit|moz|ms|o)-/, '');

/** A `style` attribute: the declarations that pass, joined with `;` ('' when none does). */
export function sanitizeStyleAttribute(css: string, image: CssImagePolicy): string {
  return declarations(buildCssTree(tokenizeCss(css)), image).join(';');
}

/**
 * A `<style>` element: qualified rules with filtered declarations, inside `@media`, `@supports`
 * and `@keyframes`. `@import`, `@font-face` (remote fonts) and every other at-rule are dropped.
 * The result never contains `<`, so it cannot close the `<style>` element it goes back into.
 */
export function sanitizeStylesheet(css: string, image: CssImagePolicy): string {
  return rules(buildCssTree(tokenizeCss(css)), image, 0).join('');
}

/**
 * One pass over the nodes, each looked at once: a prelude's at-keyword is remembered as it is
 * pushed, never searched for again, which made `a;` repeated cost the square of its length.
 */
function rules(nodes: CssNode[], image: CssImagePolicy, depth: number): string[] {
  const out: string[] = [];
  let prelude: CssNode[] = [];
  let atRule = false;
  for (const node of nodes) {
    if (node.k === 'block' && node.open === '{' && !node.fn) {
      const rule = depth < MAX_DEPTH ? ruleOf(trimWs(prelude), node.children, image, depth) : null;
      if (rule) out.push(rule);
      prelude = [];
      atRule = false;
    } else if (isDelim(node, ';') && atRule) {
      prelude = []; // statement at-rules: @import, @charset, @namespace
      atRule = false;
    } else {
      prelude.push(node);
      atRule ||= node.k === 'tok' && node.tok.t === 'at';
    }
  }
  return out;
}

function ruleOf(prelude: CssNode[], body: CssNode[], image: CssImagePolicy, depth: number): string | null {
  const first = prelude[0];
  if (first?.k === 'tok' && first.tok.t === 'at') {
    const name = unprefixed(first.tok.v);
    if (name !== 'media' && name !== 'supports' && name !== 'keyframes') return null;
    const condition = value(trimWs(prelude.slice(1)), noUrls, 0);
    const inner = rules(body, image, depth + 1);
    return condition === null || !inner.length ? null : `@${first.tok.v} ${condition}{${inner.join('')}}`;
  }
  if (!prelude.length || prelude.some((n) => isDelim(n, ';'))) return null;
  const selector = value(prelude, noUrls, 0);
  const decls = declarations(body, image);
  return selector === null || !decls.length ? null : `${selector}{${decls.join(';')}}`;
}

function declarations(nodes: CssNode[], image: CssImagePolicy): string[] {
  const out: string[] = [];
  let current: CssNode[] = [];
  for (const node of [...nodes, { k: 'tok', tok: { t: 'delim', v: ';' } } as CssNode]) {
    if (!isDelim(node, ';')) {
      current.push(node);
      continue;
    }
    const decl = declaration(trimWs(current), image);
    if (decl) out.push(decl);
    current = [];
  }
  return out;
}

function declaration(nodes: CssNode[], image: CssImagePolicy): string | null {
  const [name, ...rest] = nodes;
  if (name?.k !== 'tok' || name.tok.t !== 'word' || !PROPERTY.test(name.tok.v)) return null;
  const afterName = trimWs(rest);
  if (!afterName[0] || !isDelim(afterName[0], ':')) return null;
  const valueNodes = trimWs(afterName.slice(1));
  const prop = name.tok.v;
  if (!valueNodes.length || DENIED_PROPERTIES.has(unprefixed(prop))) return null;
  const v = value(valueNodes, image, 0);
  return v === null ? null : `${prop}:${v}`;
}

/** Serialises checked component values; null when any part is not allowed. */
function value(nodes: CssNode[], image: CssImagePolicy, depth: number): string | null {
  if (depth > MAX_DEPTH) return null;
  let out = '';
  for (const node of nodes) {
    const part = node.k === 'block' ? block(node, image, depth) : token(node, image);
    if (part === null) return null;
    out += part;
  }
  return out;
}

function token(node: CssNode & { k: 'tok' }, image: CssImagePolicy): string | null {
  const tok = node.tok;
  switch (tok.t) {
    case 'ws':
      return ' ';
    case 'word':
    case 'delim':
      return tok.v;
    case 'hash':
      return `#${tok.v}`;
    case 'str':
      return tok.raw;
    case 'url':
      return urlOf(tok.v, image);
    default:
      return null; // at-keywords and bad tokens inside values
  }
}

function block(node: CssNode & { k: 'block' }, image: CssImagePolicy, depth: number): string | null {
  if (node.fn === undefined) {
    if (node.open === '{') return null;
    const inner = value(node.children, image, depth + 1);
    return inner === null ? null : `${node.open}${inner}${node.open === '(' ? ')' : ']'}`;
  }
  if (node.fn.toLowerCase() === 'url') {
    const [arg, ...extra] = trimWs(node.children);
    if (extra.length || arg?.k !== 'tok' || arg.tok.t !== 'str' || arg.tok.raw.includes('\\')) return null;
    return urlOf(arg.tok.raw.slice(1, -1), image);
  }
  if (!FUNCTIONS.has(unprefixed(node.fn))) return null;
  const inner = value(node.children, image, depth + 1);
  return inner === null ? null : `${node.fn}(${inner})`;
}

function urlOf(raw: string, image: CssImagePolicy): string | null {
  const url = image(raw);
  return url === null ? null : `url("${cssString(url)}")`;
}

function cssString(s: string): string {
  return s.replace(/[\\"<\n]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `);
}

const noUrls: CssImagePolicy = () => null;

function trimWs(nodes: CssNode[]): CssNode[] {
  let start = 0;
  let end = nodes.length;
  while (start < end && isWs(nodes[start]!)) start++;
  while (end > start && isWs(nodes[end - 1]!)) end--;
  return nodes.slice(start, end);
}

const isWs = (n: CssNode) => n.k === 'tok' && n.tok.t === 'ws';
const isDelim = (n: CssNode, v: string) => n.k === 'tok' && n.tok.t === 'delim' && n.tok.v === v;

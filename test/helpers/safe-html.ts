import assert from 'node:assert/strict';
import { DomUtils, parseDocument } from 'htmlparser2';

/**
 * What sanitised mail must be, checked on the output alone and without the sanitiser's own code
 * (test/retrieval/sanitize.test.ts and the property suite share it).
 */
export const PARTS = 'https://archive.example/api/messages/m1/parts/';
export const cidUrl = (id: string) => (id.endsWith('@example.com') ? PARTS + encodeURIComponent(id) : null);

const FORBIDDEN_ELEMENTS = new Set([
  'script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'form', 'input', 'button',
  'textarea', 'select', 'option', 'meta', 'base', 'link', 'svg', 'math', 'template', 'noscript',
  'title', 'xmp', 'noembed', 'noframes', 'plaintext', 'video', 'audio', 'source', 'bgsound',
  'isindex', 'portal', 'param',
]);
/** Attributes that take a URL somewhere in HTML, SVG or legacy browsers, and the few we allow. */
const URL_ATTRIBUTES = [
  'href', 'src', 'action', 'formaction', 'background', 'poster', 'xlink:href', 'srcset', 'srcdoc',
  'data', 'codebase', 'classid', 'archive', 'cite', 'longdesc', 'lowsrc', 'dynsrc', 'usemap',
  'ping', 'profile', 'manifest', 'content', 'http-equiv', 'code', 'data-blocked-src',
];
const ALLOWED_URL_ATTRIBUTES = new Set(['href', 'src', 'background', 'data-blocked-src']);

/** What the browser's URL parser reads the scheme from: no controls, no whitespace, any case. */
// eslint-disable-next-line no-control-regex
const schemeView = (url: string) => url.replace(/[\u0000-\u0020\u007f-\u009f]/g, '').toLowerCase();
const isDataImage = (url: string) => /^data:image\/(png|gif|jpeg|jpg|webp)[;,]/.test(schemeView(url));
const isRemote = (url: string) => /^https?:/.test(schemeView(url));

function assertSafeImageUrl(url: string, allowRemote: boolean, where: string) {
  const ok = url.startsWith(PARTS) || isDataImage(url) || (allowRemote && isRemote(url));
  assert.ok(ok, `${where}: image URL not allowed: ${url}`);
}

function assertSafeUrl(name: string, url: string, allowRemote: boolean, where: string) {
  const view = schemeView(url);
  if (name === 'href') assert.match(view, /^(https?:|mailto:|#)/, `${where}: href ${url}`);
  else if (name === 'data-blocked-src') assert.ok(isRemote(url), `${where}: data-blocked-src ${url}`);
  else assertSafeImageUrl(url, allowRemote, `${where} ${name}`);
}

/** Checks CSS for what could run or load: strings are inert except inside url(), checked first. */
function assertSafeCss(css: string, allowRemote: boolean, where: string) {
  assert.doesNotMatch(css, /</, `${where}: '<' in CSS`);
  // Left to right, as the browser's tokenizer reads it: a url("…") outside a string is checked,
  // a string (whatever it holds, `url(` included) is inert text.
  const rest = css.replace(/url\(\s*"([^"]*)"\s*\)|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/gi, (_m, url: string | undefined) => {
    if (url === undefined) return 'STR';
    assertSafeImageUrl(url, allowRemote, `${where} url()`);
    return 'URL';
  });
  assert.doesNotMatch(rest, /\\/, `${where}: CSS escape outside a string: ${css}`);
  assert.doesNotMatch(
    rest,
    /url\(|expression|javascript|vbscript|behavior|binding|@import|@font-face|image-set|image\(|src\(|(?<![\w-])position\s*:/i,
    `${where}: ${css}`,
  );
}

/**
 * Output must be in a canonical form every HTML parser tokenises the same way: text without
 * '<' or '>', lower-case tags with double-quoted values free of '"<>', and at most one leading
 * <style> whose text has no '<'. Then the tree htmlparser2 builds is the tree a browser builds.
 */
function assertCanonical(html: string) {
  const token = /<style>[^<]*<\/style>|<\/[a-z][a-z0-9]*>|<[a-z][a-z0-9]*(?: [a-z][a-z0-9-]*(?:="[^"<>]*")?)* ?\/?>|[^<>]+/y;
  let at = 0;
  while (at < html.length) {
    token.lastIndex = at;
    const m = token.exec(html);
    assert.ok(m, `not canonical at ${at}: ${JSON.stringify(html.slice(at, at + 80))}`);
    assert.ok(!m[0].startsWith('<style>') || at === 0, 'a <style> element after the start');
    at = token.lastIndex;
  }
}

export function assertSafe(html: string, allowRemote = false) {
  assertCanonical(html);
  const doc = parseDocument(html);
  for (const el of DomUtils.findAll(() => true, doc.children)) {
    const where = `<${el.name}>`;
    assert.ok(!FORBIDDEN_ELEMENTS.has(el.name), `${where} survived`);
    if (el.name === 'style') assertSafeCss(DomUtils.textContent(el), allowRemote, where);
    for (const [name, value] of Object.entries(el.attribs)) {
      assert.ok(!name.startsWith('on'), `${where} has handler ${name}`);
      if (URL_ATTRIBUTES.includes(name)) {
        assert.ok(ALLOWED_URL_ATTRIBUTES.has(name), `${where} has ${name}`);
        assertSafeUrl(name, value, allowRemote, where);
      }
      if (name === 'style') assertSafeCss(value, allowRemote, `${where} style`);
    }
    if (el.attribs.href && !el.attribs.href.startsWith('#')) {
      assert.equal(el.attribs.rel, 'noopener noreferrer', `${where} without rel`);
    }
  }
}


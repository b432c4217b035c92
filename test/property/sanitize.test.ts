// Property-based: HTML and CSS of every shape a generator can think of, safe ones and hostile ones
// mixed. The sanitiser never throws, its output is inert (the same invariants as
// test/retrieval/sanitize.test.ts, checked on the output alone), and it keeps to its time budget
// however often a fragment repeats, which is how mail is built to be slow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { breakLongLines, breakLongRuns, LINE_MAX } from '../../backend/src/retrieval/long-lines';
import { sanitizeEmailHtml } from '../../backend/src/retrieval/sanitize';
import { assertSafe, cidUrl } from '../helpers/safe-html';

const SEED = Number(process.env.PROPERTY_SEED ?? 20261204);
/** Far above what linear work takes for 200 KB, far below what quadratic work took (seconds). */
const BUDGET_MS = 2000;

const pick = <T>(xs: T[]) => fc.constantFrom(...xs);
const url = pick([
  'https://a.example/x.png', 'http://a.example/', '//evil.example/x', 'javascript:alert(1)', 'java\tscript:alert(1)', ' javascript:x',
  'data:image/png;base64,iVBORw0KGgo=', 'data:text/html,<script>x</script>', 'cid:part1@example.com', 'cid:unknown@x', 'vbscript:x',
  'mailto:a@b.example', '#top', '/relative', 'x' + ' '.repeat(300) + 'y', '&#106;avascript:x',
]);
const cssWord = pick(['red', '0', '1px', 'none', 'block', 'absolute', 'fixed', 'inherit', '!important', '\\', '\\75rl(x)', '"s"', "'q", '/*', '*/', '<!--', '-->']);
const cssValue: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { maxDepth: 4 },
    cssWord,
    url.map((u) => `url(${u})`),
    url.map((u) => `url("${u}")`),
    fc.tuple(pick(['calc', 'rgb', 'expression', 'image-set', 'var', 'u\\rl', 'attr']), tie('v')).map(([f, v]) => `${f}(${v})`),
    fc.array(tie('v'), { maxLength: 3 }).map((vs) => vs.join(' ')),
  ),
})).v;
const declaration = fc
  .tuple(pick(['color', 'background', 'background-image', 'position', 'behavior', '-moz-binding', 'width', '--x', 'top', 'POSITION']), cssValue)
  .map(([p, v]) => `${p}:${v}`);
const declarations = fc.array(declaration, { maxLength: 5 }).map((ds) => ds.join(';'));
const stylesheet = fc
  .array(
    fc.oneof(
      declarations.map((d) => `p{${d}}`),
      declarations.map((d) => `@media screen{a{${d}}}`),
      pick(['@import url(x.css);', '@font-face{src:url(x)}', 'a;', '}{;:@x ', '{{', '))', '</style><script>x</script>', '@charset "x";']),
    ),
    { maxLength: 6 },
  )
  .map((rules) => rules.join(''));
const attribute = fc.oneof(
  url.map((u) => `href="${u}"`),
  url.map((u) => `src="${u}"`),
  url.map((u) => `background=${u}`),
  declarations.map((d) => `style="${d.replace(/"/g, '&quot;')}"`),
  pick(['onerror=alert(1)', 'onclick="x()"', 'target=_self', 'data-blocked-src=x', 'class=a', 'srcset="x 1x"', 'formaction=x']),
);
const tag = pick(['p', 'div', 'a', 'img', 'table', 'td', 'span', 'b', 'script', 'iframe', 'svg', 'math', 'form', 'input', 'body', 'base', 'meta', 'object', 'textarea', 'noscript', 'template', 'xmp']);
const text = fc.oneof(fc.string({ maxLength: 20 }), pick(['&lt;script&gt;', '&amp;', '<', '>', '"', '<!--', '-->', '<![CDATA[x]]>', '</', '漢字', '\u0000']));
const html: fc.Arbitrary<string> = fc.letrec<{ h: string }>((tie) => ({
  h: fc.oneof(
    { maxDepth: 5 },
    text,
    stylesheet.map((css) => `<style>${css}</style>`),
    fc.tuple(tag, fc.array(attribute, { maxLength: 3 }), tie('h')).map(([t, attrs, inner]) => `<${t} ${attrs.join(' ')}>${inner}</${t}>`),
    fc.tuple(tag, fc.array(attribute, { maxLength: 3 })).map(([t, attrs]) => `<${t} ${attrs.join(' ')}>`),
    fc.array(tie('h'), { maxLength: 4 }).map((hs) => hs.join('')),
  ),
})).h;

test('any HTML and CSS sanitises without throwing into inert output', () => {
  fc.assert(
    fc.property(html, fc.boolean(), (input, allowRemote) => {
      const { html: out } = sanitizeEmailHtml(input, { cidUrl, allowRemote });
      assertSafe(out, allowRemote);
    }),
    { seed: SEED, numRuns: 400 },
  );
});

test('any fragment repeated to 200 KB sanitises within the budget: nothing grows with the square of the input', () => {
  fc.assert(
    fc.property(html.filter((h) => h.length > 0), (fragment) => {
      const input = fragment.repeat(Math.ceil(200_000 / fragment.length));
      const started = performance.now();
      const { html: out } = sanitizeEmailHtml(input, { cidUrl });
      const ms = performance.now() - started;
      assert.ok(ms < BUDGET_MS, `${Math.round(ms)} ms for ${JSON.stringify(fragment.slice(0, 80))} repeated`);
      assertSafe(out);
    }),
    { seed: SEED, numRuns: 30 },
  );
});

test('any stylesheet, declaration list or URL repeated to 200 KB inside one element or attribute stays within the budget', () => {
  const inside = fc.oneof(
    stylesheet.filter((c) => c.length > 0).map((c) => (n: number) => `<style>${c.repeat(n)}</style>`),
    declarations.filter((d) => d.length > 0).map((d) => (n: number) => `<p style="${`${d};`.repeat(n).replace(/"/g, '&quot;')}">x</p>`),
    url.map((u) => (n: number) => `<a href="${u.repeat(n)}">x</a><img src="${u.repeat(n)}">`),
  );
  fc.assert(
    fc.property(inside, (build) => {
      const n = Math.ceil(200_000 / build(1).length);
      const started = performance.now();
      const { html: out } = sanitizeEmailHtml(build(n), { cidUrl });
      const ms = performance.now() - started;
      assert.ok(ms < BUDGET_MS, `${Math.round(ms)} ms for ${JSON.stringify(build(1).slice(0, 80))} repeated`);
      assertSafe(out);
    }),
    { seed: SEED, numRuns: 40 },
  );
});

test('long runs of any text are broken into lines in one pass: 2 MB within the budget, every line short', () => {
  const run = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), pick(['漢字', '&amp;', ' ', 'x ', '&#128512;'])).map((s) => s.replace(/[<>]/g, ''));
  fc.assert(
    fc.property(run.filter((s) => s.length > 0), (fragment) => {
      const text = fragment.repeat(Math.ceil(2_000_000 / fragment.length));
      const started = performance.now();
      const html = breakLongRuns(`<p>${text}</p>`);
      const plain = breakLongLines(text);
      const ms = performance.now() - started;
      assert.ok(ms < BUDGET_MS, `${Math.round(ms)} ms for ${JSON.stringify(fragment)} repeated`);
      assert.ok(html.split('<br>').every((line) => line.length <= LINE_MAX + 10), 'a line of HTML longer than the limit');
      assert.ok(plain.split('\n').every((line) => line.length <= LINE_MAX), 'a line of text longer than the limit');
      assert.equal(html.replace(/<br>/g, ''), `<p>${text}</p>`, 'nothing but line breaks added');
    }),
    { seed: SEED, numRuns: 25 },
  );
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { DomUtils, parseDocument } from 'htmlparser2';
import { sanitizeEmailHtml, type SanitizeOptions } from '../../backend/src/retrieval/sanitize';
import { EMAIL_VIEW_CSP, emailViewCsp } from '../../backend/src/retrieval/view-csp';
import { XSS_VECTORS } from '../fixtures/xss/vectors';
import { corpusFiles, requireCorpus } from '../helpers/corpus';
import { PARTS, assertSafe, cidUrl } from '../helpers/safe-html';

const sanitize = (html: string, opts: Partial<SanitizeOptions> = {}) => sanitizeEmailHtml(html, { cidUrl, ...opts });

const elements = (html: string, name: string) =>
  DomUtils.findAll((el) => el.name === name, parseDocument(html).children);

// ---------------------------------------------------------------------------------------------

describe('known XSS payloads in HTML mail', () => {
  test(`the collection has at least 40 distinct vectors (${XSS_VECTORS.length})`, () => {
    assert.ok(XSS_VECTORS.length >= 40);
    assert.equal(new Set(XSS_VECTORS.map((v) => v.html)).size, XSS_VECTORS.length);
    assert.equal(new Set(XSS_VECTORS.map((v) => v.name)).size, XSS_VECTORS.length);
  });

  for (const vector of XSS_VECTORS) {
    test(`defeats ${vector.name}`, () => {
      assertSafe(sanitize(vector.html).html);
      // Showing remote content is about images only: nothing executable comes back with it.
      assertSafe(sanitize(vector.html, { allowRemote: true }).html, true);
    });
  }

  test('also when the vectors are mixed into one another at random', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let round = 0; round < 300; round++) {
      let html = '';
      for (let k = 0; k < 4; k++) {
        const v = XSS_VECTORS[next() % XSS_VECTORS.length]!.html;
        const cut = next() % (v.length + 1);
        html += k % 2 ? v.slice(cut) : v.slice(0, cut) + v;
      }
      assertSafe(sanitize(html).html);
    }
  });

  test('links with dangerous schemes lose the href and keep their text', () => {
    const { html } = sanitize('<a href="jav&#x09;ascript:alert(1)">click</a>');
    assert.equal(html, '<a>click</a>');
  });

  test('event handlers are removed and the element kept', () => {
    const { html } = sanitize('<p onclick="alert(1)" onmouseover=alert(2) class="x">hi</p>');
    assert.equal(html, '<p class="x">hi</p>');
  });

  test('comment tricks leave escaped text, never markup', () => {
    const { html } = sanitize('<!-- --!><img src=x onerror=alert(1)> -->after');
    assert.equal(elements(html, 'img').every((img) => Object.keys(img.attribs).length === 0), true);
    assert.match(html, /after/);
  });
});

describe('what HTML mail keeps', () => {
  const NEWSLETTER = `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>Spring news</title>
<style type="text/css"><!--
  body { margin:0; padding:0; }
  .wrapper { width:100% !important; background-color:#f4f4f4; }
  @media only screen and (max-width: 600px) { .container { width:100% !important; } td.col { display:block !important; } }
  a:hover { text-decoration: underline; }
--></style></head>
<body bgcolor="#f4f4f4" style="margin:0;padding:0;-webkit-text-size-adjust:100%">
<table class="wrapper" width="100%" border="0" cellpadding="0" cellspacing="0" bgcolor="#f4f4f4"><tr><td align="center" valign="top">
 <table class="container" width="600" cellpadding="10" cellspacing="0" style="border-collapse:collapse;font-family:'Segoe UI',Helvetica,Arial,sans-serif;">
  <tr><td colspan="2" bgcolor="#0078d4" style="color:#ffffff;font-size:24px;padding:20px 30px;"><img src="cid:logo@example.com" width="120" height="40" alt="Contoso" style="display:block;border:0"></td></tr>
  <tr><td class="col" width="50%" valign="top" style="padding:10px 30px;line-height:1.5;color:#333333"><h1 style="margin:0 0 10px;font-size:20px">Hello</h1><p>Read <a href="https://contoso.example/news?id=1&amp;utm=mail" style="color:#0078d4">the article</a>.</p></td>
      <td class="col" width="50%" align="right"><font face="Arial" size="2" color="#666666">Side note</font></td></tr>
  <tr><td colspan="2" style="font-size:11px;color:#999"><a href="mailto:news@contoso.example?subject=unsubscribe">Unsubscribe</a><img src="https://t.contoso.example/open.gif?u=42" width="1" height="1" alt=""></td></tr>
 </table>
</td></tr></table></body></html>`;

  test('a newsletter keeps its tables, presentational attributes, inline styles and <style>', () => {
    const { html, blockedRemote } = sanitize(NEWSLETTER);
    assertSafe(html);
    assert.equal(elements(html, 'table').length, 2);
    assert.equal(elements(html, 'tr').length, 4);
    const [header, left, right] = elements(html, 'td').slice(1);
    assert.deepEqual(header?.attribs, {
      colspan: '2',
      bgcolor: '#0078d4',
      style: 'color:#ffffff;font-size:24px;padding:20px 30px',
    });
    assert.equal(left?.attribs.class, 'col');
    assert.equal(left?.attribs.width, '50%');
    assert.equal(right?.attribs.align, 'right');
    const container = elements(html, 'table')[1]!;
    assert.equal(container.attribs.style, "border-collapse:collapse;font-family:'Segoe UI',Helvetica,Arial,sans-serif");
    assert.deepEqual(elements(html, 'font')[0]?.attribs, { face: 'Arial', size: '2', color: '#666666' });
    assert.equal(elements(html, 'h1')[0]?.attribs.style, 'margin:0 0 10px;font-size:20px');
    const style = DomUtils.textContent(elements(html, 'style')[0]!);
    assert.match(style, /@media only screen and \(max-width: 600px\)\{\.container\{width:100% !important\}/);
    assert.match(style, /a:hover\{text-decoration:underline\}/);
    assert.doesNotMatch(html, /Spring news/, 'the title is not body text');
    assert.match(html, /^<style>/);
    assert.equal(elements(html, 'div')[0]?.attribs.style, 'background-color:#f4f4f4;margin:0;padding:0;-webkit-text-size-adjust:100%');
    assert.equal(blockedRemote, 1, 'the tracking pixel');
  });

  test('cid: images point at the message part, unknown ones lose their source', () => {
    const { html } = sanitize(
      '<img src="cid:logo@example.com"><img src="CID:part%2042@example.com"><img src="cid:missing@elsewhere">' +
        '<td background="cid:bg@example.com"><div style="background:url(cid:bg@example.com)">',
    );
    const [logo, encoded, missing] = elements(html, 'img');
    assert.equal(logo?.attribs.src, `${PARTS}logo%40example.com`);
    assert.equal(encoded?.attribs.src, `${PARTS}part%2042%40example.com`);
    assert.deepEqual(missing?.attribs, {});
    assert.equal(elements(html, 'div')[0]?.attribs.style, `background:url("${PARTS}bg%40example.com")`);
  });

  test('inline data: images stay, other data: types go', () => {
    const png = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    const { html } = sanitize(`<img src="${png}"><img src="data:image/svg+xml,<svg/>"><img src="data:text/html,x">`);
    assert.deepEqual(elements(html, 'img').map((img) => img.attribs.src), [png, undefined, undefined]);
  });

  test('remote images and CSS are blocked by default, counted and kept aside for "show remote content"', () => {
    const mail =
      '<img src="https://cdn.example/a.png"><img src="http://cdn.example/b.png" data-blocked-src="javascript:alert(1)">' +
      '<img src="//cdn.example/c.png"><table background="https://cdn.example/bg.png"><tr><td>x</td></tr></table>' +
      '<div style="color:red;background-image:url(https://cdn.example/d.png)">y</div>' +
      '<style>p{background:url("https://cdn.example/e.png");color:blue}</style>';
    const blocked = sanitize(mail);
    assertSafe(blocked.html);
    assert.equal(blocked.blockedRemote, 6);
    assert.deepEqual(
      elements(blocked.html, 'img').map((img) => img.attribs),
      [
        { 'data-blocked-src': 'https://cdn.example/a.png' },
        { 'data-blocked-src': 'http://cdn.example/b.png' },
        { 'data-blocked-src': 'https://cdn.example/c.png' },
      ],
    );
    assert.deepEqual(elements(blocked.html, 'table')[0]?.attribs, {});
    assert.equal(elements(blocked.html, 'div')[0]?.attribs.style, 'color:red');
    assert.match(blocked.html, /^<style>p\{color:blue\}<\/style>/);

    const shown = sanitize(mail, { allowRemote: true });
    assertSafe(shown.html, true);
    assert.equal(shown.blockedRemote, 0);
    assert.deepEqual(
      elements(shown.html, 'img').map((img) => img.attribs.src),
      ['https://cdn.example/a.png', 'http://cdn.example/b.png', 'https://cdn.example/c.png'],
    );
    assert.match(shown.html, /url\("https:\/\/cdn.example\/e.png"\)/);
  });

  test('links open outside the view with noopener; only http(s), mailto and fragments keep an href', () => {
    const { html } = sanitize(
      '<a href="https://example.com/a" target="_self" rel="opener">a</a><a href="mailto:x@example.com">b</a>' +
        '<a href="#top">c</a><a href="ftp://example.com/">d</a><a href="tel:+123">e</a><a href="/relative">f</a>',
    );
    assert.deepEqual(
      elements(html, 'a').map((a) => a.attribs),
      [
        { href: 'https://example.com/a', target: '_blank', rel: 'noopener noreferrer' },
        { href: 'mailto:x@example.com', target: '_blank', rel: 'noopener noreferrer' },
        { href: '#top' },
        {},
        {},
        {},
      ],
    );
  });

  test('stylesheets lose @import, @font-face, handlers of old browsers and positioned boxes, keep the rest', () => {
    const { html } = sanitize(
      '<style>@import url(https://evil.example/x.css); @charset "utf-8";' +
        '@font-face{font-family:X;src:url(https://evil.example/x.woff)}' +
        'h1{color:red;position:fixed;behavior:url(x.htc)} h3{position:absolute;top:0;z-index:9} h2{font-family:"\\5FAE\\8F6F\\96C5\\9ED1",sans-serif}' +
        '@supports (display:grid){.g{display:grid}} @keyframes spin{from{transform:rotate(0deg)}to{transform:rotate(360deg)}}</style>',
    );
    assertSafe(html);
    const css = DomUtils.textContent(elements(html, 'style')[0]!);
    assert.equal(
      css,
      'h1{color:red}h3{top:0;z-index:9}h2{font-family:"\\5FAE\\8F6F\\96C5\\9ED1",sans-serif}@supports (display:grid){.g{display:grid}}' +
        '@keyframes spin{from{transform:rotate(0deg)}to{transform:rotate(360deg)}}',
    );
  });

  test('style elements for other media keep their media query', () => {
    const { html } = sanitize('<style media="print">p{display:none}</style><style>p{color:red}</style><p>x</p>');
    assert.match(html, /^<style>@media print\{p\{display:none\}\}\np\{color:red\}<\/style><p>x<\/p>$/);
  });

  test('plain text and entities come through escaped', () => {
    const { html } = sanitize('<p>1 &lt; 2 &amp;&amp; "quotes" &gt; 0</p>Tom &amp; Jerry');
    assert.equal(html, '<p>1 &lt; 2 &amp;&amp; "quotes" &gt; 0</p>Tom &amp; Jerry');
  });
});

describe('mail built to exhaust the parser', () => {
  const timed = (html: string) => {
    const started = performance.now();
    const result = sanitize(html);
    return { ...result, ms: performance.now() - started };
  };

  test('nesting deeper than any real mail comes back quickly as escaped text', () => {
    const { html, ms } = timed('<p><span onmouseover=alert(1)>x'.repeat(50_000) + '<img src=x onerror=alert(1)>&lt;');
    assert.ok(ms < 2000, `${ms} ms`);
    assertSafe(html);
    assert.match(html, /^<pre style="white-space:pre-wrap">x{50000}&#38;lt;<\/pre>$/);
  });

  test('end tags placed before their start tags do not hide the nesting', () => {
    const { html } = timed('</b>'.repeat(50_000) + '<b>x'.repeat(50_000));
    assert.match(html, /^<pre/);
  });

  test('nesting real mail has is sanitised as usual', () => {
    const { html } = timed('<div>'.repeat(300) + 'deep' + '</div>'.repeat(300));
    assert.equal(elements(html, 'div').length, 300);
  });

  test('a stylesheet of 160 KB of empty statements (a;) is sanitised quickly and keeps the rules around it', () => {
    const { html, ms } = timed(`<style>p{color:red}${'a;'.repeat(80_000)}b{color:blue}</style><p>x</p>`);
    assert.ok(ms < 2000, `${ms} ms`);
    assertSafe(html);
    assert.match(html, /^<style>p\{color:red\}/);
  });

  test('URLs with long runs of spaces inside are judged quickly, in links and in CSS', () => {
    const spaces = ' '.repeat(100_000);
    const { html, ms } = timed(`<a href="https://a.example/${spaces}x">a</a><p style="background:url(x${spaces}y)">b</p>`);
    assert.ok(ms < 2000, `${ms} ms`);
    assertSafe(html);
  });

  test('past 100 style elements styles are dropped with their content, quickly', () => {
    const { html, ms } = timed('<style>p{color:red}</style><p>x</p>'.repeat(40_000));
    assert.ok(ms < 2000, `${ms} ms`);
    assertSafe(html);
    assert.equal(elements(html, 'style').length, 0);
    assert.equal(elements(html, 'p').length, 40_000);
  });
});

describe('the Content-Security-Policy of the message view', () => {
  test('allows no script, no remote loads, inline styles and images from data: and the archive', () => {
    const directives = new Map(EMAIL_VIEW_CSP.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values];
    }));
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('img-src'), ['data:', "'self'"]);
    assert.deepEqual(directives.get('style-src'), ["'unsafe-inline'"]);
    assert.equal(directives.has('script-src'), false);
    assert.doesNotMatch(EMAIL_VIEW_CSP, /allow-scripts|allow-same-origin|unsafe-eval/);
  });

  test('names the archive origin and remote images when asked to', () => {
    const csp = emailViewCsp({ imageOrigin: 'https://archive.example', allowRemote: true });
    assert.match(csp, /img-src data: https:\/\/archive\.example https: http:;/);
  });
});

describe('real mail from the shared corpus', () => {
  test('every HTML part sanitises without throwing and meets the invariants', async (t) => {
    if (!requireCorpus(t)) return;
    const files = corpusFiles().filter((f) => statSync(f).size < 5_000_000 && /text\/html/i.test(readFileSync(f, 'latin1')));
    let checked = 0;
    for (const file of files) {
      const mail = await simpleParser(readFileSync(file), { keepCidLinks: true });
      if (typeof mail.html !== 'string') continue;
      const cids = new Set(mail.attachments.map((a) => a.contentId?.replace(/^<|>$/g, '')));
      const result = sanitizeEmailHtml(mail.html, { cidUrl: (id) => (cids.has(id) ? PARTS + encodeURIComponent(id) : null) });
      try {
        assertSafe(result.html);
      } catch (err) {
        assert.fail(`${file}: ${(err as Error).message}`);
      }
      checked++;
    }
    t.diagnostic(`${checked} HTML parts from ${files.length} files`);
    assert.ok(checked >= 300, `only ${checked} HTML parts`);
  });
});

/**
 * HTML → plain text for the search index, in one linear pass: untrusted markup must not be able
 * to make it slow (no backtracking regular expressions over the document) and nothing is
 * interpreted, only tags dropped, blocks turned into line breaks and entities decoded.
 */

const SKIPPED = new Set(['script', 'style', 'noscript', 'template', 'svg', 'object']);
const BLOCKS = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure', 'footer',
  'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'table',
  'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul',
]);
const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®', trade: '™', hellip: '…',
  mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', bull: '•', middot: '·', euro: '€',
  pound: '£', yen: '¥', cent: '¢', sect: '§', deg: '°', laquo: '«', raquo: '»', shy: '',
  auml: 'ä', ouml: 'ö', uuml: 'ü', Auml: 'Ä', Ouml: 'Ö', Uuml: 'Ü', szlig: 'ß', eacute: 'é', egrave: 'è', agrave: 'à',
  aacute: 'á', ccedil: 'ç', ntilde: 'ñ', oacute: 'ó', iacute: 'í', uacute: 'ú', ecirc: 'ê', acirc: 'â', ocirc: 'ô',
};
// attributes are only looked at in the first part of a tag, so a huge tag costs no more than a small one
const MAX_TAG_SCAN = 4096;
const TAG_NAME = /^\/?([a-zA-Z][a-zA-Z0-9:-]*)/;

export function htmlToText(html: string, maxChars = Number.POSITIVE_INFINITY): string {
  const out: string[] = [];
  let length = 0;
  const emit = (s: string) => {
    out.push(s);
    length += s.length;
  };
  const unclosed = new Set<string>();
  let i = 0;
  while (i < html.length && length < maxChars) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      emit(textOf(html.slice(i)));
      break;
    }
    if (lt > i) emit(textOf(html.slice(i, lt)));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    if (html[lt + 1] === '!' || html[lt + 1] === '?') {
      const end = html.indexOf('>', lt + 2);
      i = end < 0 ? html.length : end + 1;
      continue;
    }
    const name = TAG_NAME.exec(html.slice(lt + 1, lt + 40))?.[1]?.toLowerCase();
    if (!name) {
      emit('<');
      i = lt + 1;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt < 0) break;
    i = gt + 1;
    const closing = html[lt + 1] === '/';
    if (!closing && SKIPPED.has(name) && !unclosed.has(name)) {
      const end = skipElement(html, name, i);
      // Not closed anywhere after here, so never look for it again (keeps the pass linear).
      if (end === i) unclosed.add(name);
      i = end;
    } else if (BLOCKS.has(name)) {
      emit('\n');
    } else if (name === 'img') {
      const alt = /\balt\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(html.slice(lt, Math.min(gt, lt + MAX_TAG_SCAN)));
      if (alt) emit(` ${decodeEntities(alt[1] ?? alt[2] ?? '')} `);
    }
  }
  return tidy(out.join('')).slice(0, maxChars);
}

/** Position after the closing tag of a skipped element; an unclosed one skips nothing, so no text is lost. */
function skipElement(html: string, name: string, from: number): number {
  const close = new RegExp(`</${name}\\s*>`, 'gi');
  close.lastIndex = from;
  const match = close.exec(html);
  return match ? match.index + match[0].length : from;
}

/** Source line breaks are just spaces in HTML; only block elements break lines. */
function textOf(source: string): string {
  return decodeEntities(source.replace(/\s+/g, ' '));
}

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g, (whole, ref: string) => {
    if (ref[0] !== '#') return NAMED[ref] ?? NAMED[ref.toLowerCase()] ?? whole;
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '';
  });
}

function tidy(text: string): string {
  return text
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * What survives sanitising: the HTML of layout-heavy mail (tables, legacy presentational
 * attributes, inline styles) and nothing that runs, loads, submits or navigates by itself.
 * Anything not listed is dropped; a dropped element keeps its content unless listed in
 * DROPPED_WITH_CONTENT.
 */
export const ALLOWED_TAGS = [
  'a', 'abbr', 'acronym', 'address', 'article', 'aside', 'b', 'bdi', 'bdo', 'big', 'blockquote',
  'br', 'caption', 'center', 'cite', 'code', 'col', 'colgroup', 'dd', 'del', 'details', 'dfn',
  'div', 'dl', 'dt', 'em', 'figcaption', 'figure', 'font', 'footer', 'h1', 'h2', 'h3', 'h4', 'h5',
  'h6', 'header', 'hgroup', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'main', 'mark', 'nav', 'ol', 'p',
  'pre', 'q', 'rp', 'rt', 'ruby', 's', 'samp', 'section', 'small', 'span', 'strike', 'strong',
  // Never emitted as is: its text is collected, sanitised and re-emitted (see sanitize.ts).
  'style',
  'sub', 'summary', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'time', 'tr', 'tt', 'u',
  'ul', 'var', 'wbr',
];

/**
 * Elements whose content is not mail text: scripts, raw-text elements a browser would parse
 * differently from htmlparser2 (iframe, noembed, noframes, xmp, title, textarea), plug-ins and
 * their fallback, form controls, and foreign content (svg, math) with its own parsing rules.
 * Void elements (embed, input, meta, link, base, frame, ...) have no content and are simply dropped.
 */
export const DROPPED_WITH_CONTENT = [
  'script', 'style', 'textarea', 'option', 'select', 'datalist', 'button', 'xmp', 'title', 'iframe',
  'noembed', 'noframes', 'object', 'applet', 'frameset', 'template', 'svg', 'math',
];

const TABLE_CELL = ['colspan', 'rowspan', 'nowrap', 'scope', 'headers', 'abbr', 'background', 'bordercolor'];

/** URL-bearing attributes appear only where sanitize.ts rewrites them (href, src, background). */
export const ALLOWED_ATTRIBUTES: Record<string, string[]> = {
  '*': ['align', 'valign', 'bgcolor', 'border', 'class', 'dir', 'height', 'id', 'lang', 'role', 'style', 'title', 'width'],
  a: ['href', 'name', 'target', 'rel'],
  img: ['src', 'alt', 'hspace', 'vspace', 'data-blocked-src'],
  font: ['color', 'face', 'size'],
  table: ['cellpadding', 'cellspacing', 'summary', 'frame', 'rules', 'background', 'bordercolor'],
  tr: ['background', 'bordercolor'],
  td: TABLE_CELL,
  th: TABLE_CELL,
  col: ['span'],
  colgroup: ['span'],
  ol: ['start', 'type', 'reversed'],
  ul: ['type'],
  li: ['type', 'value'],
  hr: ['size', 'noshade', 'color'],
  br: ['clear'],
  time: ['datetime'],
  del: ['datetime'],
  ins: ['datetime'],
  details: ['open'],
  style: ['media'],
};

/** Second line of defence behind the rewriting in sanitize.ts, checked again by sanitize-html. */
export const ALLOWED_SCHEMES = ['http', 'https', 'data'];
export const ALLOWED_SCHEMES_BY_TAG = { a: ['http', 'https', 'mailto'] };

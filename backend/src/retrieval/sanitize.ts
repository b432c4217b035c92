import sanitizeHtml from 'sanitize-html';
import type { Attributes, IFrame, IOptions } from 'sanitize-html';
import { sanitizeStyleAttribute, sanitizeStylesheet } from './sanitize-css';
import {
  ALLOWED_ATTRIBUTES,
  ALLOWED_SCHEMES,
  ALLOWED_SCHEMES_BY_TAG,
  ALLOWED_TAGS,
  DROPPED_WITH_CONTENT,
} from './sanitize-policy';
import { MAX_NESTING, MAX_STYLE_ELEMENTS, markupAsText, markupShape } from './sanitize-guard';
import { classifyUrl } from './sanitize-url';

export interface SanitizeOptions {
  /** URL that serves the part with this Content-ID from the same message; null when there is none. */
  cidUrl: (contentId: string) => string | null;
  /** Load remote (http/https) images and CSS backgrounds: the user chose "show remote content". */
  allowRemote?: boolean;
}

export interface SanitizedHtml {
  /** A fragment for the body of the message document; starts with one <style> when the mail had any. */
  html: string;
  /** Remote images and CSS backgrounds left out; the UI offers "show remote content" when > 0. */
  blockedRemote: number;
}

type ImageUrl = { url: string } | { blocked: string } | null;

/**
 * HTML of an archived mail made safe to show: no scripts, handlers, plug-ins, forms, frames,
 * meta refresh or base; links only to http(s)/mailto and opening outside the view; images only
 * from the message itself (cid:) or inline data, remote ones (tracking pixels included) blocked
 * unless `allowRemote`; CSS filtered so it can neither run nor load anything.
 *
 * Safe on its own, and meant to be served with EMAIL_VIEW_CSP (view-csp.ts) inside a sandboxed iframe as well.
 * htmlparser2 reads the mail and sanitize-html writes it out again with every text and attribute
 * escaped, so the browser parses exactly the elements we checked.
 */
export function sanitizeEmailHtml(html: string, opts: SanitizeOptions): SanitizedHtml {
  const shape = markupShape(html);
  if (shape.depth > MAX_NESTING) return { html: markupAsText(html), blockedRemote: 0 };
  let blockedRemote = 0;
  const image = (raw: string): ImageUrl => {
    const result = resolveImage(raw, opts);
    if (result && 'blocked' in result) blockedRemote++;
    return result;
  };
  const stylesheets: string[] = [];
  const body = sanitizeHtml(html, htmlOptions(shape.styles <= MAX_STYLE_ELEMENTS, image, stylesheets));
  // Style elements apply to the whole document wherever they stand, so gathering them keeps their effect.
  const style = stylesheets.length ? `<style>${stylesheets.join('\n')}</style>` : '';
  return { html: style + body, blockedRemote };
}

function htmlOptions(keepStyles: boolean, image: (raw: string) => ImageUrl, stylesheets: string[]): IOptions {
  const cssImage = (raw: string) => {
    const result = image(raw);
    return result && 'url' in result ? result.url : null;
  };
  return {
    // Past the limit <style> is not allowed, and so dropped with its content like <script>.
    allowedTags: keepStyles ? ALLOWED_TAGS : ALLOWED_TAGS.filter((t) => t !== 'style'),
    // `style` is allowed only so that exclusiveFilter sees its text; the element itself never stays.
    allowVulnerableTags: true,
    allowedAttributes: ALLOWED_ATTRIBUTES,
    allowedSchemes: ALLOWED_SCHEMES,
    allowedSchemesByTag: ALLOWED_SCHEMES_BY_TAG,
    allowProtocolRelative: false,
    nonTextTags: DROPPED_WITH_CONTENT,
    disallowedTagsMode: 'discard',
    parseStyleAttributes: false,
    transformTags: {
      '*': (tagName, attribs) => ({
        tagName: tagName === 'body' ? 'div' : tagName,
        attribs: rewriteAttributes(tagName, attribs, image, cssImage),
      }),
    },
    exclusiveFilter: (frame: IFrame) => {
      if (frame.tag !== 'style') return false;
      // Merged into one element, <style media=print> must stay print-only; the result is filtered as a whole.
      const media = frame.attribs.media;
      const css = sanitizeStylesheet(media ? `@media ${media}{${frame.text}}` : frame.text, cssImage);
      if (css) stylesheets.push(css);
      return true;
    },
  };
}

function resolveImage(raw: string, opts: SanitizeOptions): ImageUrl {
  const url = classifyUrl(raw);
  switch (url.kind) {
    case 'cid': {
      const mapped = opts.cidUrl(url.contentId);
      return mapped === null ? null : { url: mapped };
    }
    case 'data-image':
      return { url: url.url };
    case 'remote':
      return opts.allowRemote ? { url: url.url } : { blocked: url.url };
    default:
      return null;
  }
}

function rewriteAttributes(
  tagName: string,
  attribs: Attributes,
  image: (raw: string) => ImageUrl,
  cssImage: (raw: string) => string | null,
): Attributes {
  const out: Attributes = {};
  const source = tagName === 'body' ? bodyColoursAsStyle(attribs) : attribs;
  for (const [name, value] of Object.entries(source)) {
    if (name === 'style') setIf(out, 'style', sanitizeStyleAttribute(value, cssImage));
    else if (name === 'href') Object.assign(out, link(value));
    else if (name === 'src' && tagName === 'img') Object.assign(out, imageSource(image(value)));
    else if (name === 'background') setIf(out, name, cssImage(value));
    // Ours to set: a mail must not pick where links open or smuggle a URL for "show remote content".
    else if (name !== 'target' && name !== 'rel' && name !== 'data-blocked-src') out[name] = value;
  }
  return out;
}

function link(href: string): Attributes {
  const url = classifyUrl(href);
  if (url.kind === 'fragment') return { href: url.url };
  if (url.kind !== 'remote' && url.kind !== 'mailto') return {};
  return { href: url.url, target: '_blank', rel: 'noopener noreferrer' };
}

function imageSource(resolved: ImageUrl): Attributes {
  if (!resolved) return {};
  return 'url' in resolved ? { src: resolved.url } : { 'data-blocked-src': resolved.blocked };
}

/** <body> becomes a <div>, where bgcolor and text mean nothing: keep the colours as CSS. */
function bodyColoursAsStyle({ bgcolor, text, ...rest }: Attributes): Attributes {
  const style = [bgcolor && `background-color:${bgcolor}`, text && `color:${text}`, rest.style].filter(Boolean);
  return style.length ? { ...rest, style: style.join(';') } : rest;
}

function setIf(attribs: Attributes, name: string, value: string | null): void {
  if (value) attribs[name] = value;
}

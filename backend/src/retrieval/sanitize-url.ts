import { trimRun } from './sanitize-css-tokens';

/** What a URL in archived mail is, decided the way a browser would read it. */
export type UrlKind =
  | { kind: 'remote'; url: string }
  | { kind: 'mailto'; url: string }
  | { kind: 'fragment'; url: string }
  | { kind: 'cid'; contentId: string }
  | { kind: 'data-image'; url: string }
  | { kind: 'other' };

const DATA_IMAGE = /^data:image\/(?:png|gif|jpeg|jpg|webp)[;,]/i;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/**
 * The WHATWG URL parser trims C0 controls and spaces and drops every tab and newline, so
 * `java\tscript:` is `javascript:`. Doing the same before looking at the scheme means the scheme
 * we judge is the one the browser uses; anything that is not a clean scheme (control characters
 * inside it, say) falls through to `other` and is dropped.
 */
export function normalizeUrl(raw: string): string {
  return trimRun(raw, (c) => c <= '\u0020').replace(/[\t\n\r]/g, '');
}

export function classifyUrl(raw: string): UrlKind {
  const url = normalizeUrl(raw);
  if (url.startsWith('#')) return { kind: 'fragment', url };
  // `//host/x` and `\\host/x` are remote too; pin them to https so they cannot load from our origin.
  if (/^[/\\]{2}[^/\\]/.test(url)) return { kind: 'remote', url: `https://${url.replace(/^[/\\]+/, '')}` };
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'http':
    case 'https':
      return { kind: 'remote', url };
    case 'mailto':
      return { kind: 'mailto', url };
    case 'cid':
      return { kind: 'cid', contentId: contentIdOf(url.slice(4)) };
    case 'data':
      return DATA_IMAGE.test(url) ? { kind: 'data-image', url } : { kind: 'other' };
    default:
      // Relative URLs would resolve against the archive's own origin: nothing in a mail means that.
      return { kind: 'other' };
  }
}

/** RFC 2392: a cid URL is the Content-ID without angle brackets, %-encoded. */
function contentIdOf(rest: string): string {
  let id = rest;
  try {
    id = decodeURIComponent(rest);
  } catch {
    // Malformed %-escapes: mail clients use the raw value, so do we.
  }
  return id.replace(/^<|>$/g, '');
}

/**
 * Content-Security-Policy for the document that carries a sanitised message (the backend sends it
 * as a header; the UI shows the document in <iframe sandbox="allow-popups
 * allow-popups-to-escape-sandbox">). A second wall should the sanitiser ever miss something:
 * - default-src 'none': no script, font, media, frame, object or fetch/XHR of any kind;
 * - img-src: inline data: images and the archive's own origin, which serves cid: parts; remote
 *   images only when the user asked for them;
 * - style-src 'unsafe-inline': mail is styled by style attributes and <style>; remote CSS stays out;
 * - base-uri / form-action 'none': they do not fall back to default-src;
 * - sandbox: the same sandbox as the iframe, also when the URL is opened on its own; popups so
 *   that links (target=_blank) open normally, outside the sandbox.
 * Browsers disagree on what 'self' means in a sandboxed (opaque-origin) document, so pass the
 * archive's origin (e.g. from PUBLIC_URL) as imageOrigin when it is known.
 * Apart from sanitize.ts, which loads sanitize-html: the API process sends this header, only the
 * render worker sanitises.
 */
export function emailViewCsp(opts: { imageOrigin?: string; allowRemote?: boolean } = {}): string {
  const images = ['data:', opts.imageOrigin ?? "'self'", ...(opts.allowRemote ? ['https:', 'http:'] : [])];
  return [
    "default-src 'none'",
    `img-src ${images.join(' ')}`,
    "style-src 'unsafe-inline'",
    "base-uri 'none'",
    "form-action 'none'",
    'sandbox allow-popups allow-popups-to-escape-sandbox',
  ].join('; ');
}

export const EMAIL_VIEW_CSP = emailViewCsp();

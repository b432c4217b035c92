/**
 * Names and types for what leaves the archive as a file. Everything here comes from the mail,
 * that is from whoever sent it, so nothing is trusted: names are cut to a safe alphabet and
 * length, and a type is passed on only when no browser would run content of that type.
 */

const MAX_NAME = 120;

/** A file name without path, control or reserved characters; `fallback` when nothing is left. */
export function safeFilename(raw: string | null | undefined, fallback: string): string {
  const cleaned = (raw ?? '')
    .normalize('NFC')
    // Control characters, and bidi overrides that make "evil\u202Efdp.exe" read as "evilexe.pdf".
    // eslint-disable-next-line no-control-regex -- control characters are what is being removed
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/[\\/:*?"<>|]/g, '_')
    .replace(/\s+/g, ' ')
    .replace(/^[\s.]+|[\s.]+$/g, '');
  const name = truncate(cleaned, MAX_NAME) || fallback;
  // Windows cannot create files named like devices (CON, NUL.txt, COM1, ...): a zip would not unpack.
  return WINDOWS_DEVICE.test(name) ? `_${name}` : name;
}

const WINDOWS_DEVICE = /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i;

/** Cuts at a code point boundary and keeps the extension, if any. */
function truncate(name: string, max: number): string {
  const chars = [...name];
  if (chars.length <= max) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : '';
  return chars.slice(0, max - ext.length).join('').trimEnd() + ext;
}

/** RFC 6266: an ASCII `filename` for old clients and the exact name as RFC 5987 `filename*`. */
export function contentDisposition(filename: string, type: 'attachment' | 'inline' = 'attachment'): string {
  const ascii = filename
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]|["\\%]/gu, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * Types that a browser shows or hands to a viewer without running the sender's script. Anything
 * else (HTML, SVG, XML with its stylesheets, JavaScript, unknown or malformed types) goes out as
 * application/octet-stream, and every download is sent as an attachment besides.
 */
const PASSIVE = [
  /^image\/(png|jpeg|gif|webp|bmp|tiff|x-icon|vnd\.microsoft\.icon|avif|heic|heif)$/,
  /^audio\/[a-z0-9.+-]+$/,
  /^video\/[a-z0-9.+-]+$/,
  /^text\/(plain|csv|calendar|vcard|x-vcard|rtf)$/,
  /^message\/(rfc822|delivery-status|disposition-notification)$/,
  /^application\/(pdf|zip|gzip|x-gzip|x-7z-compressed|x-rar-compressed|rtf|msword|ms-tnef|vnd\.ms-tnef|ics|pgp-signature|pkcs7-signature|x-pkcs7-signature)$/,
  /^application\/vnd\.(ms-excel|ms-powerpoint|ms-outlook|visio|oasis\.opendocument\.[a-z.]+|openxmlformats-officedocument\.[a-z.]+)$/,
];
const RASTER_IMAGE = /^image\/(png|jpeg|gif|webp|bmp|x-icon|vnd\.microsoft\.icon|avif)$/;

export function mediaType(raw: string | null | undefined): string {
  return (raw ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The Content-Type to send for an attachment. */
export function downloadType(raw: string | null | undefined): string {
  const type = mediaType(raw);
  if (!PASSIVE.some((re) => re.test(type))) return 'application/octet-stream';
  // Text keeps a charset only when it is a plain token; no other parameter is passed on.
  const charset = /;\s*charset="?([A-Za-z0-9._-]{1,40})"?\s*(?:;|$)/i.exec(raw ?? '')?.[1];
  return type.startsWith('text/') && charset ? `${type}; charset=${charset}` : type;
}

/** Inline images shown in the message view: raster formats only (an SVG is a document that can run script). */
export function isViewableImage(raw: string | null | undefined): boolean {
  return RASTER_IMAGE.test(mediaType(raw));
}

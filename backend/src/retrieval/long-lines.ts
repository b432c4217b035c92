/**
 * Chromium lays a paragraph out in time that grows with the square of its length for some text:
 * 300 000 CJK characters on one line took 10 s, 600 000 took 30 s, while the same text with a
 * forced line break every few thousand characters took 3 s (Debian's Chromium, a 2 MB message).
 * So no run of text in the view goes longer than LINE_MAX characters without a line break: real
 * mail never comes near it, and the download keeps the original as it was.
 */
export const LINE_MAX = 5_000;
/** How far back from the limit a space is looked for, so that a break falls between words. */
const SPACE_WINDOW = 200;

/** Plain text: a newline in every line longer than LINE_MAX, every LINE_MAX characters or sooner. */
export function breakLongLines(text: string): string {
  if (text.length <= LINE_MAX) return text;
  return text
    .split('\n')
    .map((line) => (line.length <= LINE_MAX ? line : pieces(line, 0).join('\n')))
    .join('\n');
}

// Elements that end a line of their own (canonical sanitised output: lower-case names).
const BREAKS = /^<\/?(?:address|article|aside|blockquote|br|center|dd|details|div|dl|dt|figcaption|figure|footer|h[1-6]|header|hr|li|main|nav|ol|p|pre|section|summary|table|td|th|tr|ul)[\s/>]/;
const TOKEN = /<[^<>]*>|[^<]+/g;

/**
 * Sanitised HTML (sanitize.ts: text never holds '<' or '>', at most one leading <style>): a <br>
 * wherever LINE_MAX characters of text ran on without a block boundary or a <br>. One pass.
 */
export function breakLongRuns(html: string): string {
  if (html.length <= LINE_MAX) return html;
  const out: string[] = [];
  const styleEnd = html.startsWith('<style>') ? html.indexOf('</style>') + '</style>'.length : 0;
  out.push(html.slice(0, styleEnd));
  let run = 0;
  TOKEN.lastIndex = styleEnd;
  for (let m = TOKEN.exec(html); m; m = TOKEN.exec(html)) {
    const token = m[0];
    if (token.startsWith('<')) {
      if (BREAKS.test(token)) run = 0;
      out.push(token);
      continue;
    }
    const parts = pieces(token, run);
    out.push(parts.join('<br>'));
    run = parts.length > 1 ? parts.at(-1)!.length : run + token.length;
  }
  return out.join('');
}

/** `text` cut so that the first piece brings `run` to LINE_MAX and each next piece is LINE_MAX at most. */
function pieces(text: string, run: number): string[] {
  const out: string[] = [];
  let from = 0;
  let room = LINE_MAX - run;
  if (room <= 0) {
    out.push(''); // the run is full already: break before this text
    room = LINE_MAX;
  }
  while (text.length - from > room) {
    const cut = cutAt(text, from, from + room);
    out.push(text.slice(from, cut));
    from = cut;
    room = LINE_MAX;
  }
  out.push(text.slice(from));
  return out;
}

/**
 * A cut at or before `limit` (after `from`): after a space if one is near, never inside an entity
 * or a surrogate pair. Looks back a bounded way only: a search back to the start of the text for
 * every cut would make the pass quadratic.
 */
function cutAt(text: string, from: number, limit: number): number {
  const near = (c: string, within: number, before: number) => {
    const start = Math.max(from, before - within);
    const at = text.slice(start, before).lastIndexOf(c);
    return at < 0 ? -1 : start + at;
  };
  const space = near(' ', SPACE_WINDOW, limit);
  let cut = space >= 0 ? space + 1 : limit;
  const amp = near('&', 12, cut);
  if (amp >= 0 && !text.slice(amp, cut).includes(';')) cut = amp;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  if (cut > from) return cut;
  // An entity right at the start of a short piece: cut after it instead.
  const semi = text.slice(from, from + 12).indexOf(';');
  return semi >= 0 ? from + semi + 1 : limit;
}

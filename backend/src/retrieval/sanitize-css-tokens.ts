/**
 * A small CSS tokenizer and block builder after CSS Syntax Level 3, strict where the spec is
 * lenient: anything we would have to decode to judge (escapes outside strings, `<`, bad strings
 * and bad urls) becomes a `bad` token, and whatever contains one is dropped by the caller.
 * Token boundaries follow the browser's (names, strings, url tokens, blocks), so the checks in
 * sanitize-css see the same functions and urls the browser will.
 */
export type CssToken =
  | { t: 'ws' }
  | { t: 'word'; v: string } // ident, number or dimension: a run of name characters
  | { t: 'fn'; v: string } // a word directly followed by `(`
  | { t: 'url'; v: string } // unquoted url(...) contents
  | { t: 'str'; raw: string } // quotes and escapes kept as written
  | { t: 'at'; v: string }
  | { t: 'hash'; v: string }
  | { t: 'delim'; v: string }
  | { t: 'bad' };

export type CssNode =
  | { k: 'tok'; tok: CssToken }
  | { k: 'block'; open: '{' | '(' | '['; fn?: string; children: CssNode[] };

const NAME = /[A-Za-z0-9_\-\u0080-\uffff]/;
const WS = /[ \t\n\f]/;
const CLOSER = { '{': '}', '(': ')', '[': ']' } as const;

export function tokenizeCss(input: string): CssToken[] {
  // CSS preprocessing turns CR and FF into LF; NUL and the other controls have no use in mail and go.
  // eslint-disable-next-line no-control-regex
  const s = input.replace(/\r\n?|\f/g, '\n').replace(/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/g, '');
  const out: CssToken[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (s.startsWith('<!--', i) || s.startsWith('-->', i)) {
      // CDO/CDC: Outlook wraps whole stylesheets in them; browsers skip them at the top level.
      i += s[i] === '<' ? 4 : 3;
      out.push({ t: 'ws' });
    } else if (s.startsWith('/*', i)) {
      const end = s.indexOf('*/', i + 2);
      i = end < 0 ? s.length : end + 2;
      // A comment separates tokens; keeping a space means the output never glues two words together.
      out.push({ t: 'ws' });
    } else if (WS.test(c)) {
      while (i < s.length && WS.test(s[i]!)) i++;
      out.push({ t: 'ws' });
    } else if (c === '"' || c === "'") {
      i = readString(s, i, out);
    } else if (c === '@' || c === '#') {
      const end = nameEnd(s, i + 1);
      const v = s.slice(i + 1, end);
      out.push(v ? (c === '@' ? { t: 'at', v } : { t: 'hash', v }) : { t: 'delim', v: c });
      i = end;
    } else if (NAME.test(c)) {
      const end = nameEnd(s, i);
      const v = s.slice(i, end);
      i = end;
      if (s[i] !== '(') out.push({ t: 'word', v });
      else if (v.toLowerCase() === 'url' && !quotedArgument(s, i)) i = readUrl(s, i + 1, out);
      else {
        out.push({ t: 'fn', v });
        i++;
      }
    } else {
      // `\` (an escape outside a string) and `<` (could end a <style> element) are never passed on.
      out.push(c === '\\' || c === '<' ? { t: 'bad' } : { t: 'delim', v: c });
      i++;
    }
  }
  return out;
}

function nameEnd(s: string, from: number): number {
  let i = from;
  while (i < s.length && NAME.test(s[i]!)) i++;
  return i;
}

function quotedArgument(s: string, paren: number): boolean {
  const re = /\([ \t\n]*["']/y;
  re.lastIndex = paren;
  return re.test(s);
}

function readString(s: string, start: number, out: CssToken[]): number {
  const quote = s[start];
  let i = start + 1;
  while (i < s.length && s[i] !== quote) {
    if (s[i] === '\n') {
      out.push({ t: 'bad' });
      return i;
    }
    i += s[i] === '\\' ? 2 : 1;
  }
  const raw = s.slice(start, i + 1);
  // Unterminated at the end of input: legal, but re-emitting it would swallow whatever we append.
  out.push(i >= s.length || raw.includes('<') ? { t: 'bad' } : { t: 'str', raw });
  return i + 1;
}

function readUrl(s: string, start: number, out: CssToken[]): number {
  const end = s.indexOf(')', start);
  const body = trimRun(s.slice(start, end < 0 ? s.length : end), (c) => WS.test(c));
  // Unquoted urls may not contain quotes, parens, whitespace or escapes; the browser calls those bad urls.
  out.push(/["'(\\ \t\n<]/.test(body) ? { t: 'bad' } : { t: 'url', v: body });
  return end < 0 ? s.length : end + 1;
}

/**
 * Strips leading and trailing characters matching `is`. Linear, unlike `/\s+$/`, which the regular
 * expression engine tries again from every space of a long inner run of them.
 */
export function trimRun(s: string, is: (c: string) => boolean): string {
  let start = 0;
  let end = s.length;
  while (start < end && is(s[start]!)) start++;
  while (end > start && is(s[end - 1]!)) end--;
  return s.slice(start, end);
}

/** Groups tokens into `{}`, `()`, `[]` and function blocks as the browser does; EOF closes them. */
export function buildCssTree(tokens: CssToken[]): CssNode[] {
  const root: CssNode[] = [];
  const stack: { close: string; children: CssNode[] }[] = [{ close: '', children: root }];
  for (const tok of tokens) {
    const top = stack[stack.length - 1]!;
    if (tok.t === 'fn' || (tok.t === 'delim' && tok.v in CLOSER)) {
      const open = tok.t === 'fn' ? '(' : (tok.v as keyof typeof CLOSER);
      const block: CssNode = { k: 'block', open, children: [] };
      if (tok.t === 'fn') block.fn = tok.v;
      top.children.push(block);
      stack.push({ close: CLOSER[open], children: block.children });
    } else if (tok.t === 'delim' && tok.v === top.close) {
      stack.pop();
    } else if (tok.t === 'delim' && /[)}\]]/.test(tok.v)) {
      // A closer that closes nothing: browsers ignore or misplace it, we drop what holds it.
      top.children.push({ k: 'tok', tok: { t: 'bad' } });
    } else {
      top.children.push({ k: 'tok', tok });
    }
  }
  return root;
}

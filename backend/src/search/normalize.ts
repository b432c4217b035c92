// Diacritics that are optional in their script (Latin/Greek/Cyrillic accents, Hebrew points,
// Arabic harakat and tatweel). Marks that make a different letter (Indic vowel signs, kana
// voicing marks, Thai vowels) are kept.
const OPTIONAL_MARK_RANGES: [number, number][] = [
  [0x0300, 0x036f], [0x0483, 0x0489], [0x0591, 0x05bd], [0x05bf, 0x05bf], [0x05c1, 0x05c2],
  [0x05c4, 0x05c5], [0x05c7, 0x05c7], [0x0610, 0x061a], [0x0640, 0x0640], [0x064b, 0x065f],
  [0x0670, 0x0670], [0x06d6, 0x06dc], [0x06df, 0x06e4], [0x06e7, 0x06e8], [0x06ea, 0x06ed],
  [0x1ab0, 0x1aff], [0x1dc0, 0x1dff], [0x20d0, 0x20ff], [0xfe20, 0xfe2f],
];
const OPTIONAL_MARKS = new RegExp(
  `[${OPTIONAL_MARK_RANGES.map(([from, to]) => `\\u{${from.toString(16)}}-\\u{${to.toString(16)}}`).join('')}]`,
  'gu',
);
// Letters that neither NFKD nor toLowerCase folds to what people type on an ASCII keyboard.
const FOLDS: Record<string, string> = {
  ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ð: 'd', ł: 'l', ı: 'i', þ: 'th', ς: 'σ',
  '\u2018': "'", '\u2019': "'", '\u2010': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2212': '-',
};
const FOLDABLE = new RegExp(`[${Object.keys(FOLDS).join('')}]`, 'g');
// NFKD would glue these onto the preceding word ("Contoso™" → "contosotm").
const SYMBOLS_WITH_LETTERS = /[\u2120\u2122]/g;

/** Nothing in ASCII is folded but case: most words of most mail take the short way. */
const ASCII = /^\p{ASCII}*$/u;

/** Case- and accent-insensitive form: "Café" → "cafe", "STRASSE" and "straße" → "strasse". */
export function normalize(s: string): string {
  return ASCII.test(s) ? s.toLowerCase() : fold(s);
}

/** `normalize` of any text: compatibility forms decomposed, optional marks dropped, letters folded. */
export function fold(s: string): string {
  return s
    .replace(SYMBOLS_WITH_LETTERS, ' ')
    .normalize('NFKD')
    .replace(OPTIONAL_MARKS, '')
    .toLowerCase()
    .replace(FOLDABLE, (c) => FOLDS[c] ?? c)
    // Recompose what NFKD split but must stay one character: Hangul syllables, voiced kana.
    .normalize('NFC');
}

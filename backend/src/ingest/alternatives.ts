/**
 * The words of a message's other alternative (its HTML, when a plain part exists) that the plain
 * part lacks. Newsletters send a stub plain part ("view this mail in your browser") beside the
 * HTML a reader sees; both are kept for search, but an HTML that says what the plain part says
 * adds nothing and is dropped. Linear: one pass over each text into a set of words.
 */
const WORD = /[\p{L}\p{N}]+/gu;

export function alternativeText(body: string, other: string): string {
  if (!other.trim()) return '';
  const known = new Set<string>();
  for (const m of body.matchAll(WORD)) known.add(m[0].toLowerCase());
  for (const m of other.matchAll(WORD)) if (!known.has(m[0].toLowerCase())) return other;
  return '';
}

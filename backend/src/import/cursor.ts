/**
 * Cursors of nested sources (a file of a folder, an entry of a zip, an item of a PST): a JSON
 * pair of the outer position and the inner cursor, so any depth resumes exactly.
 */
export function nest(key: string | number, inner: string | null): string {
  return JSON.stringify([key, inner]);
}

export function unnest(cursor: string | null): { key: string | number; inner: string | null } | null {
  if (!cursor) return null;
  const parsed: unknown = JSON.parse(cursor);
  if (!Array.isArray(parsed) || parsed.length !== 2) throw new Error(`not an import cursor: ${cursor}`);
  return { key: parsed[0] as string | number, inner: (parsed[1] as string | null) ?? null };
}

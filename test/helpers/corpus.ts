import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The shared real-mail corpus next to the repository (see its README); not part of the project.
 * `MAIL_CORPUS` names it elsewhere; a git worktree one level further down finds it too.
 */
const CANDIDATES = [
  process.env.MAIL_CORPUS,
  fileURLToPath(new URL('../../../shared/corpus', import.meta.url)),
  fileURLToPath(new URL('../../../../shared/corpus', import.meta.url)),
].filter((p): p is string => !!p);
const CORPUS = CANDIDATES.find((p) => existsSync(p)) ?? CANDIDATES[0]!;

export function corpusDir(): string | null {
  return existsSync(CORPUS) ? CORPUS : null;
}

/** Absolute paths of the corpus files (all of it, or one source folder), sorted; [] without a corpus. */
export function corpusFiles(subfolder?: string): string[] {
  const root = corpusDir();
  if (!root) return [];
  const dir = subfolder ? join(root, subfolder) : root;
  if (!existsSync(dir)) throw new Error(`The corpus has no folder ${subfolder}`);
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.') && !e.name.endsWith('.md'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The corpus folder, or null after marking the test skipped with the reason. */
export function requireCorpus(t: TestContext): string | null {
  const dir = corpusDir();
  if (!dir) t.skip(`real-mail corpus not found at ${CORPUS} (see docs/CONVENTIONS.md)`);
  return dir;
}

import { NON_MAIL_FOLDER_CLASSES } from './profile';

export interface FolderNode {
  id: string;
  displayName: string;
  parentFolderId: string;
  /** PR_CONTAINER_CLASS when the source reports it (IPF.Note for mail). */
  containerClass?: string;
}

export interface SelectedFolder {
  id: string;
  path: string;
}

/** Builds "Inbox/Projects"-style paths; folders whose parent is unknown are top-level. */
export function folderPaths(folders: FolderNode[]): Map<string, string> {
  const byId = new Map(folders.map((f) => [f.id, f]));
  const paths = new Map<string, string>();
  const pathOf = (f: FolderNode, depth = 0): string => {
    const known = paths.get(f.id);
    if (known !== undefined) return known;
    const parent = byId.get(f.parentFolderId);
    // depth guard: a corrupt tree with a cycle must not hang a crawl.
    const path = parent && depth < 64 ? `${pathOf(parent, depth + 1)}/${f.displayName}` : f.displayName;
    paths.set(f.id, path);
    return path;
  };
  for (const f of folders) pathOf(f);
  return paths;
}

/**
 * Applies a profile's include/exclude lists. Entries are well-known names (resolved to ids by
 * the caller) or paths; an entry covers the folder and everything below it. Exclusion wins, and
 * non-mail folders are never selected.
 */
export function selectFolders(
  folders: FolderNode[],
  rules: { include: string[]; exclude: string[] },
  wellKnownIds: Map<string, string>,
): SelectedFolder[] {
  const paths = folderPaths(folders);
  const toPaths = (entries: string[]) =>
    entries.map((e) => {
      const id = wellKnownIds.get(e.toLowerCase());
      return (id ? paths.get(id) ?? `\u0000${e}` : e.replace(/^\/+|\/+$/g, '')).toLowerCase();
    });
  const include = toPaths(rules.include);
  const exclude = toPaths(rules.exclude);
  const covers = (prefixes: string[], path: string) => prefixes.some((p) => path === p || path.startsWith(`${p}/`));

  return folders
    .filter((f) => !f.containerClass || !NON_MAIL_FOLDER_CLASSES.some((c) => f.containerClass!.startsWith(c)))
    .map((f) => ({ id: f.id, path: paths.get(f.id)! }))
    .filter(({ path }) => {
      const p = path.toLowerCase();
      return (include.length === 0 || covers(include, p)) && !covers(exclude, p);
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

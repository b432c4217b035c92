import type { MailFolder } from '@microsoft/microsoft-graph-types';
import { graphErrorOf, type GraphPage } from '../graph/paging';
import { getMailboxSync, saveMailboxSync, type FolderRecord } from '../store/sync-state';
import type { CrawlContext } from './context';
import { selectFolders, type SelectedFolder } from './folders';
import { WELL_KNOWN_FOLDERS } from './profile';

type FolderChange = MailFolder & { '@removed'?: { reason: string } };

/**
 * The container class tells mail folders (IPF.Note) from Calendar, Contacts, Tasks and Notes,
 * which must never be archived; display names are localised and cannot tell.
 */
const CONTAINER_CLASS = 'String 0x3613';
const FOLDER_QUERY = `$select=displayName,parentFolderId&$expand=singleValueExtendedProperties($filter=id eq '${CONTAINER_CLASS}')`;

/** Delta may report only changed properties: keep what an earlier round told us. */
function mergeFolder(known: FolderRecord | undefined, f: FolderChange): FolderRecord {
  const containerClass = f.singleValueExtendedProperties?.find((p) => p.id?.toLowerCase() === CONTAINER_CLASS.toLowerCase())?.value;
  return {
    id: f.id!,
    displayName: f.displayName ?? known?.displayName ?? '',
    parentFolderId: f.parentFolderId ?? known?.parentFolderId ?? '',
    ...(containerClass ?? known?.containerClass ? { containerClass: containerClass ?? known?.containerClass } : {}),
  };
}

/**
 * The mailbox's folder tree through folder delta: the first run lists every folder, later runs
 * ask only for changes (one request when nothing changed). Returns the folders the profile
 * selects, with their paths.
 */
export async function selectedFolders(ctx: CrawlContext): Promise<SelectedFolder[]> {
  const { conn } = ctx.store;
  const saved = await getMailboxSync(conn, ctx.profileId, ctx.mailbox.id);
  let { folders, deltaLink } = await readFolderDelta(ctx, saved?.folderDeltaLink ?? null, saved?.folders ?? []);
  if (deltaLink === null) ({ folders, deltaLink } = await readFolderDelta(ctx, null, []));

  const wellKnown = new Map((saved?.wellKnown ?? []).map((w) => [w.name, w.id]));
  await resolveWellKnown(ctx, wellKnown);
  await saveMailboxSync(conn, ctx.profileId, ctx.mailbox.id, {
    folderDeltaLink: deltaLink,
    folders,
    wellKnown: [...wellKnown].map(([name, id]) => ({ name, id })),
  });
  return selectFolders(folders, ctx.settings.folders, wellKnown);
}

/** Applies folder delta pages onto the known tree; a null deltaLink means "start over". */
async function readFolderDelta(ctx: CrawlContext, link: string | null, known: FolderRecord[]) {
  const folders = new Map(known.map((f) => [f.id, f]));
  let next: string | undefined = link ?? `/users/${ctx.mailbox.id}/mailFolders/delta?${FOLDER_QUERY}`;
  try {
    while (next) {
      ctx.signal.throwIfAborted();
      const url: string = next;
      const page: GraphPage<FolderChange> = await ctx.limiter.run(() => ctx.graph.api(url).get());
      for (const f of page.value) {
        if (!f.id) continue;
        if (f['@removed']) folders.delete(f.id);
        else folders.set(f.id, mergeFolder(folders.get(f.id), f));
      }
      if (page['@odata.deltaLink']) return { folders: [...folders.values()], deltaLink: page['@odata.deltaLink'] };
      next = page['@odata.nextLink'];
    }
  } catch (err) {
    // An expired folder sync state (410 Gone / syncStateNotFound) means: list the tree again.
    if (link && isSyncStateLost(err)) return { folders: [], deltaLink: null };
    throw err;
  }
  throw new Error('Folder delta ended without a deltaLink');
}

export function isSyncStateLost(err: unknown): boolean {
  const { status, code } = graphErrorOf(err);
  return status === 410 || /syncStateNotFound|SyncStateInvalid|resyncRequired/i.test(code);
}

/** Well-known names in the profile's folder rules, resolved once per mailbox and remembered. */
async function resolveWellKnown(ctx: CrawlContext, cache: Map<string, string>): Promise<void> {
  const names = [...ctx.settings.folders.include, ...ctx.settings.folders.exclude]
    .map((n) => n.toLowerCase())
    .filter((n): n is (typeof WELL_KNOWN_FOLDERS)[number] => (WELL_KNOWN_FOLDERS as readonly string[]).includes(n) && !cache.has(n));
  for (const name of new Set(names)) {
    try {
      const folder: MailFolder = await ctx.limiter.run(() => ctx.graph.api(`/users/${ctx.mailbox.id}/mailFolders/${name}`).select('id').get());
      if (folder.id) cache.set(name, folder.id);
    } catch (err) {
      // A mailbox without that folder (no "archive" folder yet): nothing to include or exclude.
      if (graphErrorOf(err).status !== 404) throw err;
      cache.set(name, '');
    }
  }
}

import type { MailFolder } from '@microsoft/microsoft-graph-types';
import { sendBatch } from '../graph/batch';
import { collect, graphErrorOf, type GraphPage } from '../graph/paging';
import { getMailboxSync, saveMailboxSync, type FolderRecord } from '../store/sync-state';
import type { CrawlContext } from './context';
import { selectFolders, type SelectedFolder } from './folders';
import { WELL_KNOWN_FOLDERS } from './profile';

type FolderChange = MailFolder & { '@removed'?: { reason: string } };

/** Folder delta documents `$select` alone (https://learn.microsoft.com/en-us/graph/api/mailfolder-delta). */
const FOLDER_FIELDS = 'displayName,parentFolderId';
/**
 * PR_CONTAINER_CLASS tells mail folders (IPF.Note) from Calendar, Contacts, Tasks and Notes,
 * which must never be archived; display names are localised and cannot tell. Graph documents
 * reading it by getting one folder with `$expand=singleValueExtendedProperties($filter=id eq
 * 'String 0x3613')` (https://learn.microsoft.com/en-us/graph/api/singlevaluelegacyextendedproperty-get),
 * so each folder is asked once, when first seen, in `$batch` calls of 20.
 */
const CONTAINER_CLASS = 'String 0x3613';
const CLASS_QUERY = `$select=id&$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${CONTAINER_CLASS}')`)}`;

/** Delta may report only changed properties: keep what an earlier round told us. */
function mergeFolder(known: FolderRecord | undefined, f: FolderChange): FolderRecord {
  return {
    id: f.id!,
    displayName: f.displayName ?? known?.displayName ?? '',
    parentFolderId: f.parentFolderId ?? known?.parentFolderId ?? '',
    ...(known?.containerClass !== undefined ? { containerClass: known.containerClass } : {}),
  };
}

/**
 * The mailbox's folder tree through folder delta: the first run lists every folder, later runs
 * ask only for changes (one request when nothing changed). A mailbox at its storage quota may
 * refuse folder delta (403 ErrorQuotaExceeded: delta keeps sync state in the mailbox) while
 * ordinary reads work: its tree is then walked through `childFolders`, so it is still archived
 * (and "delete after archiving" can free space). Returns the folders the profile selects.
 */
export async function selectedFolders(ctx: CrawlContext): Promise<SelectedFolder[]> {
  const { conn } = ctx.store;
  const saved = await getMailboxSync(conn, ctx.profileId, ctx.mailbox.id);
  const known = saved?.folders ?? [];
  let tree: { folders: FolderRecord[]; deltaLink: string | null };
  try {
    tree = await readFolderDelta(ctx, saved?.folderDeltaLink ?? null, known);
    if (tree.deltaLink === null) tree = await readFolderDelta(ctx, null, []);
  } catch (err) {
    if (!isQuotaExceeded(err)) throw err;
    ctx.log.warn({ mailbox: ctx.mailbox.upn }, 'folder delta refused: mailbox over its quota; walking childFolders');
    tree = { folders: await walkFolders(ctx, known), deltaLink: null };
  }
  const folders = await classify(ctx, tree.folders);
  const wellKnown = new Map((saved?.wellKnown ?? []).map((w) => [w.name, w.id]));
  await resolveWellKnown(ctx, wellKnown);
  await saveMailboxSync(conn, ctx.profileId, ctx.mailbox.id, {
    folderDeltaLink: tree.deltaLink,
    folders,
    wellKnown: [...wellKnown].map(([name, id]) => ({ name, id })),
  });
  const selected = selectFolders(folders, ctx.settings.folders, wellKnown);
  return ctx.mailbox.onlineArchive ? selected.map((f) => ({ ...f, path: `${ONLINE_ARCHIVE_ROOT}/${f.path}` })) : selected;
}

/** Where an online archive's folders appear in the owner's archive; the folder rules see the archive's own paths. */
export const ONLINE_ARCHIVE_ROOT = 'Online Archive';

/** Applies folder delta pages onto the known tree; a null deltaLink means "start over". */
async function readFolderDelta(ctx: CrawlContext, link: string | null, known: FolderRecord[]) {
  const folders = new Map(known.map((f) => [f.id, f]));
  let next: string | undefined = link ?? `/users/${ctx.mailbox.id}/mailFolders/delta?$select=${FOLDER_FIELDS}`;
  try {
    while (next) {
      ctx.signal.throwIfAborted();
      const page: GraphPage<FolderChange> = await ctx.graph.api(next).get();
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

/**
 * The whole tree below the root: the top-level listing (`mailFolders`, not the well-known
 * `msgfolderroot`, which archive mailboxes refuse), then one `childFolders` listing per folder
 * that has children.
 */
async function walkFolders(ctx: CrawlContext, known: FolderRecord[]): Promise<FolderRecord[]> {
  const byId = new Map(known.map((f) => [f.id, f]));
  const found: FolderRecord[] = [];
  const query = `includeHiddenFolders=true&$select=${FOLDER_FIELDS},childFolderCount&$top=100`;
  const lists = [`/users/${ctx.mailbox.id}/mailFolders?${query}`];
  for (let url = lists.shift(); url; url = lists.shift()) {
    ctx.signal.throwIfAborted();
    for (const f of await collect<MailFolder>(ctx.graph, url)) {
      if (!f.id) continue;
      found.push(mergeFolder(byId.get(f.id), f));
      if ((f.childFolderCount ?? 0) > 0) lists.push(`/users/${ctx.mailbox.id}/mailFolders/${f.id}/childFolders?${query}`);
    }
  }
  return found;
}

/** Reads the container class of folders seen for the first time; a folder that vanished meanwhile is dropped. */
async function classify(ctx: CrawlContext, folders: FolderRecord[]): Promise<FolderRecord[]> {
  const unknown = folders.filter((f) => f.containerClass === undefined);
  if (unknown.length === 0) return folders;
  const requests = unknown.map((f, i) => ({ id: String(i), method: 'GET' as const, url: `/users/${ctx.mailbox.id}/mailFolders/${f.id}?${CLASS_QUERY}` }));
  const answers = await sendBatch(ctx.graph, requests, ctx.signal);
  const gone = new Set<string>();
  for (const [i, f] of unknown.entries()) {
    const answer = answers.get(String(i));
    if (answer?.status === 404) gone.add(f.id);
    // Unread (a failed part) stays unknown: selected as mail, and asked again next run.
    if (answer?.status !== 200) continue;
    const props = (answer.body as MailFolder).singleValueExtendedProperties ?? [];
    f.containerClass = props.find((p) => p.id?.toLowerCase() === CONTAINER_CLASS.toLowerCase())?.value ?? '';
  }
  return folders.filter((f) => !gone.has(f.id));
}

export function isSyncStateLost(err: unknown): boolean {
  const { status, code } = graphErrorOf(err);
  return status === 410 || /syncStateNotFound|SyncStateInvalid|resyncRequired/i.test(code);
}

function isQuotaExceeded(err: unknown): boolean {
  const { status, code } = graphErrorOf(err);
  return status === 403 && code === 'ErrorQuotaExceeded';
}

/** Well-known names in the profile's folder rules, resolved once per mailbox and remembered. */
async function resolveWellKnown(ctx: CrawlContext, cache: Map<string, string>): Promise<void> {
  const names = [...ctx.settings.folders.include, ...ctx.settings.folders.exclude]
    .map((n) => n.toLowerCase())
    .filter((n): n is (typeof WELL_KNOWN_FOLDERS)[number] => (WELL_KNOWN_FOLDERS as readonly string[]).includes(n) && !cache.has(n));
  for (const name of new Set(names)) {
    // Archive mailboxes refuse well-known folder names
    // (https://learn.microsoft.com/graph/handle-archive-mailbox-redirects): such a rule is read as a
    // folder path there ("inbox" selects the archive's "Inbox"; selectFolders).
    if (ctx.mailbox.onlineArchive) {
      cache.set(name, '');
      continue;
    }
    try {
      const folder: MailFolder = await ctx.graph.api(`/users/${ctx.mailbox.id}/mailFolders/${name}`).select('id').get();
      if (folder.id) cache.set(name, folder.id);
    } catch (err) {
      // A mailbox without that folder (no "archive" folder yet): nothing to include or exclude.
      if (graphErrorOf(err).status !== 404) throw err;
      cache.set(name, '');
    }
  }
}

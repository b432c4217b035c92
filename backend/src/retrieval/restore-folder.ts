import type { Client } from '@microsoft/microsoft-graph-client';
import type { MailFolder } from '@microsoft/microsoft-graph-types';
import { WELL_KNOWN_FOLDERS } from '../archiving/profile';
import { invalidInput } from '../errors';
import { collect } from '../graph/paging';

const QUERY = '$select=id,displayName&$top=100';

/**
 * The id of the folder at a display-name path ("Inbox/Projects", any case), one listing per
 * level: the top level from `mailFolders` (not the well-known `msgfolderroot`, which archive
 * mailboxes refuse), then `childFolders`. A missing folder is the caller's input error.
 */
export async function folderIdByPath(graph: Client, mailbox: string, path: string): Promise<string> {
  const names = path.split('/').map((n) => n.trim()).filter(Boolean);
  if (!names.length) throw invalidInput('folderPath', 'give a folder path such as Inbox/Projects');
  let list = `${mailbox}/mailFolders?${QUERY}`;
  let id = '';
  for (const [depth, name] of names.entries()) {
    const found = (await collect<MailFolder>(graph, list)).find((f) => f.displayName?.toLowerCase() === name.toLowerCase());
    if (!found?.id) throw invalidInput('folderPath', `no folder "${names.slice(0, depth + 1).join('/')}" in that mailbox`);
    id = found.id;
    list = `${mailbox}/mailFolders/${encodeURIComponent(id)}/childFolders?${QUERY}`;
  }
  return id;
}

/**
 * "Well-known folder names aren't supported for archive mailboxes"
 * (https://learn.microsoft.com/graph/handle-archive-mailbox-redirects): refused here, in the
 * caller's terms, before Graph is asked.
 */
export function refuseWellKnownInArchive(folder: string): void {
  if ((WELL_KNOWN_FOLDERS as readonly string[]).includes(folder.toLowerCase())) {
    throw invalidInput('folder', 'an online archive has no well-known folder names: give the folder path (folderPath) or a folder id');
  }
}

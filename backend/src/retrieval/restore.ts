import type { Client } from '@microsoft/microsoft-graph-client';
import type { Message } from '@microsoft/microsoft-graph-types';
import { betaGraph } from '../graph/client';
import { graphErrorOf } from '../graph/paging';
import { DomainError, invalidInput } from '../errors';
import type { Store } from '../store';
import type { Item } from '../store/items';
import { getMessageDoc } from '../store/messages';
import { readBodies } from './mime-parts';
import { restoreAttachments } from './restore-attachments';
import { folderIdByPath } from './restore-folder';
import { restoredMessage } from './restore-message';

/**
 * The largest message a restore takes: Graph attaches files of up to 150 MB through upload
 * sessions (https://learn.microsoft.com/en-us/graph/outlook-large-attachments). Exchange also
 * applies the mailbox's own size limit (35 MB unless an administrator raised it), answered as
 * ErrorMessageSizeExceeded below.
 */
export const MAX_RESTORE_BYTES = 150 * 1024 * 1024;
/** Graph refuses request bodies over 4 MB; the message itself (without attachments) must fit one. */
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export interface RestoreTarget {
  /** Entra object id (or UPN) of the mailbox, or the `MBX:` id of an online archive. */
  mailbox: string;
  /** The target is an online archive, reachable through Graph beta only. */
  onlineArchive?: boolean;
  /** Well-known folder name (not in an online archive) or folder id; or else `folderPath`. */
  folder?: string;
  /** The folder by its display-name path, e.g. "Inbox/Projects". */
  folderPath?: string;
}

/**
 * Puts an archived message back into a mailbox as the message it was: created from JSON with its
 * original sender, recipients, body and dates as a received (not draft) item, marked as a
 * restored copy, then its attachments one by one, large ones through upload sessions. (Graph's
 * MIME upload would keep the bytes but always makes a draft dated today.) A copy whose
 * attachments fail is deleted again, so a restore leaves a whole message or none. Returns the
 * new message's id.
 */
export async function restoreToMailbox(graph: Client, store: Store, item: Item, target: RestoreTarget): Promise<string> {
  const doc = await getMessageDoc(store.conn, item.sha256);
  if (!doc) throw new Error(`message document ${item.sha256} is missing`);
  if (doc.size > MAX_RESTORE_BYTES) throw tooLarge();
  const open = () => store.blobs.open(item.sha256);
  const bodies = await readBodies(open);
  const message = restoredMessage(doc, bodies, item.receivedAt);
  if (bodies.truncated || Buffer.byteLength(JSON.stringify(message)) > MAX_REQUEST_BYTES) throw bodyTooLarge();
  // Online archives answer on the beta mail API only (https://learn.microsoft.com/en-us/graph/archive-mailbox-mail-api).
  const client = target.onlineArchive ? betaGraph(graph) : graph;
  const mailbox = `/users/${encodeURIComponent(target.mailbox)}`;
  let created: Message;
  try {
    const folder = target.folderPath ? await folderIdByPath(client, mailbox, target.folderPath) : target.folder ?? 'inbox';
    created = await client.api(`${mailbox}/mailFolders/${encodeURIComponent(folder)}/messages`).post(message);
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw restoreError(err);
  }
  if (!created?.id) throw new DomainError('upstream_failed', 'restore_failed', 'Microsoft Graph accepted the message but returned no id');
  const copy = `${mailbox}/messages/${encodeURIComponent(created.id)}`;
  try {
    await restoreAttachments(client, open, doc, copy);
  } catch (err) {
    await client.api(copy).delete().catch(() => undefined);
    throw err instanceof DomainError ? err : restoreError(err);
  }
  return created.id;
}

const tooLarge = () =>
  new DomainError('too_large', 'message_too_large', 'The message is larger than the 150 MB Microsoft Graph can restore; download the .eml and import it instead');
const bodyTooLarge = () =>
  new DomainError('too_large', 'message_too_large', 'The text of this message is larger than the 4 MB Microsoft Graph accepts in one request; download the .eml and import it instead');
const mailboxLimit = () =>
  new DomainError('too_large', 'message_too_large', 'The message is larger than this mailbox accepts (35 MB unless an administrator raised the limit); download the .eml instead');

/** Graph's answer in terms of the request the caller made. */
export function restoreError(err: unknown): DomainError {
  const { status, code, message } = graphErrorOf(err);
  if (code === 'ErrorItemNotFound' || code === 'ErrorInvalidIdMalformed' || code === 'ErrorFolderNotFound') {
    return invalidInput('folder', 'no such folder in the mailbox (use a well-known name such as inbox, or a folder id)');
  }
  if (code === 'ErrorInvalidUser' || code === 'MailboxNotEnabledForRESTAPI' || code === 'ResourceNotFound' || (status === 404 && !code)) {
    return invalidInput('mailbox', 'the mailbox does not exist or has no Exchange Online mailbox');
  }
  if (code === 'ErrorMessageSizeExceeded') return mailboxLimit();
  if (status === 413 || code === 'RequestEntityTooLarge') return bodyTooLarge();
  if (status === 401 || status === 403) {
    return new DomainError('upstream_failed', 'restore_denied', `Microsoft Graph refused the restore (${code || status}): the app needs the Mail.ReadWrite application permission for this mailbox`);
  }
  if (status === 429 || status === 503 || status === 504) {
    return new DomainError('upstream_busy', 'graph_unavailable', `Microsoft Graph is busy (${code || status}); try again in a minute`);
  }
  return new DomainError('upstream_failed', 'restore_failed', `Microsoft Graph did not restore the message: ${code || status || 'error'}: ${message}`);
}

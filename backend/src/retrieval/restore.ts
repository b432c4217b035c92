import type { Client } from '@microsoft/microsoft-graph-client';
import type { Message } from '@microsoft/microsoft-graph-types';
import { graphErrorOf } from '../graph/paging';
import { HttpError } from '../http/errors';
import type { BlobStore } from '../store';

/**
 * Graph takes the whole message base64-encoded in one request body, so the message is held in
 * memory once. Graph itself refuses request bodies above about 4 MB (413, mapped below); this
 * limit only keeps a process from loading an arbitrarily large blob to find that out.
 */
export const MAX_RESTORE_BYTES = 35 * 1024 * 1024;

export interface RestoreTarget {
  /** Entra object id (or UPN) of the mailbox. */
  mailbox: string;
  /** Well-known folder name or folder id. */
  folder: string;
}

/**
 * Puts the original MIME back into a mailbox: `POST /users/{id}/mailFolders/{folder}/messages`
 * with the base64 MIME as text/plain (Graph's "create message in MIME format"). Exchange files
 * the copy as a draft item with the original headers and body. Returns the new message's id.
 */
export async function restoreToMailbox(graph: Client, blobs: BlobStore, sha256: string, target: RestoreTarget): Promise<string> {
  const stat = await blobs.stat(sha256);
  if (!stat) throw new Error(`blob ${sha256} is missing`);
  if (stat.size > MAX_RESTORE_BYTES) throw tooLarge();
  const mime = await readAll(blobs, sha256);
  const path = `/users/${encodeURIComponent(target.mailbox)}/mailFolders/${encodeURIComponent(target.folder)}/messages`;
  try {
    const created: Message = await graph.api(path).header('Content-Type', 'text/plain').post(mime.toString('base64'));
    if (!created?.id) throw new HttpError(502, 'restore_failed', 'Microsoft Graph accepted the message but returned no id');
    return created.id;
  } catch (err) {
    throw err instanceof HttpError ? err : restoreError(err);
  }
}

async function readAll(blobs: BlobStore, sha256: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of blobs.open(sha256)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const tooLarge = () =>
  new HttpError(413, 'message_too_large', 'The message is too large to restore through Microsoft Graph; download the .eml and import it instead');

/** Graph's answer in terms of the request the caller made. */
export function restoreError(err: unknown): HttpError {
  const { status, code, message } = graphErrorOf(err);
  if (code === 'ErrorItemNotFound' || code === 'ErrorInvalidIdMalformed' || code === 'ErrorFolderNotFound') {
    return new HttpError(400, 'invalid_input', 'folder: no such folder in the mailbox (use a well-known name such as inbox, or a folder id)', 'folder');
  }
  if (code === 'ErrorInvalidUser' || code === 'MailboxNotEnabledForRESTAPI' || code === 'ResourceNotFound' || (status === 404 && !code)) {
    return new HttpError(400, 'invalid_input', 'mailbox: the mailbox does not exist or has no Exchange Online mailbox', 'mailbox');
  }
  if (status === 413 || code === 'ErrorMessageSizeExceeded' || code === 'RequestEntityTooLarge') return tooLarge();
  if (status === 401 || status === 403) {
    return new HttpError(502, 'restore_denied', `Microsoft Graph refused the restore (${code || status}): the app needs the Mail.ReadWrite application permission for this mailbox`);
  }
  if (status === 429 || status === 503 || status === 504) {
    return new HttpError(503, 'graph_unavailable', `Microsoft Graph is busy (${code || status}); try again in a minute`);
  }
  return new HttpError(502, 'restore_failed', `Microsoft Graph did not restore the message: ${code || status || 'error'}: ${message}`);
}

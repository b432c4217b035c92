import type { Message } from '@microsoft/microsoft-graph-types';
import type { UserRecord } from '../tenant/directory';
import { WELL_KNOWN_NAMES } from '../tenant/mailbox';
import type { FolderRecord, Mailbox, MessageRecord } from '../tenant/mailbox';
import { renderMessage } from '../tenant/render';
import { allowed, PERMS, requireMailbox } from './auth';
import type { Need } from './auth';
import { badRequest, itemNotFound, mailboxNotEnabled, notFound } from './errors';
import { expandedJson, requestedProperties } from './extended-properties';
import { preferredBodyType } from './odata';
import type { HandlerContext } from './types';

export interface MailboxAccess {
  user: UserRecord;
  mb: Mailbox;
}

/** Resolves /users/{id|upn} for a mail route: unknown user, no mailbox, or no permission fail as Exchange does. */
export function mailboxFor(h: HandlerContext, need: Need): MailboxAccess {
  const archive = h.env.tenant.archives.get(h.params.user!);
  // Archive mailboxes answer on the beta mail API only (https://learn.microsoft.com/en-us/graph/archive-mailbox-mail-api).
  if (archive && h.env.version === 'beta') {
    requireMailbox(h.principal, need, archive.ownerId);
    return { user: h.env.tenant.mustUser(archive.ownerId), mb: archive.mb };
  }
  const user = h.env.tenant.findUser(h.params.user!);
  if (!user) throw notFound('ErrorInvalidUser', `The requested user '${h.params.user}' is invalid.`);
  requireMailbox(h.principal, need, user.user.id);
  const mb = h.env.tenant.mailboxes.get(user.user.id);
  if (!mb) throw mailboxNotEnabled();
  return { user, mb };
}

const ID_SHAPE = /^[A-Za-z0-9+/_=-]{20,}$/;

/** Graph accepts folder ids and well-known names (any case); display names are not ids. */
export function folderFor(mb: Mailbox, ref: string): FolderRecord {
  // "Well-known folder names aren't supported for archive mailboxes" (https://learn.microsoft.com/graph/handle-archive-mailbox-redirects).
  if (isArchiveMailbox(mb) && (WELL_KNOWN_NAMES as readonly string[]).includes(ref.toLowerCase())) {
    throw badRequest('ErrorInvalidRequest', 'Well-known folder names are not supported for archive mailboxes. Use the folder id.');
  }
  const folder = mb.folders.get(ref) ?? mb.wellKnownFolder(ref);
  if (folder) return folder;
  // A well-known folder this mailbox lacks (say, clutter) is missing, not malformed.
  if ((WELL_KNOWN_NAMES as readonly string[]).includes(ref.toLowerCase())) throw itemNotFound();
  if (!ID_SHAPE.test(ref)) throw badRequest('ErrorInvalidIdMalformed', 'Id is malformed.');
  throw itemNotFound();
}

const isArchiveMailbox = (mb: Mailbox) => mb.userId.startsWith('MBX:');

export function messageFor(mb: Mailbox, id: string): MessageRecord {
  const rec = mb.find(id);
  if (rec) return rec;
  if (!ID_SHAPE.test(id)) throw badRequest('ErrorInvalidIdMalformed', 'Id is malformed.');
  throw itemNotFound();
}

/** Renders a message as the caller may see it: Mail.ReadBasic callers get no body. */
export async function messageJson(h: HandlerContext, rec: MessageRecord, immutable = h.immutableIds, expand = requestedProperties(h.req.query)): Promise<Message> {
  const meta = await h.env.tenant.meta(rec);
  const json: Message = { ...renderMessage(rec, meta, { immutable }), ...expandedJson(rec, expand) };
  if (preferredBodyType(h.req.headers) === 'text') json.body = { contentType: 'text', content: meta.text };
  if (!allowed(h.principal, PERMS.mailRead)) {
    delete json.body;
    delete json.bodyPreview;
  }
  return json;
}

import type { Message } from '@microsoft/microsoft-graph-types';
import { header } from '../http';
import { bufferSource } from '../tenant/mime';
import type { MessageRecord } from '../tenant/mailbox';
import { PERMS } from './auth';
import { badRequest, GraphError } from './errors';
import { parseFilter } from './filter';
import { folderFor, mailboxFor, messageFor, messageJson } from './mail-access';
import type { MailboxAccess } from './mail-access';
import { createFromJson } from './message-compose';
import { applySelect, contextUrl, graphLink, parseSkip, parseTop, selectFields } from './odata';
import type { GraphResponse, HandlerContext } from './types';
import { ok } from './users';

const created = (body: unknown): GraphResponse => ({ ...ok(body), status: 201 });
const noContent = (): GraphResponse => ({ status: 204, headers: {} });

async function listMessages(h: HandlerContext, access: MailboxAccess, items: MessageRecord[], path: string): Promise<GraphResponse> {
  const q = h.req.query;
  const fields = selectFields(q);
  // Newest first, as Outlook lists a folder when no $orderby is given.
  let list = [...items].sort((a, b) => b.receivedDateTime.localeCompare(a.receivedDateTime));
  if (/receivedDateTime\s+asc/i.test(q.get('$orderby') ?? '')) list.reverse();
  const filterText = q.get('$filter');
  if (filterText) {
    const filter = parseFilter(filterText, 'message');
    const rendered = await Promise.all(list.map((r) => messageJson(h, r)));
    list = list.filter((_, i) => filter.test(rendered[i] as Record<string, unknown>));
  }
  const top = parseTop(q, 10, 1000);
  const skip = parseSkip(q);
  const page = list.slice(skip, skip + top);
  const body: Record<string, unknown> = { '@odata.context': contextUrl(h.env, `users('${access.user.user.id}')/messages`) };
  if (q.get('$count') === 'true') body['@odata.count'] = list.length;
  if (skip + top < list.length) {
    const params: Record<string, string> = {};
    for (const [k, v] of q) params[k] = v;
    params.$skip = String(skip + top);
    body['@odata.nextLink'] = graphLink(h.env, path, params);
  }
  body.value = await Promise.all(page.map(async (r) => applySelect(await messageJson(h, r), fields)));
  return ok(body);
}

export async function listFolderMessages(h: HandlerContext): Promise<GraphResponse> {
  const access = mailboxFor(h, PERMS.mailBasic);
  const folder = folderFor(access.mb, h.params.folder!);
  return listMessages(h, access, [...folder.items.values()], `/users/${access.user.user.id}/mailFolders/${folder.id}/messages`);
}

/** /users/{id}/messages spans every folder of the mailbox except Recoverable Items. */
export async function listAllMessages(h: HandlerContext): Promise<GraphResponse> {
  const access = mailboxFor(h, PERMS.mailBasic);
  const deletions = access.mb.wellKnownFolder('recoverableitemsdeletions')?.id;
  const items = [...access.mb.allItems()].filter((r) => r.folderId !== deletions);
  return listMessages(h, access, items, `/users/${access.user.user.id}/messages`);
}

export async function getMessage(h: HandlerContext): Promise<GraphResponse> {
  const access = mailboxFor(h, PERMS.mailBasic);
  const rec = messageFor(access.mb, h.params.message!);
  const json = applySelect(await messageJson(h, rec), selectFields(h.req.query));
  return ok({ '@odata.context': contextUrl(h.env, `users('${access.user.user.id}')/messages/$entity`), ...json });
}

/**
 * GET …/messages/{id}/$value: the MIME bytes exactly as stored. Graph labels them text/plain,
 * not message/rfc822 (observed in https://github.com/microsoftgraph/msgraph-sdk-java/pull/499).
 */
export async function getMime(h: HandlerContext): Promise<GraphResponse> {
  const access = mailboxFor(h, PERMS.mailRead);
  const bytes = await messageFor(access.mb, h.params.message!).source.read();
  return { status: 200, headers: { 'content-type': 'text/plain', 'content-length': String(bytes.length) }, body: bytes };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * POST …/mailFolders/{id}/messages: with Content-Type text/plain the body is base64 MIME
 * (https://learn.microsoft.com/en-us/graph/api/user-post-messages, "Create a message in MIME
 * format"), always a draft; otherwise a JSON message, a draft unless its extended properties
 * say otherwise (message-compose.ts).
 */
export async function createFromMime(h: HandlerContext): Promise<GraphResponse> {
  const access = mailboxFor(h, PERMS.mailWrite);
  const folder = folderFor(access.mb, h.params.folder!);
  const type = (header(h.req.headers, 'content-type') ?? '').toLowerCase();
  let rec: MessageRecord;
  if (type.startsWith('text/plain')) {
    const text = h.req.body.toString('latin1').replace(/[\r\n\s]/g, '');
    if (!text || text.length % 4 !== 0 || !BASE64.test(text)) {
      throw badRequest('ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.');
    }
    const mime = Buffer.from(text, 'base64');
    rec = access.mb.insert(folder.id, { source: bufferSource(mime, `graph:${access.mb.userId}:${access.mb.seq}:${Date.now()}`), isDraft: true, isRead: true });
  } else {
    rec = await createFromJson(access, folder, parseJson(h) as Message);
  }
  return created({ '@odata.context': contextUrl(h.env, `users('${access.user.user.id}')/messages/$entity`), ...(await messageJson(h, rec)) });
}

export function parseJson(h: HandlerContext): Record<string, unknown> {
  try {
    const value = JSON.parse(h.req.body.toString('utf8') || '{}');
    if (typeof value === 'object' && value !== null) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw badRequest('BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
}

export async function patchMessage(h: HandlerContext): Promise<GraphResponse> {
  const access = mailboxFor(h, PERMS.mailWrite);
  const rec = messageFor(access.mb, h.params.message!);
  const body = parseJson(h) as Message;
  access.mb.update(rec, {
    ...(typeof body.isRead === 'boolean' ? { isRead: body.isRead } : {}),
    ...(Array.isArray(body.categories) ? { categories: body.categories } : {}),
    ...(body.flag?.flagStatus ? { flagStatus: body.flag.flagStatus as MessageRecord['flagStatus'] } : {}),
  });
  return ok({ '@odata.context': contextUrl(h.env, `users('${access.user.user.id}')/messages/$entity`), ...(await messageJson(h, rec)) });
}

/** DELETE moves the item to Recoverable Items (it leaves its folder's delta as @removed). */
export async function deleteMessage(h: HandlerContext): Promise<GraphResponse> {
  const access = mailboxFor(h, PERMS.mailWrite);
  access.mb.remove(messageFor(access.mb, h.params.message!), false);
  return noContent();
}

export async function permanentDelete(h: HandlerContext): Promise<GraphResponse> {
  const access = mailboxFor(h, PERMS.mailWrite);
  access.mb.remove(messageFor(access.mb, h.params.message!), true);
  return noContent();
}

function destination(h: HandlerContext, access: MailboxAccess) {
  const body = parseJson(h);
  if (typeof body.destinationId !== 'string') throw badRequest('ErrorInvalidRequest', 'The destinationId parameter is required.');
  try {
    return folderFor(access.mb, body.destinationId);
  } catch (e) {
    if (e instanceof GraphError && e.status === 404) throw badRequest('ErrorInvalidIdMalformed', 'Id is malformed.');
    throw e;
  }
}

/** POST …/move: 201 with the moved message, which has a new id unless immutable ids were asked for. */
export async function moveMessage(h: HandlerContext): Promise<GraphResponse> {
  const access = mailboxFor(h, PERMS.mailWrite);
  const rec = messageFor(access.mb, h.params.message!);
  const dest = destination(h, access);
  access.mb.move(rec, dest.id);
  return created({ '@odata.context': contextUrl(h.env, `users('${access.user.user.id}')/messages/$entity`), ...(await messageJson(h, rec)) });
}

export async function copyMessage(h: HandlerContext): Promise<GraphResponse> {
  const access = mailboxFor(h, PERMS.mailWrite);
  const rec = messageFor(access.mb, h.params.message!);
  const dest = destination(h, access);
  const copy = access.mb.insert(dest.id, {
    source: rec.source, itemClass: rec.itemClass, receivedDateTime: rec.receivedDateTime, isRead: rec.isRead,
    isDraft: rec.isDraft, internetMessageId: rec.internetMessageId,
  });
  return created({ '@odata.context': contextUrl(h.env, `users('${access.user.user.id}')/messages/$entity`), ...(await messageJson(h, copy)) });
}

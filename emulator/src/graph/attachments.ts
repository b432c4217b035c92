import type { FileAttachment } from '@microsoft/microsoft-graph-types';
import { randomUUID } from 'node:crypto';
import type { HttpReq, HttpRes } from '../http';
import { header, json } from '../http';
import type { Tenant } from '../tenant/model';
import { PERMS } from './auth';
import { badRequest, GraphError } from './errors';
import { mailboxFor, messageFor } from './mail-access';
import type { MailboxAccess } from './mail-access';
import { attach, composedOf, fileAttachment, newAttachment } from './message-compose';
import type { ComposedAttachment } from './message-compose';
import { parseJson } from './messages';
import { contextUrl, readToken, signToken } from './odata';
import type { GraphEnv, GraphResponse, HandlerContext } from './types';

/**
 * Attachments of messages created from JSON: one POST for a file under 3 MB, an upload session
 * for one of 3 MB to 150 MB (https://learn.microsoft.com/en-us/graph/outlook-large-attachments).
 * Exchange refuses a session for less than 2 MiB (ErrorAttachmentSizeShouldNotBeLessThanMinimumSize,
 * https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/4690) and a message past
 * the mailbox's size limit (ErrorMessageSizeExceeded); the emulator's mailboxes allow 150 MB, the
 * most an administrator can set.
 */
const MIN_SESSION_BYTES = 2 * 1024 * 1024;
export const MAX_MESSAGE_BYTES = 150 * 1024 * 1024;
/** Graph's limit on one request body, and so on one uploaded range. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const SESSION_MINUTES = 15;

interface UploadSession {
  id: string;
  userId: string;
  messageId: string;
  meta: Omit<ComposedAttachment, 'id' | 'bytes' | 'lastModifiedDateTime'>;
  size: number;
  chunks: Buffer[];
  received: number;
  expires: number;
}

const sessionsByTenant = new WeakMap<Tenant, Map<string, UploadSession>>();
function sessions(tenant: Tenant): Map<string, UploadSession> {
  let map = sessionsByTenant.get(tenant);
  if (!map) sessionsByTenant.set(tenant, (map = new Map()));
  return map;
}

const created = (body: unknown, headers: Record<string, string> = {}): GraphResponse => ({
  status: 201, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body,
});

function attachmentJson(h: HandlerContext, a: ComposedAttachment) {
  return {
    '@odata.context': contextUrl(h.env, `users('${h.params.user}')/messages('${h.params.message}')/attachments/$entity`),
    '@odata.type': '#microsoft.graph.fileAttachment',
    id: a.id, lastModifiedDateTime: a.lastModifiedDateTime, name: a.name, contentType: a.contentType,
    size: a.bytes.length, isInline: a.isInline, contentId: a.contentId ?? null,
  };
}

async function messageSize(access: MailboxAccess, messageId: string): Promise<number> {
  return (await messageFor(access.mb, messageId).source.read()).length;
}

/** POST …/messages/{id}/attachments (https://learn.microsoft.com/en-us/graph/api/message-post-attachments). */
export async function addAttachment(h: HandlerContext): Promise<GraphResponse> {
  const access = mailboxFor(h, PERMS.mailWrite);
  const rec = messageFor(access.mb, h.params.message!);
  const attachment = fileAttachment(parseJson(h) as FileAttachment);
  if ((await messageSize(access, h.params.message!)) + attachment.bytes.length > MAX_MESSAGE_BYTES) throw sizeExceeded();
  await attach(access, rec, attachment);
  return created(attachmentJson(h, attachment));
}

const sizeExceeded = () => badRequest('ErrorMessageSizeExceeded', 'The message exceeds the maximum supported size.');

/** POST …/messages/{id}/attachments/createUploadSession (https://learn.microsoft.com/en-us/graph/api/attachment-createuploadsession). */
export async function createUploadSession(h: HandlerContext): Promise<GraphResponse> {
  const access = mailboxFor(h, PERMS.mailWrite);
  const rec = messageFor(access.mb, h.params.message!);
  if (!composedOf(rec)) throw badRequest('ErrorInvalidRequest', 'The emulator adds attachments only to messages created from JSON.');
  const item = (parseJson(h) as { AttachmentItem?: Record<string, unknown> }).AttachmentItem;
  if (!item || typeof item.name !== 'string' || !Number.isInteger(item.size)) {
    throw badRequest('ErrorInvalidRequest', 'AttachmentItem with attachmentType, name and size is required.');
  }
  if (item.attachmentType !== 'file') {
    throw new GraphError(405, 'ErrorAttachmentSessionIsSupportedOnlyForFileAttachments', 'Unsupported Attachment type specified. Only File attachments can be uploaded using an Upload Session.');
  }
  const size = item.size as number;
  if (size < MIN_SESSION_BYTES) throw badRequest('ErrorAttachmentSizeShouldNotBeLessThanMinimumSize', 'Attachment size should not be less than the minimum size for an upload session.');
  if ((await messageSize(access, h.params.message!)) + size > MAX_MESSAGE_BYTES) throw sizeExceeded();
  const session: UploadSession = {
    id: `AAMkSes${randomUUID().replace(/-/g, '')}`, userId: access.user.user.id, messageId: rec.immutableId, size, chunks: [], received: 0,
    expires: Date.now() + SESSION_MINUTES * 60_000,
    meta: {
      name: item.name, contentType: typeof item.contentType === 'string' ? item.contentType : 'application/octet-stream',
      isInline: item.isInline === true, contentId: typeof item.contentId === 'string' ? item.contentId : undefined,
    },
  };
  sessions(h.env.tenant).set(session.id, session);
  return created({
    '@odata.context': `${h.env.graphBase}/v1.0/$metadata#microsoft.graph.uploadSession`,
    uploadUrl: uploadUrl(h.env, session),
    expirationDateTime: new Date(session.expires).toISOString(),
    nextExpectedRanges: ['0-'],
  });
}

/** Pre-authenticated (`authtoken`), on Outlook's REST host in Exchange Online: no bearer token goes with it. */
function uploadUrl(env: GraphEnv, s: UploadSession): string {
  const token = signToken(env, { k: 'as', s: s.id, e: s.expires });
  return `${env.graphBase}${sessionPath(env, s)}/AttachmentSessions('${s.id}')?authtoken=${token}`;
}

const sessionPath = (env: GraphEnv, s: UploadSession) => `/api/v2.0/Users('${s.userId}@${env.tenant.id}')/Messages('${s.messageId}')`;

const outlookError = (status: number, code: string, message: string, headers: Record<string, string> = {}): HttpRes =>
  json(status, { error: { code, message } }, headers);

/**
 * PUT (or DELETE) on an upload URL: byte ranges in order (`Content-Range: bytes a-b/total`), each
 * at most 4 MB; 200 with the next expected range, 201 with the attachment's Location once the
 * last byte is in. A Graph bearer token sent along is refused (InvalidAudience), as Outlook does
 * (https://github.com/microsoftgraph/msgraph-sdk-java-core/issues/445).
 */
export async function handleUpload(env: GraphEnv, req: HttpReq): Promise<HttpRes> {
  if (header(req.headers, 'authorization')) return outlookError(401, 'InvalidAudience', "The audience claim value is invalid 'aud'.");
  const claims = readToken<{ k: string; s: string; e: number }>(env, req.url.searchParams.get('authtoken') ?? '');
  const inPath = /AttachmentSessions\('([^']+)'\)$/.exec(decodeURIComponent(req.url.pathname))?.[1];
  if (!claims || claims.k !== 'as' || claims.s !== inPath || claims.e < Date.now()) {
    return outlookError(401, 'InvalidAuthenticationToken', 'The upload session token is not valid or has expired.');
  }
  const session = sessions(env.tenant).get(claims.s);
  if (!session) return outlookError(404, 'ErrorItemNotFound', 'The upload session was not found.');
  if (req.method === 'DELETE') {
    sessions(env.tenant).delete(session.id);
    return { status: 204 };
  }
  if (req.method !== 'PUT') return outlookError(405, 'ErrorInvalidRequest', 'Use PUT to upload a range, DELETE to cancel.');
  return uploadRange(env, session, req);
}

async function uploadRange(env: GraphEnv, session: UploadSession, req: HttpReq): Promise<HttpRes> {
  const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header(req.headers, 'content-range') ?? '');
  if (!range) return outlookError(400, 'ErrorInvalidRequest', 'Content-Range: bytes {start}-{end}/{total} is required.');
  const [start, end, total] = range.slice(1).map(Number) as [number, number, number];
  if (req.body.length > MAX_REQUEST_BYTES) return outlookError(413, 'RequestBodyTooLarge', 'The maximum request length supported is 4MB.');
  if (total !== session.size || end - start + 1 !== req.body.length || end >= total) {
    return outlookError(400, 'ErrorInvalidRequest', `The range ${start}-${end}/${total} does not match the ${req.body.length} bytes sent or the attachment size ${session.size}.`);
  }
  if (start !== session.received) {
    return outlookError(416, 'ErrorInvalidRange', `Bytes must be uploaded in order; the next expected range starts at ${session.received}.`);
  }
  session.chunks.push(Buffer.from(req.body));
  session.received = end + 1;
  if (session.received < session.size) {
    return json(200, {
      '@odata.context': `${env.graphBase}/api/v2.0/$metadata#Users('${session.userId}')/Messages('${session.messageId}')/AttachmentSessions/$entity`,
      ExpirationDateTime: new Date(session.expires).toISOString(),
      nextExpectedRanges: [String(session.received)],
    });
  }
  sessions(env.tenant).delete(session.id);
  return complete(env, session);
}

async function complete(env: GraphEnv, session: UploadSession): Promise<HttpRes> {
  const user = env.tenant.findUser(session.userId);
  const mb = env.tenant.mailboxes.get(session.userId);
  const rec = mb?.find(session.messageId);
  if (!user || !mb || !rec) return outlookError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  const attachment = newAttachment(session.meta, Buffer.concat(session.chunks));
  await attach({ user, mb }, rec, attachment);
  return { status: 201, headers: { location: `${env.graphBase}${sessionPath(env, session)}/Attachments('${attachment.id}')` } };
}

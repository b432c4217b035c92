import { OFFICE_FRAME_ANCESTORS, TEAMS_FRAME_ANCESTORS } from '../static';
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { ServiceDeps } from '../../deps';
import { contentDisposition, downloadType, isViewableImage, mediaType, safeFilename } from '../../retrieval/download-headers';
import { auditAccess, parseItemId, reachItem } from '../../retrieval/item-ref';
import { numberingOf, openAttachment } from '../../retrieval/mime-parts';
import { requestInfo, sendStream, viewOrigin } from '../../retrieval/respond';
import { onlineArchiveOf, resolveRestoreMailbox } from '../../retrieval/restore-target';
import { refuseWellKnownInArchive } from '../../retrieval/restore-folder';
import { restoreToMailbox } from '../../retrieval/restore';
import { emailViewCsp } from '../../retrieval/view-csp';
import { MessageTooComplexError } from '../../retrieval/render';
import { bareContentId, messageView, noticeDocument, viewDocument } from '../../retrieval/view';
import { viewTickets } from '../../retrieval/view-ticket';
import { getMessageMeta } from '../../store/messages';
import { audit } from '../../access';
import { conversationOf } from '../../search/conversation';
import { HttpError, parseInput, toHttpError } from '../errors';

const flag = z.enum(['0', '1', 'true', 'false']).optional().transform((v) => v === '1' || v === 'true');
export const viewQuery = z.object({ remote: flag, dark: flag });
const attachmentIndex = z.object({ index: z.string().regex(/^\d{1,6}$/, 'must be a whole number').transform(Number) });
const contentIdParam = z.object({ contentId: z.string().min(1).max(998) });
export const restoreBody = z
  .object({
    folder: z.string().trim().regex(/^[A-Za-z0-9+/_=-]{1,512}$/, 'must be a well-known folder name (inbox, archive, …) or a folder id').optional(),
    folderPath: z.string().trim().min(1).max(1024).optional(),
    mailbox: z.string().trim().min(1).max(320).optional(),
    /** Into the person's online archive (Graph beta) instead of their mailbox. */
    onlineArchive: z.boolean().default(false),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.folder && b.folderPath) ctx.addIssue({ code: 'custom', path: ['folderPath'], message: 'give folder or folderPath, not both' });
    if (b.onlineArchive && !b.folder && !b.folderPath) {
      ctx.addIssue({ code: 'custom', path: ['folderPath'], message: 'an online archive has no default folder: give its path, e.g. Inbox' });
    }
  });

/** Downloads are documents of the sender's making: never rendered in our origin. */
const DOWNLOAD_CSP = "default-src 'none'; sandbox";

/** Reading, downloading and restoring one archived message (MISSION M11). */
const VIEW_FRAME_ANCESTORS = [...new Set([...OFFICE_FRAME_ANCESTORS, ...TEAMS_FRAME_ANCESTORS])].join(' ');

export function messageRoutes(deps: ServiceDeps): Router {
  const r = Router();
  const { store, log } = deps;
  const tickets = viewTickets(deps.config);
  const timeLimitMs = deps.config.VIEW_TIME_LIMIT_MS;
  const cidPath = (id: string, cid: string) => `/api/messages/${encodeURIComponent(id)}/cid/${encodeURIComponent(cid)}`;

  const reach = async (req: Request, right: 'read' | 'restore') => {
    const ref = parseItemId(req.params.id);
    return { ref, item: await reachItem(store, req.caller!, ref, right) };
  };

  r.get('/messages/:id', async (req, res) => {
    const { remote } = parseInput(viewQuery, req.query, 'query');
    const { ref, item } = await reach(req, 'read');
    const view = await messageView(store, item, { cidUrl: (cid) => cidPath(ref.id, cid), allowRemote: remote, timeLimitMs });
    await auditAccess(store, req.caller!, 'view', requestInfo(req), { archiveId: ref.archiveId, target: ref.id, details: { format: 'json', remote } });
    res.json(view);
  });

  // The open message's thread, oldest first (search/conversation.ts); audited as the search it is.
  r.get('/messages/:id/conversation', async (req, res) => {
    const { ref, item } = await reach(req, 'read');
    const thread = await conversationOf(store, item);
    await audit(store, { caller: req.caller!, action: 'search', archiveId: ref.archiveId, details: { conversationOf: ref.id, returned: thread.value.length }, ...requestInfo(req) });
    res.set('Cache-Control', 'private, no-store').json(thread);
  });

  r.post('/messages/:id/view-ticket', async (req, res) => {
    const { ref } = await reach(req, 'read');
    const { ticket, expiresAt } = tickets.issue(ref.id, req.caller!);
    res.json({ ticket, expiresAt, url: `/api/messages/${encodeURIComponent(ref.id)}/view?t=${ticket}` });
  });

  r.get('/messages/:id/view', async (req, res) => {
    const { remote, dark } = parseInput(viewQuery, req.query, 'query');
    const { ref, item } = await reach(req, 'read');
    // The view's images load without headers too: they carry the ticket the view came with, or a fresh one.
    const ticket = (res.locals.viewTicket as string | undefined) ?? tickets.issue(ref.id, req.caller!).ticket;
    const view = await messageView(store, item, { cidUrl: (cid) => `${cidPath(ref.id, cid)}?t=${ticket}`, allowRemote: remote, timeLimitMs }).catch((err: unknown) => {
      if (err instanceof MessageTooComplexError) return err;
      throw err;
    });
    await auditAccess(store, req.caller!, 'view', requestInfo(req), { archiveId: ref.archiveId, target: ref.id, details: { format: 'document', remote } });
    // The task pane that frames this view is itself framed by Outlook or Teams; frame-ancestors
    // checks every ancestor, so their origins must be listed and X-Frame-Options must go.
    const csp = `${emailViewCsp({ imageOrigin: viewOrigin(req, deps.config.PUBLIC_URL), allowRemote: remote })}; frame-ancestors 'self' ${VIEW_FRAME_ANCESTORS}`;
    res.removeHeader('X-Frame-Options');
    res.set({ 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
    // The frame says it in words; the reader's toolbar has the download.
    if (view instanceof MessageTooComplexError) return void res.status(422).type('text/html; charset=utf-8').send(noticeDocument('Too complex to display', view.message));
    res.type('text/html; charset=utf-8').send(viewDocument(view, { dark }));
  });

  r.get('/messages/:id/raw', async (req, res) => {
    const { ref, item } = await reach(req, 'read');
    const stat = await store.blobs.stat(item.sha256);
    if (!stat) throw new Error(`blob ${item.sha256} of item ${item._id} is missing`);
    await auditAccess(store, req.caller!, 'download', requestInfo(req), { archiveId: ref.archiveId, target: ref.id });
    const etag = `"${item.sha256}"`;
    res.set('ETag', etag);
    if (req.get('if-none-match') === etag) return void res.status(304).end();
    res.set({
      'Content-Type': 'message/rfc822',
      'Content-Length': String(stat.size),
      'Content-Disposition': contentDisposition(`${safeFilename(item.subject, 'message')}.eml`),
      'Content-Security-Policy': DOWNLOAD_CSP,
    });
    await sendStream(res, log, store.blobs.open(item.sha256));
  });

  r.get('/messages/:id/attachments/:index', async (req, res) => {
    const { index } = parseInput(attachmentIndex, req.params, 'params');
    const { ref, item } = await reach(req, 'read');
    const meta = await getMessageMeta(store.conn, item.sha256);
    const attachment = meta?.attachments[index];
    if (!attachment) throw new HttpError(404, 'not_found', 'Attachment not found');
    await auditAccess(store, req.caller!, 'attachment', requestInfo(req), {
      archiveId: ref.archiveId,
      target: ref.id,
      details: { index, filename: attachment.filename, contentType: attachment.contentType },
    });
    const body = await openAttachment(() => store.blobs.open(item.sha256), index, numberingOf(meta));
    if (!body) throw new HttpError(404, 'not_found', 'Attachment not found');
    res.set({
      'Content-Type': downloadType(attachment.contentType),
      'Content-Disposition': contentDisposition(safeFilename(attachment.filename, `attachment-${index + 1}`)),
      'Content-Security-Policy': DOWNLOAD_CSP,
    });
    await sendStream(res, log, body);
  });

  r.get('/messages/:id/cid/:contentId', async (req, res) => {
    const cid = bareContentId(parseInput(contentIdParam, req.params, 'params').contentId);
    const { ref, item } = await reach(req, 'read');
    const meta = await getMessageMeta(store.conn, item.sha256);
    const attachments = meta?.attachments ?? [];
    const index = attachments.findIndex((a) => a.contentId && bareContentId(a.contentId) === cid);
    const attachment = attachments[index];
    if (!attachment || !isViewableImage(attachment.contentType)) throw new HttpError(404, 'not_found', 'Inline image not found');
    // Images of a ticket view belong to that view, which was audited; direct requests are audited on their own.
    if (!res.locals.viewTicket) {
      await auditAccess(store, req.caller!, 'attachment', requestInfo(req), { archiveId: ref.archiveId, target: ref.id, details: { index, contentId: cid, inline: true } });
    }
    const body = await openAttachment(() => store.blobs.open(item.sha256), index, numberingOf(meta));
    if (!body) throw new HttpError(404, 'not_found', 'Inline image not found');
    res.set({
      'Content-Type': mediaType(attachment.contentType),
      'Content-Security-Policy': DOWNLOAD_CSP,
      // The sandboxed view has an opaque origin; same-origin CORP would keep its images out.
      'Cross-Origin-Resource-Policy': 'cross-origin',
    });
    await sendStream(res, log, body);
  });

  r.post('/messages/:id/restore', async (req, res) => {
    const ref = parseItemId(req.params.id);
    const input = parseInput(restoreBody, req.body ?? {});
    const item = await reachItem(store, req.caller!, ref, 'restore');
    const owner = await resolveRestoreMailbox(store, req.caller!, input.mailbox);
    if (input.onlineArchive && input.folder) refuseWellKnownInArchive(input.folder);
    const mailbox = input.onlineArchive ? await onlineArchiveOf(store, owner) : owner;
    const target = { mailbox, ...(input.onlineArchive ? { onlineArchive: true } : {}), ...(input.folderPath ? { folderPath: input.folderPath } : { folder: input.folder ?? 'inbox' }) };
    let restoredMessageId: string | undefined;
    let failure: unknown;
    try {
      restoredMessageId = await restoreToMailbox(deps.graph, store, item, target);
    } catch (err) {
      failure = err;
    }
    const outcome = failure === undefined ? { outcome: 'restored', restoredMessageId } : { outcome: 'failed', error: toHttpError(failure).code };
    await auditAccess(store, req.caller!, 'restore', requestInfo(req), { archiveId: ref.archiveId, target: ref.id, details: { ...target, ...outcome } });
    if (failure !== undefined) throw failure;
    res.status(201).json({ restoredMessageId });
  });

  return r;
}

import type { Readable } from 'node:stream';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { AttachmentStream } from 'mailparser';
import { DomainError } from '../errors';
import type { MessageDoc } from '../store/messages';
import { eachAttachment, numberingOf } from './mime-parts';
import { bareContentId } from './view';

/**
 * Graph takes a file under 3 MB in one POST (its base64 then fits the 4 MB request limit) and
 * one of 3 MB to 150 MB through an upload session, in ranges of at most 4 MB
 * (https://learn.microsoft.com/en-us/graph/outlook-large-attachments). Exchange refuses a
 * session for less than 2 MiB, so the threshold sits between the two.
 */
const UPLOAD_SESSION_FROM = 3_000_000;
/** 10 × 320 KiB: under the 4 MB a range may have. */
const RANGE_BYTES = 10 * 320 * 1024;
const RANGE_TIMEOUT_MS = 120_000;
const RANGE_ATTEMPTS = 3;

interface AttachmentFields {
  name: string;
  contentType: string;
  isInline: boolean;
  contentId?: string;
}

/**
 * Adds the archived message's attachments to the restored copy at `messagePath`, read from the
 * original one at a time (never the whole message in memory), in the order ingest listed them.
 */
export async function restoreAttachments(graph: Client, open: () => Readable, doc: Pick<MessageDoc, 'attachments' | 'parserVersion'>, messagePath: string): Promise<void> {
  const listed = doc.attachments;
  await eachAttachment(open, async (att, index) => {
    const meta = listed[index];
    if (!meta?.sha256) throw unreadable();
    const fields: AttachmentFields = {
      name: meta.filename || att.filename || `attachment-${index + 1}`,
      contentType: meta.contentType,
      isInline: meta.inline,
      ...(meta.contentId ? { contentId: bareContentId(meta.contentId) } : {}),
    };
    if (meta.size < UPLOAD_SESSION_FROM) await postAttachment(graph, messagePath, fields, att);
    else await uploadAttachment(graph, messagePath, fields, meta.size, att);
  }, numberingOf(doc));
}

/** The archive listed this attachment without reading it to the end: its size cannot be trusted. */
const unreadable = () =>
  new DomainError('unprocessable', 'message_unreadable', 'Part of this message could not be read when it was archived, so it cannot be restored through Microsoft Graph; download the .eml instead');

async function postAttachment(graph: Client, messagePath: string, fields: AttachmentFields, att: AttachmentStream): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of att.content) chunks.push(chunk as Buffer);
  await graph.api(`${messagePath}/attachments`).post({
    '@odata.type': '#microsoft.graph.fileAttachment', ...fields, contentBytes: Buffer.concat(chunks).toString('base64'),
  });
}

/**
 * An upload session: its URL is pre-authenticated and lives on Outlook's host, so the ranges go
 * with plain fetch and no bearer token (Graph refuses one there), in order, each retried a few
 * times; 200 until the last, which answers 201.
 */
async function uploadAttachment(graph: Client, messagePath: string, fields: AttachmentFields, size: number, att: AttachmentStream): Promise<void> {
  const session = await graph.api(`${messagePath}/attachments/createUploadSession`).post({ AttachmentItem: { attachmentType: 'file', ...fields, size } }) as { uploadUrl?: string };
  if (!session?.uploadUrl?.startsWith('https://')) throw new DomainError('upstream_failed', 'restore_failed', 'Microsoft Graph answered an upload session without an https upload URL');
  const url = session.uploadUrl;
  let offset = 0;
  for await (const range of ranges(att.content, RANGE_BYTES)) {
    if (offset + range.length > size) {
      offset += range.length;
      break;
    }
    await putRange(url, range, offset, size);
    offset += range.length;
  }
  if (offset !== size) {
    await fetch(url, { method: 'DELETE' }).catch(() => undefined);
    throw new DomainError('upstream_failed', 'restore_failed', `An attachment does not have the size the archive listed (${size} bytes)`);
  }
}

async function putRange(url: string, range: Buffer<ArrayBuffer>, offset: number, size: number): Promise<void> {
  const last = offset + range.length === size;
  for (let attempt = 1; ; attempt++) {
    let status = 0;
    try {
      const res = await fetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes ${offset}-${offset + range.length - 1}/${size}` },
        body: range,
        signal: AbortSignal.timeout(RANGE_TIMEOUT_MS),
      });
      status = res.status;
      await res.arrayBuffer();
      if (status === (last ? 201 : 200)) return;
    } catch {
      // A dropped connection or a timeout: the same range again.
    }
    const retriable = status === 0 || status === 429 || status >= 500;
    if (!retriable || attempt === RANGE_ATTEMPTS) {
      throw new DomainError('upstream_failed', 'restore_failed', `Uploading an attachment to the mailbox failed (HTTP ${status || 'connection lost'} at byte ${offset})`);
    }
    await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
  }
}

/** The stream in pieces of exactly `size` bytes (the last one shorter). */
async function* ranges(stream: Readable, size: number): AsyncGenerator<Buffer<ArrayBuffer>> {
  let pending: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    let data = chunk as Buffer;
    while (length + data.length >= size) {
      const take = size - length;
      yield Buffer.concat([...pending, data.subarray(0, take)]);
      data = data.subarray(take);
      pending = [];
      length = 0;
    }
    if (data.length) {
      pending.push(data);
      length += data.length;
    }
  }
  if (length) yield Buffer.concat(pending);
}

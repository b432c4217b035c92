import { createHash } from 'node:crypto';
import { encodeHeaderText as encodeWords, rfc5322Date } from '../journal/report-build';

/** A group post as the archive renders it: what Graph's posts listing gives, nothing fetched later. */
export interface PostForMime {
  id: string;
  from: { name: string; address: string };
  receivedDateTime: string;
  html: string;
  attachments: { name: string; contentType: string; contentBytes: string }[];
  /** Attachments Graph gives no bytes for (item and reference attachments): named in a header. */
  omitted: string[];
}

export interface ThreadForMime {
  groupId: string;
  groupName: string;
  groupMail: string;
  threadId: string;
  topic: string;
}

const CRLF = '\r\n';
/** Earlier posts named in References: the first and the latest ones, a bounded header however long the thread. */
const MAX_REFERENCES = 10;

/**
 * An RFC 5322 / MIME message for one post, byte-stable: every byte derives from the post, its
 * thread and the posts before it (no clock, no random boundary), so the same post yields the
 * same bytes and SHA-256 on every run and single-instance storage finds it. Message-ID derives
 * from the post id; In-Reply-To and References name the earlier posts of the thread, so that
 * threading rebuilds the conversation. `earlier`: the ids of the thread's posts before this one,
 * oldest first.
 */
export function postToMime(thread: ThreadForMime, post: PostForMime, earlier: string[]): Buffer {
  const domain = thread.groupMail.split('@')[1] ?? 'groups.invalid';
  const msgId = (postId: string) => `<${createHash('sha256').update(postId).digest('hex').slice(0, 32)}@${domain}>`;
  const references = earlier.length > MAX_REFERENCES ? [earlier[0]!, ...earlier.slice(-(MAX_REFERENCES - 1))] : earlier;
  const headers = [
    `From: ${address(post.from.name, post.from.address)}`,
    `To: ${address(thread.groupName, thread.groupMail)}`,
    `Subject: ${encodeWords(thread.topic)}`,
    `Date: ${rfc5322Date(new Date(post.receivedDateTime))}`,
    `Message-ID: ${msgId(post.id)}`,
    ...(earlier.length ? [`In-Reply-To: ${msgId(earlier[earlier.length - 1]!)}`, `References: ${references.map(msgId).join(`${CRLF} `)}`] : []),
    `Thread-Topic: ${encodeWords(thread.topic)}`,
    `X-M365Archive-Group-Id: ${thread.groupId}`,
    `X-M365Archive-Thread-Id: ${thread.threadId}`,
    `X-M365Archive-Post-Id: ${post.id}`,
    ...post.omitted.map((name) => `X-M365Archive-Omitted-Attachment: ${encodeWords(name)}`),
    'MIME-Version: 1.0',
  ];
  const html = { type: 'text/html; charset=utf-8', disposition: null, bytes: Buffer.from(post.html, 'utf8') };
  if (post.attachments.length === 0) return Buffer.from([...headers, ...partHeaders(html), '', base64Lines(html.bytes), ''].join(CRLF));
  const boundary = `=_m365archive_${createHash('sha256').update(post.id).digest('hex').slice(0, 24)}`;
  const parts = [html, ...post.attachments.map((a) => ({ type: `${safeType(a.contentType)}; ${param('name', a.name)}`, disposition: `attachment; ${param('filename', a.name)}`, bytes: Buffer.from(a.contentBytes, 'base64') }))];
  const body = parts.flatMap((p) => [`--${boundary}`, ...partHeaders(p), '', base64Lines(p.bytes)]);
  return Buffer.from([...headers, `Content-Type: multipart/mixed; boundary="${boundary}"`, '', ...body, `--${boundary}--`, ''].join(CRLF));
}

function partHeaders(p: { type: string; disposition: string | null }): string[] {
  return [`Content-Type: ${p.type}`, 'Content-Transfer-Encoding: base64', ...(p.disposition ? [`Content-Disposition: ${p.disposition}`] : [])];
}

function base64Lines(bytes: Buffer): string {
  return (bytes.toString('base64').match(/.{1,76}/g) ?? ['']).join(CRLF);
}

const safeType = (t: string) => (/^[\w.+-]+\/[\w.+-]+$/.test(t) ? t.toLowerCase() : 'application/octet-stream');

/** A MIME parameter: quoted when ASCII, RFC 2231 (UTF-8, percent-encoded) otherwise. */
function param(key: string, value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return `${key}="${value.replace(/["\\]/g, '\\$&')}"`;
  return `${key}*=utf-8''${encodeURIComponent(value).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

function address(name: string, mail: string): string {
  if (!name || name === mail) return `<${mail}>`;
  const shown = /^[\x20-\x7e]*$/.test(name) ? `"${name.replace(/["\\]/g, '\\$&')}"` : encodeWords(name);
  return `${shown} <${mail}>`;
}

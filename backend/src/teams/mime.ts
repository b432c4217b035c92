import { createHash } from 'node:crypto';
import type { ChatMessage } from '@microsoft/microsoft-graph-types';

/** A chat or a channel: the conversation a chat line belongs to. */
export interface Conversation {
  kind: 'chat' | 'channel';
  /** chatId, or teamId/channelId. */
  id: string;
  /** The chat's topic (or its members' names), or "Team / Channel". */
  title: string;
  /** Who takes part; their addresses name senders and, for chats, the recipients. */
  members: { userId: string; name: string; address: string }[];
}

export type ChatEvent = 'created' | 'edited' | 'deleted' | 'updated';

/** Where the original Graph JSON sits in the MIME: the HTML links to it, so it is part of the message, not an attachment. */
const JSON_CID = 'graph-chatmessage@teams.invalid';

/**
 * One version of a chat message as a MIME message. A function of the message's Graph JSON and
 * its conversation alone (no clock, no random boundary): the same version renders to the same
 * bytes, so a rerun stores nothing new. An edit or a deletion is a new version (a new
 * lastModifiedDateTime), hence its own message beside the earlier ones: the archive keeps every
 * state it saw. The conversation's lines share Subject, Thread-Topic and References (the
 * conversation's id), which is what groups them; the HTML is sanitised at view time, like mail.
 */
export function renderChatMessage(raw: string, msg: ChatMessage, conv: Conversation): Buffer {
  const { event, at } = eventOf(msg);
  const convTag = hash(conv.id).slice(0, 20);
  const boundary = `=_teams_${hash(raw).slice(0, 24)}`;
  const sender = senderOf(msg, conv);
  const to = conv.kind === 'chat' && conv.members.length > 0
    ? conv.members.map((m) => address(m.name, m.address)).join(',\r\n ')
    : address(conv.title, `channel-${convTag}@teams.invalid`);
  const root = `<conversation-${convTag}@teams.invalid>`;
  const refs = msg.replyToId ? `${root} <${msg.replyToId}.${convTag}@teams.invalid>` : root;
  const label = conv.kind === 'chat' ? 'Teams chat' : 'Teams channel';
  const headers = [
    `From: ${sender}`,
    `To: ${to}`,
    `Subject: ${word(`${label}: ${conv.title}`)}`,
    `Date: ${rfc5322(at)}`,
    `Message-ID: <${msg.id}.${hash(`${msg.etag}|${msg.lastModifiedDateTime}`).slice(0, 12)}.${convTag}@teams.invalid>`,
    `In-Reply-To: ${msg.replyToId ? `<${msg.replyToId}.${convTag}@teams.invalid>` : root}`,
    `References: ${refs}`,
    `Thread-Topic: ${word(conv.title)}`,
    `X-MS-Teams-Kind: ${conv.kind}`,
    `X-MS-Teams-Conversation: ${conv.id}`,
    `X-MS-Teams-Message-Id: ${msg.id}`,
    `X-MS-Teams-Event: ${event}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/related; boundary="${boundary}"; type="text/html"`,
  ];
  const parts = [
    [`--${boundary}`, 'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: base64', '', base64(htmlOf(msg, conv, event, at))],
    [`--${boundary}`, 'Content-Type: application/json; charset=utf-8; name="chatMessage.json"', 'Content-Transfer-Encoding: base64', `Content-ID: <${JSON_CID}>`, 'Content-Disposition: inline; filename="chatMessage.json"', '', base64(raw)],
  ];
  return Buffer.from([...headers, '', ...parts.flat(), `--${boundary}--`, ''].join('\r\n'), 'utf8');
}

/** What this version records, and when it happened. */
export function eventOf(msg: ChatMessage): { event: ChatEvent; at: string } {
  if (msg.deletedDateTime) return { event: 'deleted', at: msg.deletedDateTime };
  if (msg.lastEditedDateTime) return { event: 'edited', at: msg.lastEditedDateTime };
  const created = msg.createdDateTime ?? msg.lastModifiedDateTime ?? '1970-01-01T00:00:00Z';
  if (msg.lastModifiedDateTime && Date.parse(msg.lastModifiedDateTime) > Date.parse(created)) return { event: 'updated', at: msg.lastModifiedDateTime };
  return { event: 'created', at: created };
}

function senderOf(msg: ChatMessage, conv: Conversation): string {
  const user = msg.from?.user;
  const app = msg.from?.application;
  if (user?.id) {
    const member = conv.members.find((m) => m.userId === user.id);
    return address(user.displayName ?? member?.name ?? '', member?.address ?? `${user.id}@users.teams.invalid`);
  }
  if (app?.id) return address(app.displayName ?? 'App', `${app.id}@apps.teams.invalid`);
  return address('Microsoft Teams', 'system@teams.invalid');
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ESC[c]!);

function htmlOf(msg: ChatMessage, conv: Conversation, event: ChatEvent, at: string): string {
  const name = (id: string | null | undefined, fallback?: string | null) => conv.members.find((m) => m.userId === id)?.name ?? fallback ?? 'someone';
  const body = event === 'deleted' ? '<p><i>This message was deleted.</i></p>' : msg.body?.contentType === 'text' ? `<p>${esc(msg.body.content ?? '')}</p>` : (msg.body?.content ?? '');
  const files = (msg.attachments ?? []).map((a) => `<li>${a.contentUrl ? `<a href="${esc(a.contentUrl)}">${esc(a.name ?? a.contentUrl)}</a>` : esc(a.name ?? a.contentType ?? 'attachment')}</li>`);
  const reactions = (msg.reactions ?? []).map((r) => `${esc(r.reactionType ?? '')} (${esc(name(r.user?.user?.id, r.user?.user?.displayName))})`);
  return [
    `<div class="teams-line" data-kind="${conv.kind}" data-event="${event}">`,
    `<div class="teams-body">${body}</div>`,
    // Sender and time are the From and Date headers; a later version says what changed, and when.
    event === 'created' ? '' : `<p class="teams-event"><i>${event[0]!.toUpperCase()}${event.slice(1)} ${esc(at)}; first posted ${esc(msg.createdDateTime ?? '')}</i></p>`,
    files.length ? `<ul class="teams-files">${files.join('')}</ul>` : '',
    reactions.length ? `<p class="teams-reactions">Reactions: ${reactions.join(', ')}</p>` : '',
    `<p class="teams-source"><a href="cid:${JSON_CID}">Original Graph JSON</a></p>`,
    '</div>',
  ].join('\r\n');
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex');
const base64 = (s: string) => Buffer.from(s, 'utf8').toString('base64').replace(/.{76}(?=.)/g, '$&\r\n');
const rfc5322 = (iso: string) => new Date(iso).toUTCString().replace(/GMT$/, '+0000');

/** A display name as a quoted string, or an RFC 2047 encoded word when it is not ASCII. */
export function word(s: string): string {
  return /^[\x20-\x7e]*$/.test(s) ? s : `=?UTF-8?B?${Buffer.from(s).toString('base64')}?=`;
}

function address(name: string, addr: string): string {
  if (!name) return `<${addr}>`;
  return /^[\x20-\x7e]*$/.test(name) ? `"${name.replace(/["\\]/g, '\\$&')}" <${addr}>` : `${word(name)} <${addr}>`;
}

import { randomUUID } from 'node:crypto';
import type { Recipient } from '@microsoft/microsoft-graph-types';

function addressList(list: unknown): string {
  if (!Array.isArray(list)) return '';
  return (list as Recipient[])
    .map((r) => r.emailAddress?.address)
    .filter((a): a is string => Boolean(a))
    .map((a) => `<${a}>`)
    .join(', ');
}

const encodeWord = (s: string) => (/^[\x20-\x7e]*$/.test(s) ? s : `=?UTF-8?B?${Buffer.from(s).toString('base64')}?=`);

/** A draft created from JSON is stored as MIME like any other item, so $value works for it too. */
export function buildMimeFromJson(msg: Record<string, unknown>, owner: string): Buffer {
  const body = (msg.body ?? {}) as { contentType?: string; content?: string };
  const html = String(body.contentType ?? '').toLowerCase() === 'html';
  const lines = [
    `From: <${owner}>`,
    ...(addressList(msg.toRecipients) ? [`To: ${addressList(msg.toRecipients)}`] : []),
    ...(addressList(msg.ccRecipients) ? [`Cc: ${addressList(msg.ccRecipients)}`] : []),
    `Subject: ${encodeWord(typeof msg.subject === 'string' ? msg.subject : '')}`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomUUID()}@${owner.split('@')[1] ?? 'emulator.invalid'}>`,
    'MIME-Version: 1.0',
    `Content-Type: ${html ? 'text/html' : 'text/plain'}; charset=utf-8`,
    'Content-Transfer-Encoding: base64',
    '',
    (Buffer.from(body.content ?? '').toString('base64').match(/.{1,76}/g) ?? []).join('\r\n'),
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_USERS } from '../../emulator/src/index';
import { ADMIN, createProfile, runProfile } from '../archiving/helpers';
import { corpusDir } from '../helpers/corpus';
import type { Stack } from '../helpers/stack';

export const MEGAN = DEMO_USERS.megan;
export const ALEX = DEMO_USERS.alex;

/** Real mail from the shared corpus that the demo seed does not put into Megan's mailbox. */
export const CORPUS_EXTRAS = {
  /** HTML spam with a <script> and remote images. */
  scriptedHtml: 'spamassassin-spam/00028.ace98eff213f4e6314b5571aece625e1',
  /** multipart/related HTML whose image is a cid: part. */
  inlineImage: 'enmime/html-mime-inline.raw',
  /** A kernel-list mail with a "From " line in its body. */
  fromLine: 'lore-linux-s390/339efa7457f31e234c1ac236d8d5d574778f12ef.eml',
} as const;

export function corpusBytes(path: string): Buffer | null {
  const dir = corpusDir();
  return dir ? readFileSync(join(dir, path)) : null;
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Puts `extra` messages into Megan's inbox, then archives her mailbox through the real crawl; the profile's id. */
export async function archiveMegan(stack: Stack, extra: Buffer[] = []): Promise<string> {
  for (const mime of extra) await stack.emulator.tenant.addMessage(MEGAN.upn, 'inbox', mime);
  const id = await createProfile(stack, ADMIN, { name: 'Megan', source: { kind: 'single-mailbox', mailbox: MEGAN.upn } });
  const run = await runProfile(stack, id);
  assert.equal(run.status, 'succeeded', JSON.stringify(run.mailboxes?.map((m: any) => m.recentErrors)));
  return id;
}

export interface StoredItem {
  _id: string;
  archiveId: string;
  sha256: string;
  subject: string;
  folder: string;
  receivedAt: Date;
  size: number;
  hasAttachments: boolean;
}

export async function itemsOf(stack: Stack, archiveId: string): Promise<StoredItem[]> {
  return stack.store.db.collection<StoredItem>('items').find({ archiveId }).toArray();
}

export async function itemBySha(stack: Stack, archiveId: string, sha: string): Promise<StoredItem> {
  const item = (await itemsOf(stack, archiveId)).find((i) => i.sha256 === sha);
  assert.ok(item, `archive ${archiveId} holds ${sha}`);
  return item;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  bytes: Buffer;
  json(): any;
}

/** An API call whose answer is kept as bytes (downloads), as `user` with an emulator-signed token. */
export async function rawApi(stack: Stack, user: string | null, method: string, path: string, body?: unknown): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  if (user) headers.authorization = `Bearer ${await stack.emulator.issueUserToken(user)}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${stack.backend.url}/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, json: () => JSON.parse(bytes.toString('utf8')) };
}

export const messagePath = (id: string) => `/messages/${encodeURIComponent(id)}`;

export async function auditEntries(stack: Stack, filter: Record<string, unknown> = {}): Promise<any[]> {
  return stack.store.db.collection('audit').find(filter).sort({ _id: 1 }).toArray();
}

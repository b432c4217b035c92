import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { nest, unnest } from './cursor';
import { kindOf, type FileKind } from './kinds';
import { mboxRegion, readMbox, type MboxFormat } from './mbox';
import { convertMsg, unexpected, type OutlookWorker } from './outlook';
import { ImportInputError, type ImportLimits, type ImportSource, type SourceEvent, type SourceTotals } from './types';
import { zipEvents } from './zip';

export interface FileContext {
  limits: ImportLimits;
  mboxFormat: MboxFormat;
  pstPassword?: string;
  /** The Outlook reader of this import, started on first use. */
  outlook(): OutlookWorker;
  signal: AbortSignal;
}

/** A file or folder on disk (an upload, or a path under the allowed import folders). */
export function fileSource(path: string, label: string, ctx: Omit<FileContext, 'signal'>): ImportSource {
  return {
    label,
    async *events(cursor, signal) {
      const info = await stat(path);
      if (info.isDirectory()) {
        yield* treeEvents(path, label, cursor, { ...ctx, signal });
        return;
      }
      yield { kind: 'totals', scope: 'all', bytes: info.size };
      const kind = await kindOf(path, label);
      yield* fileEvents(path, label, '', kind, cursor, { ...ctx, signal });
    },
  };
}

/** Messages up to this size are read into memory; larger ones are streamed from the file. */
const HOLD_BYTES = 1024 * 1024;
const DONE = 'end';
/** Files a mail server keeps beside its messages: not mail, not worth an error. */
const SERVER_FILES = /^(\.|dovecot|maildirfolder$|subscriptions$|courier|\.uidvalidity)/i;

const folderJoin = (...parts: string[]) => parts.filter(Boolean).join('/');
const baseName = (name: string) => basename(name).replace(/\.(mbox|mbx)(\.txt)?$/i, '').replace(/\.txt$/i, '');

/**
 * The events of one file, whatever it holds. `folder` is where its messages go; an mbox inside
 * a folder or zip adds its own name (as mail programs show mbox files as folders).
 */
export async function* fileEvents(path: string, label: string, folder: string, kind: FileKind, cursor: string | null, ctx: FileContext, nested = false): AsyncGenerator<SourceEvent> {
  if (cursor === DONE) return;
  const fail = (err: unknown): SourceEvent => failure(err, label, folder, DONE);
  try {
    switch (kind) {
      case 'mbox':
        yield* mboxEvents(path, label, nested ? folderJoin(folder, baseName(label)) : folder, cursor, ctx);
        return;
      case 'pst':
        yield* pstEvents(path, label, folder, cursor, ctx);
        return;
      case 'zip':
        yield* zipEvents(path, label, folder, cursor, ctx);
        return;
      case 'eml':
        yield await emlEvent(path, label, folder, ctx);
        return;
      case 'msg':
        yield await msgEvent(path, label, folder, ctx);
        return;
      default:
        throw new ImportInputError('NOT_MAIL', 'not a mail file this import reads (mbox, .eml, .msg, PST/OST, Maildir or a zip of these)', label);
    }
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    yield fail(err);
  }
}

export function failure(err: unknown, where: string, folder: string, cursor: string): SourceEvent {
  const code = err instanceof ImportInputError ? err.code : ((err as { code?: string }).code ?? 'READ_FAILED');
  const message = err instanceof ImportInputError && err.file ? err.message.slice(err.file.length + 2) : (err as Error).message;
  return { kind: 'failure', cursor, folder, where, code, message };
}

async function* mboxEvents(path: string, label: string, folder: string, cursor: string | null, ctx: FileContext): AsyncGenerator<SourceEvent> {
  const format = ctx.mboxFormat;
  for await (const m of readMbox(path, cursor ? Number(cursor) : 0, { format, maxMessageBytes: ctx.limits.maxMessageBytes, holdBytes: HOLD_BYTES }, ctx.signal)) {
    const where = `${label} › message at byte ${m.start}`;
    const base = { cursor: String(m.next), folder, where, bytesRead: m.next };
    if (m.tooLarge) {
      yield { ...base, kind: 'failure', code: 'MESSAGE_TOO_LARGE', message: `larger than the limit of ${ctx.limits.maxMessageBytes} bytes` };
    } else {
      yield { ...base, kind: 'message', content: m.held ?? (() => mboxRegion(path, m, format)), ...(m.envelopeDate ? { receivedAt: m.envelopeDate } : {}) };
    }
  }
}

async function emlEvent(path: string, label: string, folder: string, ctx: FileContext): Promise<SourceEvent> {
  const { size } = await stat(path);
  const base = { cursor: DONE, folder, where: label, bytesRead: size };
  if (size > ctx.limits.maxMessageBytes) return { ...base, kind: 'failure', code: 'MESSAGE_TOO_LARGE', message: `larger than the limit of ${ctx.limits.maxMessageBytes} bytes` };
  const delivered = /^(\d{9,10})\./.exec(basename(path));
  return {
    ...base,
    kind: 'message',
    content: size <= HOLD_BYTES ? await readFile(path) : () => createReadStream(path),
    ...(delivered ? { receivedAt: new Date(Number(delivered[1]) * 1000) } : {}),
  };
}

async function msgEvent(path: string, label: string, folder: string, ctx: FileContext): Promise<SourceEvent> {
  const { size } = await stat(path);
  if (size > ctx.limits.maxMessageBytes) throw new ImportInputError('MESSAGE_TOO_LARGE', `larger than the limit of ${ctx.limits.maxMessageBytes} bytes`, label);
  const original = await readFile(path);
  const item = await convertMsg(ctx.outlook(), original, label);
  return msgMessage(item.mime!, original, label, folder, size, item.receivedAt, item.lost);
}

/**
 * A converted .msg with the original file attached to it, byte for byte, so that nothing the
 * conversion dropped is lost: the archive's copy carries both.
 */
export function msgMessage(mime: Uint8Array, original: Buffer, label: string, folder: string, bytesRead: number, receivedAt?: number, lost: string[] = []): SourceEvent {
  return {
    kind: 'message',
    cursor: DONE,
    folder,
    where: label,
    bytesRead,
    content: withOriginal(Buffer.from(mime.buffer, mime.byteOffset, mime.byteLength), original, basename(label)),
    lost,
    ...(receivedAt ? { receivedAt: new Date(receivedAt) } : {}),
  };
}

/** Wraps a converted message and its original .msg in multipart/mixed. */
function withOriginal(mime: Buffer, original: Buffer, name: string): Buffer {
  const split = mime.indexOf('\r\n\r\n');
  const headers = mime.subarray(0, split).toString('latin1').split(/\r\n(?![ \t])/);
  const isBody = (h: string) => /^(content-[a-z-]+|mime-version)\s*:/i.test(h);
  const boundary = `----=_original_msg_${original.length.toString(36)}_${Date.now().toString(36)}`;
  const safeName = name.replace(/["\\\r\n]/g, '_');
  const encodedName = /^[\x20-\x7e]*$/.test(safeName) ? `"${safeName}"` : `"=?UTF-8?B?${Buffer.from(safeName).toString('base64')}?="`;
  const outer = [
    ...headers.filter((h) => !isBody(h)),
    'X-Archive-Import: converted from Outlook .msg; the original is attached',
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
  ].join('\r\n');
  const inner = headers.filter(isBody).filter((h) => !/^mime-version/i.test(h)).join('\r\n');
  const base64 = original.toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.concat([
    Buffer.from(`${outer}\r\n\r\n--${boundary}\r\n${inner}\r\n\r\n`, 'latin1'),
    mime.subarray(split + 4),
    Buffer.from(`\r\n--${boundary}\r\nContent-Type: application/vnd.ms-outlook; name=${encodedName}\r\nContent-Disposition: attachment; filename=${encodedName}\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64}\r\n--${boundary}--\r\n`, 'latin1'),
  ]);
}

async function* pstEvents(path: string, label: string, folder: string, cursor: string | null, ctx: FileContext): AsyncGenerator<SourceEvent> {
  const worker = ctx.outlook();
  const opened = await worker.ask({ op: 'open-pst', path, label, cursor, ...(ctx.pstPassword !== undefined ? { password: ctx.pstPassword } : {}) });
  if (opened.op !== 'opened') throw unexpected(opened, label);
  const { size } = await stat(path);
  yield { kind: 'totals', scope: 'all', messages: opened.messages };
  for (const problem of opened.folderErrors) yield { kind: 'failure', cursor: cursor ?? '0:-1', folder, where: problem, code: 'PST_FOLDER_UNREADABLE', message: problem };
  let done = 0;
  for (;;) {
    ctx.signal.throwIfAborted();
    const next = await worker.ask({ op: 'next' });
    if (next.op === 'end') return;
    if (next.op !== 'item') throw unexpected(next, label);
    const { item } = next;
    done++;
    const base = { cursor: item.cursor, folder: folderJoin(folder, item.folder), where: item.where, bytesRead: Math.min(size, Math.round((size * done) / Math.max(1, opened.messages))) };
    if (item.error || !item.mime) {
      yield { ...base, kind: 'failure', code: 'PST_ITEM_UNREADABLE', message: item.error ?? 'the item has no content' };
    } else {
      const mime = Buffer.from(item.mime.buffer, item.mime.byteOffset, item.mime.byteLength);
      yield { ...base, kind: 'message', content: mime, lost: item.lost ?? [], ...(item.receivedAt ? { receivedAt: new Date(item.receivedAt) } : {}) };
    }
  }
}

interface TreeFile {
  path: string;
  rel: string[];
  size: number;
  folder: string;
}

/**
 * A folder: Maildir (cur/ and new/, Maildir++ `.Sub.Folder` children), trees of .eml files,
 * mbox files, .msg files, PSTs and zips, in one fixed order (names sorted at every level), each
 * file's messages in the folder its path names.
 */
export async function* treeEvents(root: string, label: string, cursor: string | null, ctx: FileContext): AsyncGenerator<SourceEvent> {
  const files: TreeFile[] = [];
  await walk(root, [], [], files);
  yield { kind: 'totals', scope: 'all', bytes: files.reduce((n, f) => n + f.size, 0) };
  const from = unnest(cursor);
  const fromRel = from ? String(from.key).split('/') : null;
  let base = 0;
  for (const file of files) {
    const order = fromRel ? compareSegments(file.rel, fromRel) : 1;
    if (order < 0) {
      base += file.size;
      continue;
    }
    const key = file.rel.join('/');
    const kind = await kindOf(file.path, basename(file.path));
    if (kind === 'unknown' && SERVER_FILES.test(basename(file.path))) continue;
    for await (const event of fileEvents(file.path, `${label}/${key}`, file.folder, kind, order === 0 ? from!.inner : null, ctx, true)) {
      yield event.kind === 'totals' ? asMore(event) : { ...event, cursor: nest(key, event.cursor), bytesRead: base + Math.min(file.size, event.bytesRead ?? 0) };
    }
    base += file.size;
  }
}

/** A contained file's size is part of its container's: only its messages add to the total. */
export const asMore = (t: SourceTotals): SourceTotals => ({ kind: 'totals', scope: 'more', ...(t.messages !== undefined ? { messages: t.messages } : {}) });

function compareSegments(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length - b.length;
}

async function walk(dir: string, rel: string[], folder: string[], out: TreeFile[]): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const names = new Set(entries.filter((e) => e.isDirectory()).map((e) => e.name));
  const maildir = names.has('cur') || names.has('new');
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (maildir && entry.name === 'tmp') continue;
      // A Maildir's cur/ and new/ hold its own messages; Maildir++ names subfolders `.A.B`.
      const sub = maildir && (entry.name === 'cur' || entry.name === 'new') ? folder : maildirName(entry.name, folder, maildir);
      await walk(path, [...rel, entry.name], sub, out);
    } else if (entry.isFile()) {
      out.push({ path, rel: [...rel, entry.name], size: (await stat(path)).size, folder: folder.join('/') });
    }
  }
}

function maildirName(name: string, parent: string[], inMaildir: boolean): string[] {
  if (inMaildir && name.startsWith('.') && name.length > 1) return [...parent, ...name.slice(1).split('.').filter(Boolean)];
  return [...parent, name];
}

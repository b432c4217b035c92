import { Readable } from 'node:stream';
import { archiveStored, storeMessage, type ArchiveEntry, type StoredMessage } from '../ingest';
import { Limiter } from '../limiter';
import type { Logger } from '../log';
import type { Store } from '../store';
import { addImportNotes, saveImportProgress, type ImportDoc, type ImportNote, type ImportProgress } from '../store/imports';
import type { ImportSource, SourceEvent, SourceMessage } from './types';

/** Messages read ahead and stored together; their items are added in one batch of writes. */
const ROUND_MESSAGES = 64;
/** Bytes of held messages a round may collect before it is stored. */
const ROUND_BYTES = 16 * 1024 * 1024;
/** Messages of one import stored at once (the process's ingest slots cap all sources together). */
const STORE_PARALLEL = 4;
/** Progress is written at most this often (and at the end). */
const SAVE_EVERY_MS = 1000;

export function freshProgress(id: string): ImportProgress {
  return { _id: id, state: 'queued', cursor: null, bytesRead: 0, bytesTotal: null, messagesTotal: null, archived: 0, duplicate: 0, failed: 0, lossy: 0, folders: [], activeMs: 0, updatedAt: new Date(), error: null };
}

interface Round {
  events: SourceEvent[];
  done: boolean;
}

/**
 * Runs one import from its checkpoint to the end of its source, or until `signal` stops it. Each
 * round of messages is stored (blob, parsed document) a few at a time, added to the archive in
 * one batch, and only then does the checkpoint move past it: a crash repeats at most one round,
 * whose items the archive already holds and recognises as added by this import (`unit`), so a
 * message is never imported twice and the counts stay right. While a round is stored the next
 * one is read. Items that cannot be read or stored are counted and noted with their place and
 * reason; what a conversion lost is noted too.
 */
export interface RunOptions {
  signal: AbortSignal;
  log: Logger;
  maxMessageBytes: number;
  /** After each saved checkpoint (an IMAP account's sync state follows it). */
  onCheckpoint?: (cursor: string | null) => Promise<void>;
}

export async function runImport(store: Store, imp: ImportDoc, source: ImportSource, progress: ImportProgress, opts: RunOptions): Promise<ImportProgress> {
  const { signal, log, maxMessageBytes, onCheckpoint } = opts;
  const p: ImportProgress = { ...progress, state: 'running', error: null };
  const startCounts = p.archived + p.duplicate + p.failed;
  const folders = new Map(p.folders.map((f) => [f.path, { ...f }]));
  const limiter = new Limiter(STORE_PARALLEL);
  // Notes continue the numbering of the last checkpoint's.
  let seq = p.failed + p.lossy;
  let clock = Date.now();
  let savedAt = 0;
  const save = async (force = false) => {
    const now = Date.now();
    p.activeMs += now - clock;
    clock = now;
    if (!force && now - savedAt < SAVE_EVERY_MS) return;
    savedAt = now;
    p.folders = [...folders.values()];
    p.updatedAt = new Date();
    await saveImportProgress(store.conn, p);
    await onCheckpoint?.(p.cursor);
  };
  const count = (folder: string, key: 'archived' | 'duplicate' | 'failed') => {
    const f = folders.get(folder) ?? { path: folder, archived: 0, duplicate: 0, failed: 0 };
    f[key]++;
    folders.set(folder, f);
    p[key]++;
  };
  const folderOf = (folder: string) => [imp.options.folderPrefix, folder].filter(Boolean).join('/');
  const note = (e: { where: string; folder: string; cursor: string }, kind: ImportNote['kind'], code: string, message: string, sha256: string | null = null): ImportNote => ({
    _id: `${imp._id}:${kind}:${e.cursor}`, importId: imp._id, seq: seq++, kind, where: e.where, folder: folderOf(e.folder), code, message, sha256, at: new Date(),
  });

  const processRound = async (round: Round) => {
    const notes: ImportNote[] = [];
    const messages = round.events.filter((e): e is SourceMessage => e.kind === 'message');
    const stored = await Promise.all(messages.map((m) => limiter.run(() => storeOne(store, m, maxMessageBytes)).catch((err: unknown) => err as Error)));
    const entries: ArchiveEntry[] = [];
    stored.forEach((s, i) => {
      if (!(s instanceof Error)) {
        entries.push({ archiveId: imp.archiveId, folder: folderOf(messages[i]!.folder), ...(messages[i]!.receivedAt ? { receivedAt: messages[i]!.receivedAt } : {}), source: { kind: 'import', file: imp.label }, stored: s, unit: `import:${imp._id}` });
      }
    });
    const statuses = entries.length > 0 ? await archiveStored(store, entries) : [];
    let k = 0;
    for (const e of round.events) {
      if (e.kind === 'totals') {
        if (e.scope === 'all') {
          if (e.bytes !== undefined) p.bytesTotal = e.bytes;
          if (e.messages !== undefined) p.messagesTotal = e.messages;
        } else {
          if (e.messages !== undefined) p.messagesTotal = Math.max(p.messagesTotal ?? 0, startCounts) + e.messages;
          if (e.bytes !== undefined) p.bytesTotal = (p.bytesTotal ?? p.bytesRead) + e.bytes;
        }
        continue;
      }
      p.cursor = e.cursor;
      if (e.kind === 'failure') {
        count(folderOf(e.folder), 'failed');
        notes.push(note(e, 'failed', e.code, e.message));
        continue;
      }
      const result: StoredMessage | Error = stored[messages.indexOf(e)]!;
      if (result instanceof Error) {
        count(folderOf(e.folder), 'failed');
        notes.push(note(e, 'failed', (result as { code?: string }).code ?? 'STORE_FAILED', result.message));
        continue;
      }
      count(folderOf(e.folder), statuses[k++] === 'duplicate' ? 'duplicate' : 'archived');
      if (e.lost && e.lost.length > 0) {
        p.lossy++;
        notes.push(note(e, 'lossy', 'CONVERSION_LOST', e.lost.join('; '), result.sha256));
      }
      p.bytesRead = e.bytesRead !== undefined ? Math.max(p.bytesRead, e.bytesRead) : p.bytesRead + sizeOf(e, result);
    }
    await addImportNotes(store.conn, notes);
    await save();
  };

  const iterator = source.events(p.cursor, signal)[Symbol.asyncIterator]();
  try {
    await save(true);
    let next = collect(iterator);
    for (;;) {
      const round = await next;
      // Read ahead while this round is stored.
      next = round.done ? Promise.resolve({ events: [], done: true }) : collect(iterator);
      next.catch(() => undefined);
      if (round.events.length > 0) await processRound(round);
      signal.throwIfAborted();
      if (round.done) break;
    }
    p.state = 'done';
  } catch (err) {
    await iterator.return?.(undefined).catch(() => undefined);
    if (signal.aborted) throw err;
    log.warn({ err, importId: imp._id }, 'import stopped by an error');
    p.state = 'failed';
    p.error = (err as Error).message;
  }
  await save(true);
  return p;
}

async function collect(iterator: AsyncIterator<SourceEvent>): Promise<Round> {
  const events: SourceEvent[] = [];
  let messages = 0;
  let bytes = 0;
  while (messages < ROUND_MESSAGES && bytes < ROUND_BYTES) {
    const next = await iterator.next();
    if (next.done) return { events, done: true };
    events.push(next.value);
    if (next.value.kind === 'message') {
      messages++;
      if (Buffer.isBuffer(next.value.content)) bytes += next.value.content.length;
    }
  }
  return { events, done: false };
}

function storeOne(store: Store, m: SourceMessage, maxBytes: number): Promise<StoredMessage> {
  const content = Buffer.isBuffer(m.content) ? Readable.from([m.content]) : m.content();
  return storeMessage(store, content, { maxBytes });
}

function sizeOf(e: SourceMessage, stored: StoredMessage): number {
  return Buffer.isBuffer(e.content) ? e.content.length : stored.size;
}

import type { ImapFlow, ListResponse } from 'imapflow';
import { ImportInputError, type ImportSource, type SourceEvent } from './types';

export interface ImapSpec {
  host: string;
  port: number;
  /** implicit: TLS from the first byte (993); starttls: upgrade, refusing a server that cannot; none: loopback and tests only. */
  tls: 'implicit' | 'starttls' | 'none';
  user: string;
  auth: 'password' | 'xoauth2';
  /** Folder paths as the server names them; empty for all. */
  folders: string[];
  /** Accept a certificate no trusted authority signed (a self-signed server). */
  allowUntrusted?: boolean;
}

/** Per folder path: `uidvalidity:last uid imported`. */
export type ImapState = Record<string, string>;

interface ImapCursor {
  /** The folder the cursor's last message came from. */
  at: string;
  state: ImapState;
}

/**
 * An IMAP account: every folder (or the chosen ones) in name order, each message fetched whole
 * with BODY.PEEK[] (imapflow's `source`), byte for byte and without setting \Seen. Incremental:
 * the state of an earlier import of the same account (UIDVALIDITY and the last UID per folder)
 * makes a later one fetch only newer messages; a folder whose UIDVALIDITY changed is read again
 * (ingest turns what the archive holds into duplicates).
 */
export function imapSource(spec: ImapSpec, secret: string, previous: ImapState, maxMessageBytes: number): ImportSource {
  const label = `imap://${spec.user}@${spec.host}:${spec.port}`;
  return {
    label,
    async *events(cursor, signal) {
      const resume: ImapCursor = cursor ? (JSON.parse(cursor) as ImapCursor) : { at: '', state: previous };
      const client = await connectClient(spec, secret);
      const onAbort = () => void client.logout().catch(() => client.close());
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await client.connect().catch((err: unknown) => {
          throw new ImportInputError('IMAP_CONNECT_FAILED', describe(err), label);
        });
        const folders = await chosenFolders(client, spec, label);
        const state: ImapState = { ...resume.state };
        for (const folder of folders) {
          signal.throwIfAborted();
          yield* folderEvents(client, folder, state, label, maxMessageBytes, signal);
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
        await client.logout().catch(() => client.close());
      }
    },
  };
}

/** imapflow is loaded by the first IMAP import, not by every backend process (build.ts: LOADED_ON_FIRST_USE). */
async function connectClient(spec: ImapSpec, secret: string): Promise<ImapFlow> {
  const { ImapFlow } = await import('imapflow');
  return new ImapFlow({
    host: spec.host,
    port: spec.port,
    secure: spec.tls === 'implicit',
    doSTARTTLS: spec.tls === 'starttls' ? true : spec.tls === 'none' ? false : undefined,
    auth: spec.auth === 'xoauth2' ? { user: spec.user, accessToken: secret } : { user: spec.user, pass: secret },
    tls: { rejectUnauthorized: !spec.allowUntrusted },
    logger: false,
    disableAutoIdle: true,
  });
}

function describe(err: unknown): string {
  const e = err as { responseText?: string; authenticationFailed?: boolean; message?: string; code?: string };
  if (e.authenticationFailed) return `the server refused the login${e.responseText ? `: ${e.responseText}` : ''}`;
  return e.responseText || e.message || e.code || String(err);
}

async function chosenFolders(client: ImapFlow, spec: ImapSpec, label: string): Promise<ListResponse[]> {
  const all = (await client.list()).filter((f) => !f.flags.has('\\Noselect') && !f.flags.has('\\NonExistent'));
  all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (spec.folders.length === 0) return all;
  const wanted = new Set(spec.folders);
  const missing = spec.folders.filter((p) => !all.some((f) => f.path === p));
  if (missing.length > 0) throw new ImportInputError('IMAP_FOLDER_NOT_FOUND', `no such folder: ${missing.join(', ')}`, label);
  return all.filter((f) => wanted.has(f.path));
}

/** The archive path of an IMAP folder: its hierarchy with '/', INBOX as Inbox. */
export function archiveFolder(folder: Pick<ListResponse, 'path' | 'delimiter'>): string {
  const parts = folder.delimiter ? folder.path.split(folder.delimiter) : [folder.path];
  if (parts[0]?.toUpperCase() === 'INBOX') parts[0] = 'Inbox';
  return parts.map((p) => p.replace(/\//g, '_')).join('/');
}

async function* folderEvents(client: ImapFlow, folder: ListResponse, state: ImapState, label: string, maxBytes: number, signal: AbortSignal): AsyncGenerator<SourceEvent> {
  const lock = await client.getMailboxLock(folder.path, { readOnly: true });
  try {
    const mailbox = client.mailbox;
    if (!mailbox) return;
    const validity = String(mailbox.uidValidity);
    const [seenValidity, seenUid] = (state[folder.path] ?? '').split(':');
    const after = seenValidity === validity ? Number(seenUid) : 0;
    state[folder.path] = `${validity}:${after}`;
    const path = archiveFolder(folder);
    const cursor = (uid: number) => {
      state[folder.path] = `${validity}:${uid}`;
      return JSON.stringify({ at: folder.path, state } satisfies ImapCursor);
    };
    if (mailbox.exists === 0) return;
    // Sizes first: a message over the limit is reported, never fetched into memory.
    const uids: { uid: number; size: number }[] = [];
    for await (const m of client.fetch(`${after + 1}:*`, { uid: true, size: true }, { uid: true })) if (m.uid > after) uids.push({ uid: m.uid, size: m.size ?? 0 });
    yield { kind: 'totals', scope: 'more', messages: uids.length, bytes: uids.reduce((n, u) => n + u.size, 0) };
    for (const { uid, size } of uids) {
      signal.throwIfAborted();
      const where = `${label} › ${folder.path} › UID ${uid}`;
      if (size > maxBytes) {
        yield { kind: 'failure', cursor: cursor(uid), folder: path, where, code: 'MESSAGE_TOO_LARGE', message: `larger than the limit of ${maxBytes} bytes` };
        continue;
      }
      const m = await client.fetchOne(String(uid), { uid: true, source: true, internalDate: true }, { uid: true });
      if (!m || !m.source) {
        yield { kind: 'failure', cursor: cursor(uid), folder: path, where, code: 'IMAP_MESSAGE_GONE', message: 'the message was expunged before it could be fetched' };
        continue;
      }
      const received = m.internalDate ? new Date(m.internalDate) : undefined;
      yield { kind: 'message', cursor: cursor(uid), folder: path, where, content: m.source, ...(received && !Number.isNaN(received.getTime()) ? { receivedAt: received } : {}) };
    }
  } finally {
    lock.release();
  }
}

/** The per-folder state an import's cursor has reached, to start the next import of the account from. */
export function imapStateOf(cursor: string | null): ImapState | null {
  return cursor ? (JSON.parse(cursor) as ImapCursor).state : null;
}

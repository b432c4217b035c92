import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { fileSource, type FileContext } from '../../backend/src/import/files';
import { OutlookWorker } from '../../backend/src/import/outlook';
import type { SourceEvent, SourceFailure, SourceMessage } from '../../backend/src/import/types';

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export interface Collected {
  messages: (SourceMessage & { bytes: Buffer })[];
  failures: SourceFailure[];
  events: SourceEvent[];
}

/** Everything a file source yields, message bytes read, with its own Outlook worker (ended after). */
export async function readSource(path: string, label: string, opts: Partial<Omit<FileContext, 'signal' | 'outlook'>> = {}, cursor: string | null = null, stopAfter = Infinity): Promise<Collected> {
  let worker: OutlookWorker | null = null;
  const tmp = mkdtempSync(join(tmpdir(), 'import-test-'));
  const ctx = {
    limits: { maxMessageBytes: 50 * 1024 * 1024, maxZipBytes: 1024 ** 3, maxZipRatio: 200, tmpDir: tmp, ...opts.limits },
    mboxFormat: opts.mboxFormat ?? 'mboxrd',
    ...(opts.pstPassword !== undefined ? { pstPassword: opts.pstPassword } : {}),
    outlook: () => (worker ??= new OutlookWorker()),
  };
  const out: Collected = { messages: [], failures: [], events: [] };
  const controller = new AbortController();
  try {
    for await (const event of fileSource(path, label, ctx).events(cursor, controller.signal)) {
      out.events.push(event);
      if (event.kind === 'message') out.messages.push({ ...event, bytes: Buffer.isBuffer(event.content) ? event.content : await buffer(event.content()) });
      if (event.kind === 'failure') out.failures.push(event);
      if (out.messages.length + out.failures.length >= stopAfter) break;
    }
  } finally {
    await (worker as OutlookWorker | null)?.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}

export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'import-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

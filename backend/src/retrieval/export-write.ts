import { pipeline as pipelineCallback, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Store } from '../store';
import type { Item } from '../store/items';
import { safeFilename } from './download-headers';
import { MboxrdQuote, fromLine } from './mbox';

/**
 * Export writers. Messages are streamed one after the other from the blob store straight into
 * `out` (the HTTP response), with back-pressure, so memory does not grow with the export's size
 * (the zip writer keeps one central-directory record per entry, as the format requires). A failure
 * after the first byte cannot become an error status any more: `out` is destroyed, so that the
 * client sees a broken download rather than a silently short one.
 */

export async function writeMbox(store: Store, items: AsyncIterable<Item>, out: Writable): Promise<number> {
  let count = 0;
  for await (const item of items) {
    await write(out, Buffer.from(fromLine(item.from?.address, item.receivedAt)));
    // Not pipeline(…, out, { end: false }): that leaves listeners on `out`, one set per message.
    const quoted = pipelineCallback(store.blobs.open(item.sha256), new MboxrdQuote(), () => undefined);
    for await (const chunk of quoted) await write(out, chunk as Buffer);
    count++;
  }
  out.end();
  return count;
}

/** Writes with back-pressure; fails when the client has gone instead of waiting for a drain that never comes. */
function write(out: Writable, chunk: Buffer): Promise<void> {
  if (out.destroyed || out.writableEnded) return Promise.reject(new Error('the download was closed'));
  if (out.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = (err?: Error) => {
      out.off('drain', onDrain).off('close', onClose).off('error', settle);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(new Error('the download was closed'));
    out.on('drain', onDrain).on('close', onClose).on('error', settle);
  });
}

/** For packages that describe their content: each message's path, and files added after the messages. */
export interface ZipExtras {
  onEntry?(item: Item, path: string): void;
  /** Files added once every message is in, before the zip is finished (so before the download completes). */
  trailer?(): Promise<{ path: string; data: Buffer }[]>;
}

export async function writeZip(store: Store, items: AsyncIterable<Item>, out: Writable, extras: ZipExtras = {}): Promise<number> {
  const { ZipFile } = await import('yazl'); // loaded on first use (build.ts: LOADED_ON_FIRST_USE)
  const zip = new ZipFile();
  const names = new UniqueNames();
  const output = new OutputWatch(pipeline(zip.outputStream as Readable, out));
  let count = 0;
  try {
    for await (const item of items) {
      const path = entryPath(item, names);
      extras.onEntry?.(item, path);
      // One entry at a time: the next blob is opened only once the previous one is in the zip.
      await output.during((fail) => {
        zip.addReadStreamLazy(path, { mtime: item.receivedAt, compress: true }, (callback) => {
          const blob = store.blobs.open(item.sha256);
          output.current = blob;
          blob.once('end', fail.done);
          // yazl does not watch its input for errors; a damaged blob must fail the export.
          blob.once('error', fail.error);
          callback(null, blob);
        });
      });
      count++;
    }
    for (const file of (await extras.trailer?.()) ?? []) zip.addBuffer(file.data, names.take(file.path), { compress: true });
    zip.end();
    await output.finished;
    return count;
  } catch (err) {
    output.current?.destroy();
    (zip.outputStream as Readable).destroy(err as Error);
    throw err;
  }
}

/**
 * The zip's output pipeline, which rejects as soon as the client goes away: the entry being
 * written then fails at once instead of waiting forever for back-pressure to ease.
 */
class OutputWatch {
  current: Readable | null = null;
  private failure: Error | null = null;
  private failEntry: ((err: Error) => void) | null = null;

  constructor(readonly finished: Promise<void>) {
    finished.catch((err: Error) => {
      this.failure = err;
      this.failEntry?.(err);
    });
  }

  during(start: (fail: { done: () => void; error: (err: Error) => void }) => void): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.failEntry = reject;
      start({ done: () => resolve(), error: reject });
    }).finally(() => {
      this.failEntry = null;
    });
  }
}

/** `Inbox/Projects/2024-03-04 0915 Subject.eml`: the archive's folders, then date and subject, made unique. */
export function entryPath(item: Item, names: UniqueNames): string {
  const folders = item.folder
    .split('/')
    .map((segment) => safeFilename(segment, ''))
    .filter(Boolean);
  const stamp = item.receivedAt.toISOString().replace(/^(\d{4}-\d\d-\d\d)T(\d\d):(\d\d).*$/, '$1 $2$3');
  const name = safeFilename(`${stamp} ${item.subject || '(no subject)'}`, stamp);
  return names.take([...folders, `${name}.eml`].join('/'));
}

/** Zip readers overwrite or refuse entries of the same name; a second one gets " (2)" and so on. */
export class UniqueNames {
  private readonly taken = new Set<string>();

  take(path: string): string {
    let candidate = path;
    for (let n = 2; this.taken.has(candidate.toLowerCase()); n++) candidate = path.replace(/\.eml$/, ` (${n}).eml`);
    this.taken.add(candidate.toLowerCase());
    return candidate;
  }
}

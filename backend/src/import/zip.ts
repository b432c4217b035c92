import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Entry, ZipFile } from 'yauzl';
import { nest, unnest } from './cursor';
import { asMore, failure, fileEvents, type FileContext } from './files';
import { kindByName, sniff, type FileKind } from './kinds';
import { ImportInputError, type SourceEvent } from './types';

/** Entries smaller than this are never called a bomb, whatever their ratio. */
const BOMB_MIN_BYTES = 1024 * 1024;
const MAX_ZIP_DEPTH = 3;

/**
 * The messages of a zip: every entry as the file it is (mbox, .eml, .msg, PST, Maildir files,
 * another zip), its folder path kept. Entries are unpacked to a temporary file one at a time,
 * the zip's total and each entry's expansion ratio bounded (a zip bomb stops at the limit with
 * an error naming the entry), and removed once read.
 */
export async function* zipEvents(path: string, label: string, folder: string, cursor: string | null, ctx: FileContext, depth = 0): AsyncGenerator<SourceEvent> {
  if (depth >= MAX_ZIP_DEPTH) throw new ImportInputError('ZIP_TOO_DEEP', `zips nested more than ${MAX_ZIP_DEPTH} deep`, label);
  let zip: ZipFile;
  try {
    const { default: yauzl } = await import('yauzl'); // loaded on first use (build.ts: LOADED_ON_FIRST_USE)
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false });
  } catch (err) {
    throw new ImportInputError('ZIP_UNREADABLE', `not a readable zip file: ${(err as Error).message}`, label);
  }
  const from = unnest(cursor);
  const budget = { left: ctx.limits.maxZipBytes };
  const tmp = await mkdtemp(join(ctx.limits.tmpDir, 'import-zip-'));
  try {
    let index = -1;
    for await (const entry of entriesOf(zip)) {
      index++;
      if (from && index < Number(from.key)) continue;
      if (entry.fileName.endsWith('/')) continue;
      const name = posix.normalize(entry.fileName.replace(/\\/g, '/')).replace(/^(\.\.\/)+|^\//, '');
      const where = `${label} › ${name}`;
      const entryFolder = [folder, ...posix.dirname(name).split('/').filter((s) => s && s !== '.' && s !== 'cur' && s !== 'new')].filter(Boolean).join('/');
      const inner = from && index === Number(from.key) ? from.inner : null;
      try {
        if (entry.isEncrypted()) throw new ImportInputError('ZIP_ENCRYPTED', 'the entry is encrypted', where);
        checkRatio(entry, where, ctx.limits.maxZipRatio);
        const file = join(tmp, `entry-${index}`);
        const kind = await extract(zip, entry, file, budget, where, ctx.limits.maxZipBytes);
        const events = kind === 'zip' ? zipEvents(file, where, entryFolder, inner, ctx, depth + 1) : fileEvents(file, where, entryFolder, kind, inner, ctx, true);
        for await (const event of events) yield event.kind === 'totals' ? asMore(event) : { ...event, cursor: nest(index, event.cursor) };
        await rm(file, { force: true });
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        yield failure(err, where, entryFolder, nest(index, 'end'));
        if (err instanceof ImportInputError && err.code === 'ZIP_TOO_LARGE') return;
      }
    }
  } finally {
    zip.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

function checkRatio(entry: Entry, where: string, maxRatio: number): void {
  const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
  if (entry.uncompressedSize > BOMB_MIN_BYTES && ratio > maxRatio) {
    throw new ImportInputError('ZIP_BOMB', `expands ${Math.round(ratio)} times (${entry.uncompressedSize} bytes from ${entry.compressedSize}); more than ${maxRatio} times is refused as a zip bomb`, where);
  }
}

/** Unpacks one entry to `file`, counting against the zip's budget; returns what it is. */
async function extract(zip: ZipFile, entry: Entry, file: string, budget: { left: number }, where: string, limit: number): Promise<FileKind> {
  if (entry.uncompressedSize > budget.left) throw new ImportInputError('ZIP_TOO_LARGE', `the zip expands to more than the limit of ${limit} bytes`, where);
  let head: Buffer | null = null;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      budget.left -= chunk.length;
      if (budget.left < 0) return done(new ImportInputError('ZIP_TOO_LARGE', `the zip expands to more than the limit of ${limit} bytes`, where));
      head ??= chunk.subarray(0, 512);
      done(null, chunk);
    },
  });
  await pipeline(await zip.openReadStreamPromise(entry), count, createWriteStream(file, { mode: 0o600 }));
  return kindByName(entry.fileName) ?? sniff(head ?? Buffer.alloc(0));
}

async function* entriesOf(zip: ZipFile): AsyncGenerator<Entry> {
  for (;;) {
    const entry = await new Promise<Entry | null>((resolve, reject) => {
      const onEntry = (e: Entry) => settle(null, e);
      const onEnd = () => settle(null, null);
      const settle = (err: Error | null, e: Entry | null) => {
        zip.off('entry', onEntry).off('end', onEnd).off('error', settle);
        if (err) reject(err);
        else resolve(e);
      };
      zip.on('entry', onEntry).on('end', onEnd).on('error', settle);
      zip.readEntry();
    });
    if (!entry) return;
    yield entry;
  }
}

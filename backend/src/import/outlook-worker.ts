import { parentPort } from 'node:worker_threads';
import type { PSTFile } from 'pst-extractor';
import { readMsg } from './msg';
import type { OutlookItem } from './outlook-item';
import { outlookToMime } from './outlook-mime';
import type { ConvertedItem, OutlookReply, OutlookRequest } from './outlook-protocol';
import { openPst, pstEntries, pstFolders, pstItemCount, type PstEntry } from './pst-read';
import { ImportInputError } from './types';

/**
 * Reads PST files and .msg files off the main event loop: pst-extractor and msgreader read
 * synchronously, and a large PST keeps them busy for hours. One request at a time; the import
 * asks for the next item only when it wants one, so at most a couple of converted messages wait.
 */
const port = parentPort;
if (!port) throw new Error('outlook-worker.ts runs as a worker thread of outlook.ts');

let pst: PSTFile | null = null;
let entries: Generator<PstEntry> | null = null;

const reply = (message: OutlookReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

async function converted(base: Omit<ConvertedItem, 'mime'>, item: OutlookItem): Promise<{ item: ConvertedItem; transfer: ArrayBuffer[] }> {
  const lost: string[] = [];
  const mime = await outlookToMime(item, lost);
  const bytes = new Uint8Array(mime.buffer, mime.byteOffset, mime.byteLength);
  const at = item.receivedAt ?? item.sentAt;
  return { item: { ...base, mime: bytes, lost: [...new Set(lost)], ...(at ? { receivedAt: at.getTime() } : {}) }, transfer: [mime.buffer as ArrayBuffer] };
}

async function handle(req: OutlookRequest): Promise<void> {
  if (req.op === 'open-pst') {
    pst?.close();
    pst = openPst(req.path, req.label, req.password);
    const folderErrors: string[] = [];
    const folders = pstFolders(pst, (path, err) => folderErrors.push(`${req.label} › ${path || '(top)'}: subfolders cannot be listed: ${(err as Error).message}`));
    entries = pstEntries(pst, req.label, folders, req.cursor);
    reply({ op: 'opened', messages: pstItemCount(folders), folderErrors });
  } else if (req.op === 'next') {
    const next = entries?.next();
    if (!next || next.done) {
      pst?.close();
      pst = null;
      return reply({ op: 'end' });
    }
    const { item, ...base } = next.value;
    if (!item) return reply({ op: 'item', item: base });
    const out = await converted(base, item).catch((err: unknown) => ({ item: { ...base, error: `the item cannot be converted: ${(err as Error).message}` }, transfer: [] }));
    reply({ op: 'item', item: out.item }, out.transfer);
  } else {
    const base = { cursor: '', folder: '', where: req.label };
    const out = await converted(base, readMsg(Buffer.from(req.bytes), req.label));
    reply({ op: 'item', item: out.item }, out.transfer);
  }
}

port.on('message', (req: OutlookRequest) => {
  handle(req).catch((err: unknown) => {
    const code = err instanceof ImportInputError ? err.code : 'OUTLOOK_READ_FAILED';
    reply({ op: 'failed', code, message: err instanceof Error ? err.message : String(err) });
  });
});

import type { Worker } from 'node:worker_threads';
import { startThread } from '../workers/thread';
import type { ConvertedItem, OutlookReply, OutlookRequest } from './outlook-protocol';
import { ImportInputError } from './types';

/** pst-extractor keeps a PST's node index in memory; beyond this the worker dies, not the process. */
const HEAP_MB = 192;

/**
 * One Outlook worker thread (PST and .msg reading), asked one thing at a time. Ended by `close`,
 * or by the import's abort signal.
 */
export class OutlookWorker {
  private readonly worker: Worker;
  private waiting: { resolve: (r: OutlookReply) => void; reject: (e: Error) => void } | null = null;
  private dead: Error | null = null;

  constructor() {
    this.worker = startThread('outlook-worker', { execArgv: [], resourceLimits: { maxOldGenerationSizeMb: HEAP_MB, maxYoungGenerationSizeMb: 32 } });
    this.worker.on('message', (reply: OutlookReply) => {
      const w = this.waiting;
      this.waiting = null;
      w?.resolve(reply);
    });
    const die = (err: Error) => {
      this.dead ??= err;
      this.waiting?.reject(err);
      this.waiting = null;
    };
    this.worker.on('error', die);
    this.worker.on('exit', (code) => die(new Error(`the Outlook reader stopped (exit code ${code}); the file may be damaged or too large for it`)));
  }

  ask(req: OutlookRequest, transfer: ArrayBuffer[] = []): Promise<OutlookReply> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.waiting) return Promise.reject(new Error('the Outlook reader is busy'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.worker.postMessage(req, transfer);
    });
  }

  async close(): Promise<void> {
    this.dead ??= new Error('closed');
    await this.worker.terminate();
  }
}

/** A reply that is not what was asked for: the worker's failure, as the import sees it. */
export function unexpected(reply: OutlookReply, label: string): Error {
  return reply.op === 'failed' ? new ImportInputError(reply.code, reply.message.replace(`${label}: `, ''), label) : new Error(`the Outlook reader answered ${reply.op}`);
}

/** Converts one .msg file in the worker. */
export async function convertMsg(worker: OutlookWorker, bytes: Buffer, label: string): Promise<ConvertedItem> {
  const copy = new Uint8Array(bytes);
  const reply = await worker.ask({ op: 'msg', bytes: copy, label }, [copy.buffer]);
  if (reply.op !== 'item') throw unexpected(reply, label);
  return reply.item;
}
